#include "aggregate/weighted_vote_strategy.h"

#include <algorithm>

#include "aggregate/label_scores.h"

namespace mom {
namespace {

constexpr double kDefaultPseudoCount = 20.0;
constexpr double kMinPseudoCount = 2.0;
constexpr double kMaxPseudoCount = 2000.0;

// Method-of-moments estimate of how many questions' worth of prior the
// overall accuracy deserves: the observed variance of subject accuracies,
// less the binomial noise expected from their sizes, is the true spread tau^2.
double estimate_pseudo_count(const MinerScores& scores) {
  const double p = scores.overall.accuracy();
  double squared_deviation = 0;
  double noise = 0;
  int subjects = 0;
  for (const auto& [subject, tally] : scores.by_subject) {
    if (tally.total == 0) {
      continue;
    }
    const double deviation = tally.accuracy() - p;
    squared_deviation += deviation * deviation;
    noise += p * (1 - p) / tally.total;
    subjects += 1;
  }
  if (subjects < 2) {
    return kDefaultPseudoCount;
  }
  const double spread = (squared_deviation - noise) / subjects;
  if (spread <= 0) {
    return kMaxPseudoCount;
  }
  return std::clamp(p * (1 - p) / spread - 1, kMinPseudoCount, kMaxPseudoCount);
}

}  // namespace

WeightedVoteStrategy::WeightedVoteStrategy(Level level, const Scoreboard* weights) : level_(level) {
  if (weights != nullptr) {
    board_ = *weights;
  }
}

std::string WeightedVoteStrategy::name() const {
  return level_ == Level::kCategory ? "weighted-vote" : "subject-weights";
}

void WeightedVoteStrategy::fit(const std::vector<LabeledQuestion>& questions) {
  Scoreboard board;
  for (const LabeledQuestion& question : questions) {
    if (question.truth.empty()) {
      continue;
    }
    for (const Ballot& ballot : question.ballots) {
      board.record(ballot.miner, question.info.subject, question.info.category,
                   ballot.label && *ballot.label == question.truth);
    }
  }
  board_ = std::move(board);
  choice_count_ = count_choices(questions);
  pseudo_counts_.clear();
  for (const auto& [miner, scores] : board_.miners()) {
    pseudo_counts_[miner] = estimate_pseudo_count(scores);
  }
}

double WeightedVoteStrategy::pseudo_count(const std::string& miner) const {
  auto it = pseudo_counts_.find(miner);
  return it == pseudo_counts_.end() ? kDefaultPseudoCount : it->second;
}

double WeightedVoteStrategy::weight(const std::string& miner, const QuestionInfo& question) const {
  const MinerScores* scores = board_.find(miner);
  if (scores == nullptr || scores->overall.total == 0) {
    return 0.0;
  }
  double accuracy = scores->overall.accuracy();
  if (level_ == Level::kCategory) {
    auto it = scores->by_category.find(question.category);
    if (it != scores->by_category.end() && it->second.total > 0) {
      accuracy = it->second.accuracy();
    }
  } else {
    accuracy = *board_.shrunk_accuracy(miner, question.subject, question.category, pseudo_count(miner));
  }
  return accuracy_weight(accuracy, choice_count_);
}

std::optional<std::string> WeightedVoteStrategy::decide(
    const std::vector<Ballot>& ballots, const QuestionInfo& question,
    const std::optional<std::string>& aggregator_label) const {
  auto miner_weight = [&](const Ballot& ballot) { return weight(ballot.miner, question); };
  return pick_label(score_labels(ballots, miner_weight, miner_weight), aggregator_label);
}

}  // namespace mom
