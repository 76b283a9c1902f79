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
  int threads = 0;          // CPU threads for llama_decode; 0: 1 under 50 M parameters, else hardware_concurrency()
  int batch_size = 512;     // tokens per llama_decode call (n_batch and n_ubatch); 0: 512
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

// Counters of the batching loop, for tests, benchmarks and the summary that
// the engine logs when it stops. Prompt tokens count admitted requests only.
struct EngineStats {
  int64_t requests = 0;                  // requests admitted to a slot
  int64_t prompt_tokens = 0;             // prompt tokens of admitted requests
  int64_t reused_prompt_tokens = 0;      // prompt tokens taken from the KV cache instead of decoded
  int64_t prefix_waits = 0;              // admissions that waited for another slot to decode a shared prefix
  int64_t decode_calls = 0;              // llama_decode calls that succeeded
  int64_t decoded_tokens = 0;            // tokens sent to llama_decode in total (prompt and generated)
  int64_t multi_sequence_calls = 0;      // llama_decode calls holding tokens of more than one sequence
  int max_sequences_in_batch = 0;        // maximum sequences in one llama_decode call
  int max_prompt_sequences_in_batch = 0; // maximum sequences with a prompt chunk in one llama_decode call
  double decode_seconds = 0;             // wall time spent inside llama_decode
  int64_t abandoned_decodes = 0;         // llama_decode calls stopped early because no request needed them
};

// Owns one llama_model, one llama_context with `parallel` sequences sharing a
// unified KV cache of parallel * context_size cells, and one worker thread.
// Requests wait in a first-in, first-out queue until a sequence slot is free.
// Each loop step builds one llama_batch holding one token for every
// generating sequence and then prompt chunks of the reading sequences, oldest
// admission first, up to batch_size tokens, calls llama_decode once, then
// samples or scores each sequence whose prompt is done.
//
// Prefix reuse: a slot keeps its tokens in the KV cache after its request
// ends. A new request goes to the free slot whose cached tokens it would
// overwrite least (an empty slot, or one whose tokens its prompt extends),
// and the longest prefix any slot shares with its prompt is copied over
// (llama_memory_seq_cp). When another slot is still decoding a longer shared
// prefix, the new request waits for it and then copies it, so a prefix such
// as a few-shot header is decoded once even for requests that arrive
// together. The cached prefixes live in the context's KV cells, so their
// memory is bounded by the context size; when llama_decode finds no room, the
// prefixes of idle slots are dropped, least recently used first.
//
// Cancellation and deadlines are checked before each step and also inside
// llama_decode, through llama.cpp's abort callback. A call stops early once
// every request in its batch is cancelled or past its deadline, so one long
// prompt chunk does not keep a request running past its deadline.
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

  // Stops the worker thread and logs the EngineStats at info level; requests
  // still waiting fail with kCancelled.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::filesystem::path& path() const;
  const llama_model* model() const;
  int context_size() const;          // tokens per sequence
  int parallel() const;              // sequence slots
  int batch_size() const;            // maximum tokens per llama_decode call
  int requested_batch_size() const;  // batch size asked for, before the limits of llama.cpp
  // The model's chat template when llama.cpp supports it, else empty.
  const std::string& chat_template() const;
  int free_slots() const;
  int queued_requests() const;  // requests waiting for a free slot
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
