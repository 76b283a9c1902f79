#include "aggregate/vote_strategy.h"

#include "aggregate/label_scores.h"

namespace mom {

VoteStrategy::VoteStrategy(const Scoreboard* weights) {
  if (weights != nullptr) {
    weights_ = *weights;
  }
}

std::optional<std::string> VoteStrategy::decide(const std::vector<Ballot>& ballots,
                                                const QuestionInfo& question,
                                                const std::optional<std::string>& aggregator_label) const {
  auto one_vote = [](const Ballot&) { return 1.0; };
  auto overall_accuracy = [this](const Ballot& ballot) {
    const MinerScores* scores = weights_.find(ballot.miner);
    return scores == nullptr ? 0.0 : scores->overall.accuracy();
  };
  return pick_label(score_labels(ballots, one_vote, overall_accuracy), aggregator_label);
}

}  // namespace mom
