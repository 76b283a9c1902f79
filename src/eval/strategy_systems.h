// Label strategies scored as systems of their own on the miners' ballots.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "eval/mmlu_dataset.h"
#include "eval/results_log.h"

namespace mom {

// Decides every question with each named strategy (make_strategy) from the
// miners' letters in records, and returns one "strategy" record per question
// and strategy. Strategies whose uses_labels() is true are cross-fitted: a
// question in fold f (fold = text_hash(question id) mod folds) is decided by
// a strategy fitted only on the other folds. The mixture's letter, when
// recorded, is passed as the aggregator's tie-breaker. Questions with no
// miner record are skipped. Fails when a name is unknown or folds < 2 for a
// strategy that uses labels. Runs in the calling thread; no per-question
// threads, so 14,000 questions take well under a second for vote strategies.
Result<std::vector<ResultRecord>> score_strategies(const std::vector<std::string>& strategies, int folds,
                                                   const std::vector<MmluQuestion>& questions,
                                                   const std::vector<std::string>& miners,
                                                   const std::string& mixture,
                                                   const std::vector<ResultRecord>& records);

// The sentence the report prints about fold assignment.
std::string fold_note(int folds);

}  // namespace mom
