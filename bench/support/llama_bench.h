// Runs llama.cpp's own llama-bench, the raw throughput limit mom is compared with.
#pragma once

#include <string>
#include <vector>

#include "support/stats.h"

namespace mom::bench {

struct LlamaBenchResult {
  std::string command;           // the command that was run
  std::string model_type;        // llama-bench's model description, e.g. "qwen2 1B Q8_0"
  Summary prompt_tokens_per_s;   // pp<prompt_tokens>; count 0 when not run
  Summary generated_tokens_per_s;  // tg<generated_tokens>; count 0 when not run
};

// Runs `llama-bench -m model -t threads -p prompt_tokens -n generated_tokens
// -r repetitions -o json` from the llama.cpp prefix and summarises its
// per-repetition samples. Throws std::runtime_error, with llama-bench's
// stderr log path, when it fails or prints no usable JSON.
LlamaBenchResult run_llama_bench(const std::string& model, int threads, int prompt_tokens,
                                 int generated_tokens, int repetitions);

}  // namespace mom::bench
