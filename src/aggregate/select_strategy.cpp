#include "aggregate/select_strategy.h"

#include <spdlog/spdlog.h>

#include "aggregate/best_miner_strategy.h"
#include "aggregate/cross_fit.h"

namespace mom {

SelectStrategy::SelectStrategy(const Scoreboard* weights, std::vector<std::string> candidates,
                               int inner_folds, double margin)
    : candidates_(std::move(candidates)),
      inner_folds_(inner_folds),
      margin_(margin),
      chosen_(std::make_unique<BestMinerStrategy>(weights)) {}

void SelectStrategy::fit(const std::vector<LabeledQuestion>& questions) {
  auto make_named = [](const std::string& name) {
    return [name]() { return std::move(make_strategy(name, nullptr).value()); };
  };

  std::string best_name = "best-miner";
  const double baseline = accuracy_of(cross_fit(make_named(best_name), questions, inner_folds_), questions);
  double best_accuracy = baseline + margin_;
  for (const std::string& candidate : candidates_) {
    if (candidate == "best-miner") {
      continue;
    }
    const double accuracy = accuracy_of(cross_fit(make_named(candidate), questions, inner_folds_), questions);
    spdlog::debug("select candidate={} inner_accuracy={:.4f}", candidate, accuracy);
    if (accuracy > best_accuracy) {
      best_accuracy = accuracy;
      best_name = candidate;
    }
  }

  chosen_ = make_named(best_name)();
  chosen_->fit(questions);
}

std::optional<std::string> SelectStrategy::decide(
    const std::vector<Ballot>& ballots, const QuestionInfo& question,
    const std::optional<std::string>& aggregator_label) const {
  return chosen_->decide(ballots, question, aggregator_label);
}

}  // namespace mom
