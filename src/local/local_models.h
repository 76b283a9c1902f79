// Local miners: GGUF models run in-process through llama.cpp.
#pragma once

#include <memory>

#include "config/config.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom {

// Owns the loaded llama.cpp models. Miners that name the same GGUF file share
// one loaded model (one copy of the weights) and one batching engine.
// Thread-safe.
class LocalModels {
 public:
  LocalModels();
  ~LocalModels();

  // Creates a miner for config.model_path, loading the model on first use.
  // Errors (kLoadFailed, kNotFound) name the file and say what is wrong.
  Result<std::shared_ptr<Miner>> create_miner(const MinerConfig& config);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mom
