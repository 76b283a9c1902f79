// Loading GGUF files through llama.cpp without letting a bad file crash the process.
#pragma once

#include <filesystem>

#include "core/result.h"
#include "local/llama_handles.h"

namespace mom::local {

// Checks that path names a complete GGUF file before llama.cpp reads it.
// Returns kNotFound when the file does not exist. Returns kLoadFailed when it
// is not a regular file, lacks the "GGUF" magic bytes, has an unreadable
// header or no general.architecture, or is shorter than its tensor data.
// Every message names the file.
Status check_model_file(const std::filesystem::path& path);

// Checks the file (see check_model_file), then loads its weights on the CPU.
// llama.cpp's own error message (for example an unknown architecture) is
// quoted in the kLoadFailed message. Thread-safe.
Result<ModelPtr> load_model_file(const std::filesystem::path& path);

// Returns true when the ggml CPU backend offers an extra buffer type whose
// name contains "AMX". Such builds (GGML_NATIVE=ON on Intel CPUs with AMX)
// crash with SIGSEGV while repacking Q4_0 and Q8_0 weights, so the loader
// then disables extra buffer types.
bool cpu_backend_has_amx_buffer_type();

// Initializes the llama.cpp backend once and sends its log to the spdlog
// logger "local" at debug level, so it is silent by default. Idempotent.
void init_llama_backend();

}  // namespace mom::local
