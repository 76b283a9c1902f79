// Helpers shared by the local miner tests: model paths, configs and GGUF variants.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include <ggml.h>
#include <gguf.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "core/chat.h"

namespace mom::local::testing {

inline std::filesystem::path shared_dir() {
  const char* env = std::getenv("MOM_SHARED_DIR");
  return env != nullptr && *env != '\0' ? std::filesystem::path(env) : std::filesystem::path(MOM_SHARED_DIR);
}

inline std::filesystem::path models_dir() { return shared_dir() / "models"; }
inline std::filesystem::path stories_model() { return models_dir() / "stories260K.gguf"; }

// A folder in the system temp folder, named after the process, for the files
// this test binary writes. It is removed when the process exits normally.
inline std::filesystem::path scratch_dir() {
  struct Folder {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("mom-local-tests-" + std::to_string(getpid()));
    Folder() { std::filesystem::create_directories(path); }
    ~Folder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

// One thread keeps the tests fast on a busy machine: llama.cpp's threads spin
// while they wait for each other.
inline MinerConfig miner_config(const std::filesystem::path& model, int parallel = 4, const std::string& name = "m") {
  MinerConfig config;
  config.name = name;
  config.model_path = model;
  config.parallel = parallel;
  config.context_size = 256;
  config.threads = 1;
  return config;
}

inline Request raw_request(const std::string& prompt, int max_tokens, double temperature = 0.0) {
  Request request;
  request.id = "test";
  request.prompt = prompt;
  request.sampling.max_tokens = max_tokens;
  request.sampling.temperature = temperature;
  return request;
}

// Copies a GGUF file, setting the string key to value, tensor data included.
// Returns false when the copy failed.
inline bool copy_gguf_with_string(const std::filesystem::path& from, const std::filesystem::path& to,
                                  const std::string& key, const std::string& value) {
  ggml_context* tensors = nullptr;
  gguf_init_params params{/*no_alloc=*/false, /*ctx=*/&tensors};
  gguf_context* source = gguf_init_from_file(from.string().c_str(), params);
  if (source == nullptr) {
    return false;
  }
  // A fresh context takes the metadata and the tensors that were read into
  // `tensors`, as gguf.h documents for writing a file.
  gguf_context* copy = gguf_init_empty();
  gguf_set_kv(copy, source);
  gguf_set_val_str(copy, key.c_str(), value.c_str());
  for (int64_t i = 0; i < gguf_get_n_tensors(source); ++i) {
    gguf_add_tensor(copy, ggml_get_tensor(tensors, gguf_get_tensor_name(source, i)));
  }
  const bool written = gguf_write_to_file(copy, to.string().c_str(), false);
  gguf_free(copy);
  gguf_free(source);
  ggml_free(tensors);
  return written;
}

}  // namespace mom::local::testing
