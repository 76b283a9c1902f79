// OUT/results.jsonl: one JSON line per question and system, appended as questions finish.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace mom {

// One system's answer to one question. The JSON field names are read back by
// replay miners (replay = "out/results.jsonl"), so they are part of the format.
struct ResultRecord {
  std::string question_id;  // "subject/row"
  std::string subject;
  int row = 0;
  std::string category;
  std::string system;              // miner, mixture or strategy name
  std::string kind;                // "miner", "mixture" or "strategy"
  std::string prompt_hash;         // text_hash() of the prompt this system was given
  std::string text;                // raw answer; "Answer: X" for logprob scoring
  std::optional<std::string> letter;  // extracted letter; nullopt when unparsed or failed
  std::string answer;              // the right letter
  bool correct = false;
  bool unparsed = false;           // the call succeeded but held no letter
  std::optional<std::string> error;  // the call failed; counted as wrong
  double latency_ms = 0;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  // Mixture records only. The first failed aggregator call, as
  // "code: message" (for example "context_exceeded: ..."); nullopt when no
  // aggregator call failed or none was made.
  std::optional<std::string> aggregator_error;
  // Mixture records only: every aggregator failed, so the mixture returned
  // its best first-layer proposal instead of an aggregated answer.
  bool answered_with_best_proposal = false;
};

nlohmann::json record_to_json(const ResultRecord& record);
// Fails with kInvalidRequest naming the missing or mistyped field.
Result<ResultRecord> record_from_json(const nlohmann::json& json);

// An append-only results file. Thread-safe: append() may be called from
// many threads; each call writes its lines with one write() on an O_APPEND
// descriptor, so lines of concurrent calls never interleave.
class ResultsLog {
 public:
  ~ResultsLog();
  ResultsLog(const ResultsLog&) = delete;
  ResultsLog& operator=(const ResultsLog&) = delete;

  // Opens or creates path and reads the records already there. A last line
  // without its newline or that does not parse (a write cut by kill -9) is
  // dropped and truncated away, and dropped_torn_line() then returns true. A
  // malformed line before the last fails with kInvalidRequest naming the
  // line, because guessing would lose or double-count answers.
  static Result<std::unique_ptr<ResultsLog>> open(const std::filesystem::path& path);

  // Records read by open(), in file order.
  const std::vector<ResultRecord>& existing() const { return existing_; }
  bool dropped_torn_line() const { return dropped_torn_line_; }

  // Appends the records as lines. The file is flushed to disk (fsync) when
  // sync_interval has passed since the last flush, and on destruction. A
  // killed process loses nothing already written (the kernel keeps it), and a
  // power loss loses at most the last interval.
  Status append(const std::vector<ResultRecord>& records);

  void set_sync_interval(std::chrono::milliseconds interval) { sync_interval_ = interval; }

 private:
  ResultsLog(std::filesystem::path path, int fd);

  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<ResultRecord> existing_;
  bool dropped_torn_line_ = false;
  std::mutex mutex_;  // guards last_sync_
  std::chrono::steady_clock::time_point last_sync_;
  std::chrono::milliseconds sync_interval_{200};
};

}  // namespace mom
