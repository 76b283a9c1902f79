#include "eval/summary.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "eval/summary_notes.h"

namespace mom {
namespace {

constexpr double kZ95 = 1.959963984540054;
constexpr double kChance = 0.25;

nlohmann::json count_json(const Count& count) {
  return {{"accuracy", count.accuracy()}, {"correct", count.correct}, {"total", count.total}};
}

// The code of a "code: message" error ("context_exceeded"); "error" when the
// text has no such prefix.
std::string error_code_of(const std::string& error) {
  size_t colon = error.find(':');
  std::string code = error.substr(0, colon);
  bool is_code = colon != std::string::npos && !code.empty() &&
                 std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::islower(c) || c == '_'; });
  return is_code ? code : "error";
}

nlohmann::json counts_json(const std::map<std::string, int>& counts) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, count] : counts) {
    json[key] = count;
  }
  return json;
}

}  // namespace

const SystemSummary* Summary::find(const std::string& name) const {
  for (const auto& system : systems) {
    if (system.name == name) {
      return &system;
    }
  }
  return nullptr;
}

std::pair<double, double> wilson_interval(int correct, int total) {
  if (total <= 0) {
    return {0, 0};
  }
  double n = total;
  double p = correct / n;
  double z2 = kZ95 * kZ95;
  double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  double half = kZ95 * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double mcnemar_exact_p(int b, int c) {
  int n = b + c;
  if (n == 0) {
    return 1.0;
  }
  int k = std::min(b, c);
  // Sum the binomial tail in log space so that n in the thousands neither
  // overflows nor underflows.
  double tail = 0;
  for (int i = 0; i <= k; ++i) {
    double log_term = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0);
    tail += std::exp(log_term);
  }
  return std::min(1.0, 2 * tail);
}

bool at_chance_level(const SystemSummary& system) {
  return system.overall.total > 0 && system.ci95.first <= kChance && kChance <= system.ci95.second;
}

std::vector<ResultRecord> latest_records(const std::vector<ResultRecord>& records) {
  std::map<std::pair<std::string, std::string>, size_t> index;
  std::vector<ResultRecord> out;
  for (const ResultRecord& record : records) {
    auto key = std::make_pair(record.question_id, record.system);
    auto it = index.find(key);
    if (it == index.end()) {
      index.emplace(key, out.size());
      out.push_back(record);
    } else {
      out[it->second] = record;
    }
  }
  return out;
}

