// Accuracy arithmetic over results.jsonl: micro and macro accuracy, ci95, paired tests.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eval/results_log.h"

namespace mom {

struct Count {
  int correct = 0;
  int total = 0;
  double accuracy() const { return total == 0 ? 0.0 : static_cast<double>(correct) / total; }
};

// One system's scores. Failed calls and unparsed answers count as wrong.
struct SystemSummary {
  std::string name;
  std::string kind;  // "miner", "mixture" or "strategy"
  Count overall;     // micro: each question counts once
  double macro_accuracy = 0;  // mean over subjects of the subject's accuracy
  std::pair<double, double> ci95{0, 0};  // Wilson score interval of overall
  int unparsed = 0;
  int errors = 0;
  std::map<std::string, Count> by_category;
  std::map<std::string, Count> by_subject;
  std::map<std::string, int> letters;        // extracted letter -> answers with that letter
  std::map<std::string, int> right_letters;  // right letter -> questions with that right answer
  // Mixture only: questions on which an aggregator call failed, by error
  // code ("context_exceeded"), and questions the mixture answered with its
  // best proposal because every aggregator failed.
  int aggregator_failed = 0;
  std::map<std::string, int> aggregator_errors;
  int best_proposal_answers = 0;
};

// Exact McNemar test between the mixture and one other system on every
// question that has a record for both. A failed call or an unparsed answer
// counts as wrong, as in the accuracy, so the four counts add up to the
// questions both systems were scored on.
struct PairedTest {
  std::string system;
  int both_correct = 0;
  int only_mixture = 0;  // the mixture right, the system wrong
  int only_system = 0;   // the system right, the mixture wrong
  int both_wrong = 0;
  double p_value = 1;    // two-sided
};

struct Summary {
  std::vector<SystemSummary> systems;  // miners first, then the mixture, then strategies
  std::string mixture;                 // empty when no mixture was scored
  int questions = 0;                   // distinct questions with any result
  int skipped_rows = 0;                // malformed CSV rows skipped with --skip-invalid
  std::vector<PairedTest> paired;      // the mixture against each miner, then each strategy
  double mean_miner_accuracy = 0;      // unweighted mean of the miners' overall accuracy
  std::string best_miner;

  const SystemSummary* find(const std::string& name) const;
};

// Wilson score interval for correct/total at 95% (z = 1.96); {0, 0} for total 0.
std::pair<double, double> wilson_interval(int correct, int total);

// Two-sided exact McNemar p-value for discordant counts b and c: the
// binomial(b + c, 1/2) probability of a split at least as uneven, doubled and
// capped at 1. Returns 1 when b + c is 0.
double mcnemar_exact_p(int b, int c);

// True when the 95% interval contains 25%, the accuracy of guessing among four options.
bool at_chance_level(const SystemSummary& system);

// Keeps the last record of each (question, system) pair, in first-seen order.
std::vector<ResultRecord> latest_records(const std::vector<ResultRecord>& records);

// Summarizes records (deduplicated with latest_records). Systems are ordered
// as in system_order; systems not listed follow by name.
Summary summarize(const std::vector<ResultRecord>& records, const std::vector<std::string>& system_order,
                  int skipped_rows);

// The summary.json object: {"systems": {NAME: {...}}, "questions": N,
// "config": config, "mixture": NAME, "paired_tests": [...], ...}.
nlohmann::json summary_to_json(const Summary& summary, const nlohmann::json& config);

}  // namespace mom
