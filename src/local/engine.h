// One loaded GGUF model and the continuous-batching loop that serves it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <llama.h>

#include "core/cancel.h"
#include "core/chat.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom::local {

struct EngineOptions {
  int parallel = 4;         // sequences decoded together (slots); 0: 4
  int context_size = 2048;  // tokens per sequence, capped by the model's training context; 0: 2048
  int threads = 0;          // CPU threads for llama_decode; 0: std::thread::hardware_concurrency()
  int batch_size = 512;     // tokens per llama_decode call (n_batch and n_ubatch)
};

// Sampling settings of one generation, with every default resolved.
struct GenerationParams {
  float temperature = 0.8f;  // 0 or less: greedy
  float top_p = 0.95f;       // 1: off
  int top_k = 40;            // 0 or less: off
  uint32_t seed = LLAMA_DEFAULT_SEED;  // LLAMA_DEFAULT_SEED: a random seed per request
  int max_tokens = 256;
  std::vector<std::string> stop;
  bool ignore_eos = false;
};

// Counters of the batching loop, for tests and benchmarks.
struct EngineStats {
  int64_t decode_calls = 0;       // llama_decode calls made
  int64_t decoded_tokens = 0;     // tokens sent to llama_decode in total
  int max_sequences_in_batch = 0; // maximum sequences in one llama_decode call
};

// Owns one llama_model, one llama_context with `parallel` sequences sharing a
// unified KV cache, and one worker thread. Requests wait in a queue until a
// sequence slot is free. Each loop step builds one llama_batch holding a
// prompt chunk for every sequence still reading its prompt and one token for
// every generating sequence, calls llama_decode once, then samples each
// sequence. A slot keeps its tokens in the KV cache after its request ends.
// A new request goes to the free slot that shares the longest prefix with its
// prompt, and a longer prefix in a busy slot is copied over, so only the rest
// of the prompt is decoded.
//
// Thread-safe: generate() and score() may be called from many threads at
// once; they block the caller until the request ends. The worker thread never
// waits for callers.
class Engine {
 public:
  // Checks and loads the GGUF file and starts the worker thread. Errors:
  // kNotFound (no such file), kLoadFailed (bad file, unknown architecture,
  // context creation failed); each message names the file.
  static Result<std::shared_ptr<Engine>> load(const std::filesystem::path& path, const EngineOptions& options);

  // Stops the worker thread; requests still waiting fail with kCancelled.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::filesystem::path& path() const;
  const llama_model* model() const;
  int context_size() const;  // tokens per sequence
  int parallel() const;      // sequence slots
  // The model's chat template when llama.cpp supports it, else empty.
  const std::string& chat_template() const;
  int free_slots() const;
  EngineStats stats() const;

  // Tokenizes text with the model's vocabulary. add_bos adds the BOS token
  // when the model uses one; parse_special turns special-token text such as
  // "<|im_start|>" into its token.
  std::vector<llama_token> tokenize(std::string_view text, bool add_bos, bool parse_special) const;

  // Generates a continuation of prompt. Blocks until EOS (unless
  // params.ignore_eos), a stop string, max_tokens or the end of the
  // sequence's context (all successes), or until cancel is cancelled
  // (kCancelled) or deadline passes (kTimeout). Errors: kContextExceeded when
  // the prompt is longer than context_size(), kInvalidRequest for an empty
  // prompt. sink, when set, gets each piece on the worker thread.
  Result<Completion> generate(std::vector<llama_token> prompt, const GenerationParams& params, const TokenSink& sink,
                              const CancelToken& cancel, std::optional<Clock::time_point> deadline);

  // Runs prompt through the model and returns, for each entry of choices, the
  // highest log-probability among its candidate tokens as the next token
  // (-infinity for an entry without tokens). Same blocking and errors as
  // generate().
  Result<ChoiceScores> score(std::vector<llama_token> prompt, std::vector<std::vector<llama_token>> choices,
                             const CancelToken& cancel, std::optional<Clock::time_point> deadline);

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mom::local
