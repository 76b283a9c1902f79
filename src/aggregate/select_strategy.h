// "select": picks, by cross-validation on its own fitting data, the strategy to use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"

namespace mom {

// Model selection by inner cross-validation. fit() scores every candidate
// with inner_folds-fold cross-fitting on the fitted questions only, then
// keeps "best-miner" unless another candidate beats it there by more than
// margin (a fraction: 0.001 is 0.1 percentage points), and fits the winner
// on all fitted questions. Following the best miner is the safe default: a
// mixture should not make its strongest miner worse. decide() delegates to
// the winner. Unfitted, it is "best-miner" seeded with the scoreboard.
class SelectStrategy : public Strategy {
 public:
  // weights may be null.
  SelectStrategy(const Scoreboard* weights, std::vector<std::string> candidates, int inner_folds = 5,
                 double margin = 0.001);

  std::string name() const override { return "select"; }
  bool uses_labels() const override { return true; }
  void fit(const std::vector<LabeledQuestion>& questions) override;
  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>& aggregator_label) const override;

  // Name of the strategy decide() delegates to.
  std::string chosen() const { return chosen_->name(); }

 private:
  std::vector<std::string> candidates_;
  int inner_folds_;
  double margin_;
  std::unique_ptr<Strategy> chosen_;
};

}  // namespace mom
