// Per-label evidence from a list of ballots, and the tie rule the voting strategies share.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aggregate/strategy.h"

namespace mom {

// Evidence for one label on one question.
struct LabelScore {
  std::string label;
  double score = 0;      // the strategy's evidence (votes, summed weights, log-odds)
  int votes = 0;         // ballots that gave this label
  double tie_score = 0;  // highest tie-break weight among the miners that gave it
};

// Maps a ballot to a number (a miner's weight); called once per ballot.
using BallotWeight = std::function<double(const Ballot&)>;

// Sums weight over the ballots of each label; abstaining ballots are skipped.
// tie_weight may be empty (every tie_score is then 0). Labels come out sorted.
std::vector<LabelScore> score_labels(const std::vector<Ballot>& ballots, const BallotWeight& weight,
                                     const BallotWeight& tie_weight = {});

// Picks the label with the highest score. Labels whose scores are within
// 1e-9 of the best tie; among them the first rule that separates them wins:
// the aggregator's label when it is among them, more votes, a higher
// tie_score, then the lexicographically smallest label (so the order in which
// miners are listed never matters). nullopt when scores is empty.
std::optional<std::string> pick_label(const std::vector<LabelScore>& scores,
                                      const std::optional<std::string>& aggregator_label);

// Log-likelihood-ratio weight of a miner that is right with probability
// accuracy on a question with choice_count options, when its wrong answers
// spread evenly over the other options: log(p (K-1) / (1-p)). It is 0 at
// chance (p = 1/K) and clipped to 0 below it, so a miner no better than
// chance never adds evidence; p is capped at 0.995 to keep the weight finite.
double accuracy_weight(double accuracy, int choice_count);

// Number of distinct labels among the ballots and truths of questions, at
// least 2; the K of accuracy_weight() when fitting on data.
int count_choices(const std::vector<LabeledQuestion>& questions);

}  // namespace mom
