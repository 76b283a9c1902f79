#include "aggregate/best_miner_strategy.h"

#include <algorithm>

#include "aggregate/label_scores.h"

namespace mom {

BestMinerStrategy::BestMinerStrategy(const Scoreboard* weights) {
  if (weights != nullptr) {
    rank(*weights);
  }
}

void BestMinerStrategy::rank(const Scoreboard& board) {
  std::vector<std::pair<double, std::string>> accuracies;
  for (const auto& [miner, scores] : board.miners()) {
    accuracies.emplace_back(scores.overall.accuracy(), miner);
  }
  std::stable_sort(accuracies.begin(), accuracies.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  ranking_.clear();
  for (const auto& [accuracy, miner] : accuracies) {
    ranking_.push_back(miner);
  }
}

void BestMinerStrategy::fit(const std::vector<LabeledQuestion>& questions) {
  Scoreboard board;
  for (const LabeledQuestion& question : questions) {
    if (question.truth.empty()) {
      continue;
    }
    for (const Ballot& ballot : question.ballots) {
      board.record(ballot.miner, "", "", ballot.label && *ballot.label == question.truth);
    }
  }
  rank(board);
}

std::optional<std::string> BestMinerStrategy::decide(
    const std::vector<Ballot>& ballots, const QuestionInfo& question,
    const std::optional<std::string>& aggregator_label) const {
  for (const std::string& miner : ranking_) {
    for (const Ballot& ballot : ballots) {
      if (ballot.miner == miner && ballot.label) {
        return ballot.label;
      }
    }
  }
  auto one_vote = [](const Ballot&) { return 1.0; };
  return pick_label(score_labels(ballots, one_vote), aggregator_label);
}

}  // namespace mom
