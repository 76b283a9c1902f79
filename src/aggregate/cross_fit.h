// Honest scoring of strategies: none decides a question whose truth it was fitted on.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aggregate/strategy.h"

namespace mom {

// Creates a fresh, unfitted strategy.
using StrategyFactory = std::function<std::unique_ptr<Strategy>()>;

// Returns one decided label per question (nullopt where every miner
// abstained). A strategy that uses labels is fitted folds times, each time on
// the questions whose index i has i % folds != f, and decides those with
// i % folds == f, so every fold mixes all subjects. A strategy that does not
// use labels is fitted once on every question with truth removed.
// REQUIRES: folds >= 2.
std::vector<std::optional<std::string>> cross_fit(const StrategyFactory& make,
                                                  const std::vector<LabeledQuestion>& questions,
                                                  int folds);

// Fits on the questions where fit_on[i] is true and decides the others
// (entries where fit_on[i] is true stay nullopt). A strategy that does not
// use labels is fitted on every question with truth removed.
// REQUIRES: fit_on.size() == questions.size().
std::vector<std::optional<std::string>> fit_then_decide(const StrategyFactory& make,
                                                        const std::vector<LabeledQuestion>& questions,
                                                        const std::vector<bool>& fit_on);

// Returns the fraction of questions whose decided label equals the truth,
// counting only entries where count_on[i] is true (all when empty).
double accuracy_of(const std::vector<std::optional<std::string>>& decided,
                   const std::vector<LabeledQuestion>& questions, const std::vector<bool>& count_on = {});

}  // namespace mom
