// "agreement": learns which answer is right from the pattern of agreement between miners.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aggregate/strategy.h"
#include "aggregate/weighted_vote_strategy.h"

namespace mom {

// A lookup table over agreement patterns with backoff. The pattern of a
// question names, for each fitted miner in a fixed order, the group of
// agreeing miners it belongs to. For four miners, "aab-" means that the first
// two agree, the third differs and the fourth abstained. Labels themselves
// are not part of the pattern. fit() counts, for every pattern, how often each group held the right
// answer. decide() scores each group as count + prior_strength * q, where q
// is the "subject-weights" posterior of the group's label (a softmax of its
// weights), so rare patterns fall back to the weighted vote and frequent
// ones follow what the data showed, for example that a strong miner beats
// two correlated weaker ones that agree. Miners not seen in fit() are
// ignored. A second level repeats this within the subject: the subject's own
// counts for the pattern plus subject_strength times the global level's
// normalized scores. Unfitted, it is "subject-weights" seeded with the
// scoreboard it was created with, so a mixture that never fits it votes by
// measured accuracy (a plain vote without a scoreboard).
// The defaults 100 and 30 are the best of a small grid (10 to 100 each) on
// four of the recorded MMLU miners, where the cross-fitted accuracy ranged
// from 80.6% to 81.1% (see docs/aggregation.md).
class AgreementStrategy : public Strategy {
 public:
  // weights may be null.
  explicit AgreementStrategy(const Scoreboard* weights, double prior_strength = 100.0,
                             double subject_strength = 30.0);

  std::string name() const override { return "agreement"; }
  bool uses_labels() const override { return true; }
  void fit(const std::vector<LabeledQuestion>& questions) override;
  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>& aggregator_label) const override;

 private:
  // The pattern key and, per group index, the group's label.
  struct Pattern {
    std::string key;
    std::vector<std::string> group_labels;
  };
  Pattern pattern_of(const std::vector<Ballot>& ballots) const;

  double prior_strength_;
  std::vector<std::string> miners_;
  std::map<std::string, std::vector<double>> right_counts_;  // key -> per group; last: none right
  std::map<std::string, std::vector<double>> subject_right_counts_;  // "subject|key" -> per group
  double subject_strength_;
  WeightedVoteStrategy backoff_;
};

}  // namespace mom
