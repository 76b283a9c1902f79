#include "aggregate/strategy.h"

#include "aggregate/agreement_strategy.h"
#include "aggregate/best_miner_strategy.h"
#include "aggregate/dawid_skene_strategy.h"
#include "aggregate/select_strategy.h"
#include "aggregate/vote_strategy.h"
#include "aggregate/weighted_vote_strategy.h"

namespace mom {

std::vector<std::string> strategy_names() {
  return {"vote", "weighted-vote", "subject-weights", "dawid-skene", "agreement", "best-miner", "select"};
}

Result<std::unique_ptr<Strategy>> make_strategy(const std::string& name, const Scoreboard* weights) {
  std::unique_ptr<Strategy> strategy;
  if (name == "vote") {
    strategy = std::make_unique<VoteStrategy>(weights);
  } else if (name == "weighted-vote") {
    strategy = std::make_unique<WeightedVoteStrategy>(WeightedVoteStrategy::Level::kCategory, weights);
  } else if (name == "subject-weights") {
    strategy = std::make_unique<WeightedVoteStrategy>(WeightedVoteStrategy::Level::kSubject, weights);
  } else if (name == "dawid-skene") {
    strategy = std::make_unique<DawidSkeneStrategy>();
  } else if (name == "agreement") {
    strategy = std::make_unique<AgreementStrategy>(weights);
  } else if (name == "best-miner") {
    strategy = std::make_unique<BestMinerStrategy>(weights);
  } else if (name == "select") {
    strategy = std::make_unique<SelectStrategy>(
        weights, std::vector<std::string>{"vote", "weighted-vote", "subject-weights", "agreement"});
  } else {
    std::string known;
    for (const std::string& candidate : strategy_names()) {
      known += (known.empty() ? "" : ", ") + candidate;
    }
    return Error::invalid("unknown aggregation strategy '" + name + "' (known: " + known + ")");
  }
  return strategy;
}

}  // namespace mom
