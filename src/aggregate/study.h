// An offline study of aggregation strategies on recorded ballots with known answers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aggregate/strategy.h"

namespace mom {

struct StudyOptions {
  std::vector<std::string> strategies;  // names for make_strategy()
  int folds = 2;                        // cross-fitting folds, >= 2
  bool split_halves = false;            // also fit on even rows and score odd rows, and the reverse
};

struct StrategyStudy {
  std::string name;
  double accuracy = 0;               // cross-fitted over every question
  std::optional<double> odd_half;    // fitted on even rows, scored on odd rows
  std::optional<double> even_half;   // fitted on odd rows, scored on even rows
};

struct MinerStudy {
  std::string name;
  double accuracy = 0;
};

struct StudyResult {
  int questions = 0;
  std::vector<MinerStudy> miners;  // in ballot order
  MinerStudy best_single;
  double mean_of_miners = 0;
  double oracle = 0;  // share of questions that at least one miner got right
  std::optional<double> best_single_odd_half;   // accuracy on odd rows of the miner best on even rows
  std::optional<double> best_single_even_half;  // the reverse
  std::vector<StrategyStudy> strategies;
};

// Scores the miners and every strategy. rows[i] is the question's row in its
// subject, whose parity defines the halves. Every question must hold a
// ballot for each miner in the same order and a non-empty truth. Returns
// kInvalidRequest for an unknown strategy name or fewer than 2 folds.
Result<StudyResult> run_study(const std::vector<LabeledQuestion>& questions, const std::vector<int>& rows,
                              const StudyOptions& options);

}  // namespace mom
