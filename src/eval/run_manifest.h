// OUT/run.json: what a results folder was produced with, so a resumed run
// cannot silently mix answers from different configs or prompts.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace mom {

// The settings that change the answers: the config file's hash, the mixture,
// the split and shot count, and each miner's prompt format and scoring.
// --limit and --subjects are left out so that a run can be extended.
struct RunManifest {
  std::string config_hash;  // text_hash() of the config file's bytes
  std::string mixture;
  std::string split;
  int shots = 0;
  std::map<std::string, std::string> prompt_formats;  // miner -> "chat" / "completion"
  std::map<std::string, std::string> scoring;         // miner -> "generate" / "logprob"
  std::vector<std::string> strategies;
  int folds = 0;

  nlohmann::json to_json() const;
};

// Compares manifest with OUT/run.json and writes it. The first run of a
// folder just writes it. A difference fails with kInvalidRequest listing the
// changed settings, unless force is set, in which case run.json is replaced
// and the earlier lines stay in results.jsonl (lines whose prompt hash no
// longer matches are asked again).
Status check_run_manifest(const std::filesystem::path& out_dir, const RunManifest& manifest, bool force);

}  // namespace mom
