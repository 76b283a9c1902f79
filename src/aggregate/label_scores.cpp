#include "aggregate/label_scores.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace mom {

std::vector<LabelScore> score_labels(const std::vector<Ballot>& ballots, const BallotWeight& weight,
                                     const BallotWeight& tie_weight) {
  std::map<std::string, LabelScore> by_label;
  for (const Ballot& ballot : ballots) {
    if (!ballot.label) {
      continue;
    }
    LabelScore& entry = by_label[*ballot.label];
    if (entry.votes == 0) {
      entry.label = *ballot.label;
      entry.tie_score = tie_weight ? tie_weight(ballot) : 0.0;
    } else if (tie_weight) {
      entry.tie_score = std::max(entry.tie_score, tie_weight(ballot));
    }
    entry.score += weight(ballot);
    entry.votes += 1;
  }
  std::vector<LabelScore> scores;
  scores.reserve(by_label.size());
  for (auto& [label, entry] : by_label) {
    scores.push_back(std::move(entry));
  }
  return scores;
}

std::optional<std::string> pick_label(const std::vector<LabelScore>& scores,
                                      const std::optional<std::string>& aggregator_label) {
  if (scores.empty()) {
    return std::nullopt;
  }
  constexpr double kTolerance = 1e-9;
  double best = scores.front().score;
  for (const LabelScore& entry : scores) {
    best = std::max(best, entry.score);
  }
  std::vector<const LabelScore*> tied;
  for (const LabelScore& entry : scores) {
    if (entry.score >= best - kTolerance) {
      tied.push_back(&entry);
    }
  }
  if (aggregator_label) {
    for (const LabelScore* entry : tied) {
      if (entry->label == *aggregator_label) {
        return entry->label;
      }
    }
  }
  // Scores arrive sorted by label, so the first of equals is the smallest label.
  const LabelScore* chosen = tied.front();
  for (const LabelScore* entry : tied) {
    if (entry->votes != chosen->votes) {
      if (entry->votes > chosen->votes) {
        chosen = entry;
      }
    } else if (entry->tie_score > chosen->tie_score + kTolerance) {
      chosen = entry;
    }
  }
  return chosen->label;
}

double accuracy_weight(double accuracy, int choice_count) {
  const int k = std::max(2, choice_count);
  const double p = std::min(accuracy, 0.995);
  if (p <= 1.0 / k) {
    return 0.0;
  }
  return std::log(p * (k - 1) / (1.0 - p));
}

int count_choices(const std::vector<LabeledQuestion>& questions) {
  std::set<std::string> labels;
  for (const LabeledQuestion& question : questions) {
    if (!question.truth.empty()) {
      labels.insert(question.truth);
    }
    for (const Ballot& ballot : question.ballots) {
      if (ballot.label) {
        labels.insert(*ballot.label);
      }
    }
  }
  return std::max<int>(2, static_cast<int>(labels.size()));
}

}  // namespace mom