Summary summarize(const std::vector<ResultRecord>& all_records, const std::vector<std::string>& system_order,
                  int skipped_rows) {
  std::vector<ResultRecord> records = latest_records(all_records);
  Summary summary;
  summary.skipped_rows = skipped_rows;

  std::map<std::string, SystemSummary> systems;
  std::set<std::string> questions;
  // correctness[system][question_id]
  std::map<std::string, std::map<std::string, bool>> correctness;
  for (const ResultRecord& record : records) {
    SystemSummary& system = systems[record.system];
    system.name = record.system;
    system.kind = record.kind;
    questions.insert(record.question_id);
    int correct = record.correct ? 1 : 0;
    system.overall.correct += correct;
    system.overall.total += 1;
    system.by_category[record.category].correct += correct;
    system.by_category[record.category].total += 1;
    system.by_subject[record.subject].correct += correct;
    system.by_subject[record.subject].total += 1;
    system.unparsed += record.unparsed ? 1 : 0;
    system.errors += record.error ? 1 : 0;
    correctness[record.system][record.question_id] = record.correct;
    if (record.letter) {
      system.letters[*record.letter] += 1;
    }
    system.right_letters[record.answer] += 1;
    if (record.aggregator_error) {
      system.aggregator_failed += 1;
      system.aggregator_errors[error_code_of(*record.aggregator_error)] += 1;
    }
    system.best_proposal_answers += record.answered_with_best_proposal ? 1 : 0;
  }
  summary.questions = static_cast<int>(questions.size());

  for (auto& [name, system] : systems) {
    system.ci95 = wilson_interval(system.overall.correct, system.overall.total);
    double sum = 0;
    for (const auto& [subject, count] : system.by_subject) {
      sum += count.accuracy();
    }
    system.macro_accuracy = system.by_subject.empty() ? 0 : sum / system.by_subject.size();
  }

  for (const std::string& name : system_order) {
    auto it = systems.find(name);
    if (it != systems.end()) {
      summary.systems.push_back(std::move(it->second));
      systems.erase(it);
    }
  }
  for (auto& [name, system] : systems) {
    summary.systems.push_back(std::move(system));
  }

  int miners = 0;
  double best = -1;
  for (const SystemSummary& system : summary.systems) {
    if (system.kind == "mixture" && summary.mixture.empty()) {
      summary.mixture = system.name;
    }
    if (system.kind == "miner") {
      ++miners;
      summary.mean_miner_accuracy += system.overall.accuracy();
      if (system.overall.accuracy() > best) {
        best = system.overall.accuracy();
        summary.best_miner = system.name;
      }
    }
  }
  if (miners > 0) {
    summary.mean_miner_accuracy /= miners;
  }

  if (!summary.mixture.empty()) {
    const auto& mixture = correctness[summary.mixture];
    for (const SystemSummary& system : summary.systems) {
      if (system.name == summary.mixture) {
        continue;
      }
      PairedTest test;
      test.system = system.name;
      for (const auto& [question, other_correct] : correctness[system.name]) {
        auto it = mixture.find(question);
        if (it == mixture.end()) {
          continue;
        }
        bool mixture_correct = it->second;
        if (mixture_correct && other_correct) {
          ++test.both_correct;
        } else if (mixture_correct) {
          ++test.only_mixture;
        } else if (other_correct) {
          ++test.only_system;
        } else {
          ++test.both_wrong;
        }
      }
      test.p_value = mcnemar_exact_p(test.only_mixture, test.only_system);
      summary.paired.push_back(test);
    }
  }
  return summary;
}

nlohmann::json summary_to_json(const Summary& summary, const nlohmann::json& config) {
  nlohmann::json systems = nlohmann::json::object();
  for (const SystemSummary& system : summary.systems) {
    nlohmann::json by_category = nlohmann::json::object();
    for (const auto& [category, count] : system.by_category) {
      by_category[category] = count_json(count);
    }
    nlohmann::json by_subject = nlohmann::json::object();
    for (const auto& [subject, count] : system.by_subject) {
      by_subject[subject] = count_json(count);
    }
    systems[system.name] = {
        {"kind", system.kind},
        {"accuracy", system.overall.accuracy()},
        {"correct", system.overall.correct},
        {"total", system.overall.total},
        {"unparsed", system.unparsed},
        {"errors", system.errors},
        {"ci95", {system.ci95.first, system.ci95.second}},
        {"macro_accuracy", system.macro_accuracy},
        {"at_chance_level", at_chance_level(system)},
        {"by_category", by_category},
        {"by_subject", by_subject},
        {"letters", counts_json(system.letters)},
    };
    if (system.kind == "mixture") {
      systems[system.name]["aggregator_failed"] = system.aggregator_failed;
      systems[system.name]["aggregator_errors"] = counts_json(system.aggregator_errors);
      systems[system.name]["answered_with_best_proposal"] = system.best_proposal_answers;
    }
  }
  nlohmann::json paired = nlohmann::json::array();
  for (const PairedTest& test : summary.paired) {
    paired.push_back({{"mixture", summary.mixture},
                      {"system", test.system},
                      {"both_correct", test.both_correct},
                      {"only_mixture_correct", test.only_mixture},
                      {"only_system_correct", test.only_system},
                      {"both_wrong", test.both_wrong},
                      {"test", "exact McNemar, two-sided; failed or unparsed answers count as wrong"},
                      {"p_value", test.p_value}});
  }
  return {
      {"systems", systems},
      {"questions", summary.questions},
      {"skipped_rows", summary.skipped_rows},
      {"mixture", summary.mixture.empty() ? nlohmann::json(nullptr) : nlohmann::json(summary.mixture)},
      {"mean_miner_accuracy", summary.mean_miner_accuracy},
      {"best_miner", summary.best_miner},
      {"paired_tests", paired},
      {"notes", summary_notes(summary)},
      {"config", config},
  };
}

}  // namespace mom
