// RAII owners for the llama.cpp and gguf C handles used by local miners.
#pragma once

#include <memory>

#include <gguf.h>
#include <llama.h>

namespace mom::local {

struct ModelDeleter {
  void operator()(llama_model* model) const { llama_model_free(model); }
};
struct ContextDeleter {
  void operator()(llama_context* context) const { llama_free(context); }
};
struct SamplerDeleter {
  void operator()(llama_sampler* sampler) const { llama_sampler_free(sampler); }
};
struct GgufDeleter {
  void operator()(gguf_context* context) const { gguf_free(context); }
};

using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;

// A llama_batch allocated with llama_batch_init for up to `capacity` tokens,
// one sequence id each. Not copyable.
class Batch {
 public:
  explicit Batch(int capacity) : batch_(llama_batch_init(capacity, 0, 1)), capacity_(capacity) {}
  ~Batch() { llama_batch_free(batch_); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void clear() { batch_.n_tokens = 0; }

  // Appends one token and returns its index in the batch.
  // REQUIRES: size() < capacity().
  int add(llama_token token, llama_pos pos, llama_seq_id seq, bool output) {
    const int i = batch_.n_tokens;
    batch_.token[i] = token;
    batch_.pos[i] = pos;
    batch_.n_seq_id[i] = 1;
    batch_.seq_id[i][0] = seq;
    batch_.logits[i] = output ? 1 : 0;
    batch_.n_tokens = i + 1;
    return i;
  }

  int size() const { return batch_.n_tokens; }
  int capacity() const { return capacity_; }
  const llama_batch& get() const { return batch_; }

 private:
  llama_batch batch_;
  int capacity_;
};

}  // namespace mom::local
