#include "aggregate/agreement_strategy.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "aggregate/label_scores.h"

namespace mom {

AgreementStrategy::AgreementStrategy(const Scoreboard* weights, double prior_strength,
                                     double subject_strength)
    : prior_strength_(prior_strength),
      subject_strength_(subject_strength),
      backoff_(WeightedVoteStrategy::Level::kSubject, weights) {}

AgreementStrategy::Pattern AgreementStrategy::pattern_of(const std::vector<Ballot>& ballots) const {
  Pattern pattern;
  pattern.key.assign(miners_.size(), '-');
  for (size_t i = 0; i < miners_.size(); ++i) {
    const Ballot* found = nullptr;
    for (const Ballot& ballot : ballots) {
      if (ballot.miner == miners_[i]) {
        found = &ballot;
        break;
      }
    }
    if (found == nullptr || !found->label) {
      continue;
    }
    auto group = std::find(pattern.group_labels.begin(), pattern.group_labels.end(), *found->label);
    if (group == pattern.group_labels.end()) {
      pattern.group_labels.push_back(*found->label);
      group = pattern.group_labels.end() - 1;
    }
    pattern.key[i] = static_cast<char>('a' + (group - pattern.group_labels.begin()));
  }
  return pattern;
}

void AgreementStrategy::fit(const std::vector<LabeledQuestion>& questions) {
  std::set<std::string> miners;
  for (const LabeledQuestion& question : questions) {
    for (const Ballot& ballot : question.ballots) {
      miners.insert(ballot.miner);
    }
  }
  miners_.assign(miners.begin(), miners.end());
  right_counts_.clear();
  subject_right_counts_.clear();
  for (const LabeledQuestion& question : questions) {
    if (question.truth.empty()) {
      continue;
    }
    const Pattern pattern = pattern_of(question.ballots);
    std::vector<double>& counts = right_counts_[pattern.key];
    counts.resize(pattern.group_labels.size() + 1, 0.0);
    auto group = std::find(pattern.group_labels.begin(), pattern.group_labels.end(), question.truth);
    counts[group - pattern.group_labels.begin()] += 1;
    std::vector<double>& subject_counts = subject_right_counts_[question.info.subject + "|" + pattern.key];
    subject_counts.resize(pattern.group_labels.size() + 1, 0.0);
    subject_counts[group - pattern.group_labels.begin()] += 1;
  }
  backoff_.fit(questions);
}

std::optional<std::string> AgreementStrategy::decide(
    const std::vector<Ballot>& ballots, const QuestionInfo& question,
    const std::optional<std::string>& aggregator_label) const {
  const Pattern pattern = pattern_of(ballots);
  auto counts = right_counts_.find(pattern.key);
  if (counts == right_counts_.end() || pattern.group_labels.empty()) {
    return backoff_.decide(ballots, question, aggregator_label);
  }

  auto miner_weight = [&](const Ballot& ballot) { return backoff_.weight(ballot.miner, question); };
  std::vector<LabelScore> scores = score_labels(ballots, miner_weight, miner_weight);
  double best = 0;
  for (const LabelScore& entry : scores) {
    best = std::max(best, entry.score);
  }
  double normalizer = 0;
  for (const LabelScore& entry : scores) {
    normalizer += std::exp(entry.score - best);
  }
  for (LabelScore& entry : scores) {
    const double prior = std::exp(entry.score - best) / normalizer;
    auto group = std::find(pattern.group_labels.begin(), pattern.group_labels.end(), entry.label);
    // A label given only by miners unseen in fit() has no group and no count.
    const double count =
        group == pattern.group_labels.end() ? 0.0 : counts->second[group - pattern.group_labels.begin()];
    entry.score = count + prior_strength_ * prior;
  }

  // Second level: the same pattern within the question's subject, with the
  // global estimate as its prior.
  auto subject_counts = subject_right_counts_.find(question.subject + "|" + pattern.key);
  if (subject_counts != subject_right_counts_.end()) {
    double total = 0;
    for (const LabelScore& entry : scores) {
      total += entry.score;
    }
    for (LabelScore& entry : scores) {
      auto group = std::find(pattern.group_labels.begin(), pattern.group_labels.end(), entry.label);
      const double count = group == pattern.group_labels.end()
                               ? 0.0
                               : subject_counts->second[group - pattern.group_labels.begin()];
      entry.score = count + subject_strength_ * entry.score / total;
    }
  }
  return pick_label(scores, aggregator_label);
}

}  // namespace mom
