// The typed contents of a mom TOML config file.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/chat.h"
#include "core/result.h"

namespace mom {

// [miners.NAME]. Exactly one of model_path (local GGUF), url (remote
// OpenAI-compatible endpoint) or replay (recorded answers) is set.
struct MinerConfig {
  std::string name;
  // local
  std::filesystem::path model_path;   // resolved against the config file's folder
  int context_size = 0;               // tokens per sequence; 0: engine default
  int parallel = 0;                   // sequences decoded together; 0: engine default
  int threads = 0;                    // 0: picked from the machine
  int batch_size = 0;                 // tokens per decode call; 0: engine default
  // remote
  std::string url;                    // base URL, e.g. "http://127.0.0.1:8080/v1"
  std::string upstream_model;         // "model" sent upstream; empty: the miner's name
  std::string api_key_env;            // environment variable holding the API key
  int remote_context_size = 0;        // tokens, for the mixture's context budget; 0: unknown
  // replay
  std::filesystem::path replay_path;  // TSV of recorded answers or an eval's results.jsonl
  std::string replay_system;          // for results.jsonl: which system's answers to replay
  // all kinds
  Sampling defaults;                  // request fields override these
  std::string system_prompt;          // prepended as a system message when the request has none
  int timeout_ms = 0;                 // per call; 0: no limit beyond the request's deadline
  std::string prompt_format;          // "chat" or "completion" for evaluation; empty: from the model
  std::string scoring;                // "generate" or "logprob" for evaluation; empty: generate
};

// [mixtures.NAME]
struct MixtureConfig {
  std::string name;
  std::vector<std::vector<std::string>> layers;  // miner names per proposer layer
  std::string aggregator;                        // miner name; empty for vote strategies
  std::string fallback_aggregator;
  std::string strategy = "synthesize";           // "synthesize", "vote", "weighted-vote", ...
  std::string references = "system";             // "system" or "user"
  std::optional<std::string> aggregation_prompt; // unset: the built-in default
  int quorum = 1;                                // proposals needed before the deadline may cut a layer
  int deadline_ms = 0;                           // per layer; 0: wait for every miner
  std::filesystem::path weights_path;            // scoreboard.json for weighted strategies
  bool show_reliability = false;                 // synthesize: show each miner's accuracy to the aggregator
};

// [server]
struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key_env;               // when set, requests need "Authorization: Bearer <key>"
  size_t max_body_bytes = 4 * 1024 * 1024;
  int threads = 0;                        // HTTP worker threads; 0: picked from the machine
};

struct Config {
  std::filesystem::path path;             // the file it was read from
  std::map<std::string, MinerConfig> miners;
  std::map<std::string, MixtureConfig> mixtures;
  ServerConfig server;
};

// Reads and validates a TOML config. Errors name the file, line and key:
// unknown keys, wrong types, a miner with none or several of model/url/replay,
// a mixture naming an unknown miner.
Result<Config> load_config(const std::filesystem::path& path);

// Same, from text; relative paths resolve against base_dir.
Result<Config> parse_config(const std::string& text, const std::filesystem::path& base_dir,
                            const std::string& source_name = "config");

}  // namespace mom
