// Typed chat requests and completions: what a miner is asked and what it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mom {

using Clock = std::chrono::steady_clock;

// One chat turn. role is "system", "user" or "assistant".
struct Message {
  std::string role;
  std::string content;

  bool operator==(const Message&) const = default;
};

// Sampling settings. An unset field takes the miner's configured default, then
// the engine's (temperature 0.8, top_p 0.95, top_k 40, max_tokens 256).
struct Sampling {
  std::optional<double> temperature;   // 0 means greedy
  std::optional<double> top_p;
  std::optional<int> top_k;
  std::optional<uint32_t> seed;
  std::optional<int> max_tokens;
  std::vector<std::string> stop;       // generation ends before the first match
  bool ignore_eos = false;             // benchmarks: always generate max_tokens
};

// A request to one miner. Either messages (rendered with the model's chat
// template) or prompt (raw text, no template) is used: prompt wins when set.
struct Request {
  std::string id;                           // for logs and traces
  std::vector<Message> messages;
  std::optional<std::string> prompt;
  Sampling sampling;
  std::optional<Clock::time_point> deadline;  // the call fails with kTimeout after it
  // Identifies a benchmark question ("subject/row") so that replay miners can
  // answer from recorded files. Empty for ordinary chat.
  std::string question_id;
};

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_prompt_tokens = 0;  // prompt tokens reused from a cached prefix

  Usage& operator+=(const Usage& other) {
    prompt_tokens += other.prompt_tokens;
    completion_tokens += other.completion_tokens;
    cached_prompt_tokens += other.cached_prompt_tokens;
    return *this;
  }
};

// Wall-clock timings of one call, in milliseconds.
struct Timings {
  double queue_ms = 0;        // waiting for a free slot or connection
  double first_token_ms = 0;  // from the call to the first generated token
  double prompt_ms = 0;       // prompt processing (local miners)
  double total_ms = 0;        // from the call to its return
};

enum class FinishReason { kStop, kLength };

struct Completion {
  std::string text;
  FinishReason finish_reason = FinishReason::kStop;
  Usage usage;
  Timings timings;
  std::string model;  // the model that answered (upstream name for remote miners)
};

// Log-probability of each choice as the next token after a prompt.
struct ChoiceScores {
  std::vector<double> logprobs;  // one per choice, in the order asked
  Usage usage;
  Timings timings;
};

const char* finish_reason_name(FinishReason reason);

}  // namespace mom
