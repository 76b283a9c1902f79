// "weighted-vote" and "subject-weights": votes weighted by each miner's measured accuracy.
#pragma once

#include <map>
#include <string>

#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"

namespace mom {

// Sums, for each label, the accuracy_weight() of the miners that gave it, so
// a miner at or below chance (1/K for K choices) adds nothing and can never
// flip a majority. Miners absent from the accuracy table also add nothing.
//
// kCategory ("weighted-vote"): a miner's accuracy in the question's category
// when known, else its overall accuracy.
// kSubject ("subject-weights"): its accuracy in the question's subject,
// shrunk toward its category accuracy and that toward its overall accuracy
// (empirical Bayes). The pseudo-count m of each miner comes from the spread
// of its subject accuracies when fitted (method of moments on a beta prior:
// m = p(1-p)/tau^2 - 1, clamped to [2, 2000]); it is 20 when only seeded.
//
// fit() replaces the accuracies with those measured on the fitted questions
// and K with the number of labels seen there. Unfitted, the strategy uses the
// scoreboard it was created with and K = 4.
// NOTE: K = 4 suits four-option multiple choice; for yes/no answers, fit the
// strategy or weights of miners near 50% come out too high.
// Ties follow pick_label(): the aggregator's label, more votes, the higher
// weight of a supporting miner, then the smallest label.
class WeightedVoteStrategy : public Strategy {
 public:
  enum class Level { kCategory, kSubject };

  // weights may be null (every miner then weighs 0 until fitted).
  WeightedVoteStrategy(Level level, const Scoreboard* weights);

  std::string name() const override;
  bool uses_labels() const override { return true; }
  void fit(const std::vector<LabeledQuestion>& questions) override;
  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>& aggregator_label) const override;

  // Returns the weight of the miner's vote on a question of this subject and category.
  double weight(const std::string& miner, const QuestionInfo& question) const;

 private:
  double pseudo_count(const std::string& miner) const;

  Level level_;
  Scoreboard board_;
  int choice_count_ = 4;
  std::map<std::string, double> pseudo_counts_;  // per miner; empty until fitted
};

}  // namespace mom
