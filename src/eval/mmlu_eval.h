// `mom eval mmlu`: each first-layer miner alone and the mixture, on the same MMLU questions.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "eval/mmlu_dataset.h"
#include "eval/summary.h"

namespace mom {

struct MmluEvalOptions {
  std::filesystem::path config_path;
  std::string mixture;                // empty: the config's only mixture
  std::filesystem::path data_dir;     // contains dev/, val/, test/
  MmluSelection selection;
  int parallel = 4;                   // questions in flight at once
  std::filesystem::path out_dir = "out/mmlu";
  bool force = false;                 // continue although run.json differs
  std::vector<std::string> strategies;  // label strategies scored as extra systems
  int folds = 5;                      // cross-fitting folds for strategies that use labels
  // Set (for example by a SIGINT handler) to stop taking new questions; the
  // questions in flight finish and are written. May be null.
  const std::atomic<bool>* stop = nullptr;
};

struct MmluEvalOutcome {
  Summary summary;
  int asked = 0;     // questions with at least one system asked in this run
  int resumed = 0;   // questions answered entirely from results.jsonl
  bool stopped = false;  // options.stop was set before every question was done
  std::filesystem::path report_path;
};

// Runs the evaluation and writes OUT/run.json, results.jsonl, summary.json,
// report.md and chart.svg. Each question goes once to every miner of the
// mixture's first layer, scored by generate or logprob per miner. Those
// completions are scored as each miner's own and become the mixture's first
// layer, so the mixture is scored on the same proposals. Pairs already
// in results.jsonl with the same prompt hash are reused, not asked again.
// Blocks until done. Errors: config, data and settings problems (before any
// question is asked) and write failures. A failed miner or mixture call is
// not an error: it is recorded and counted as wrong.
Result<MmluEvalOutcome> run_mmlu_eval(const MmluEvalOptions& options);

}  // namespace mom
