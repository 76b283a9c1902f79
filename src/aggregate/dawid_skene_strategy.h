// "dawid-skene": miner reliabilities estimated from agreement alone, without answer keys.
#pragma once

#include <map>
#include <string>

#include "aggregate/strategy.h"

namespace mom {

// One-coin Dawid-Skene model: miner j is right with probability p_j (one per
// category, shrunk toward its overall p_j) and spreads its wrong answers
// evenly over the other K-1 labels. fit() runs expectation-maximization on
// the ballots alone (truth is never read, so it may fit on the very
// questions it decides), starting from plurality-vote posteriors. decide()
// is then a weighted vote with weights log(p (K-1) / (1-p)), which is the
// posterior mode under a uniform prior over labels. Unfitted, every miner
// weighs the same (a plain vote). Ties follow pick_label().
class DawidSkeneStrategy : public Strategy {
 public:
  std::string name() const override { return "dawid-skene"; }
  bool uses_labels() const override { return false; }
  void fit(const std::vector<LabeledQuestion>& questions) override;
  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>& aggregator_label) const override;

  // Returns the estimated accuracy of the miner in the category (overall when
  // the category is unknown); 0.7 for a miner never fitted.
  double accuracy(const std::string& miner, const std::string& category) const;

 private:
  int choice_count_ = 4;
  std::map<std::string, double> overall_;
  std::map<std::string, std::map<std::string, double>> by_category_;
};

}  // namespace mom
