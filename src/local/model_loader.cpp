#include "local/model_loader.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include <ggml-backend.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "local/local_log.h"

namespace mom::local {
namespace {

// Error lines llama.cpp logged on this thread while load_model_file runs.
// The loader calls llama.cpp on the caller's thread, so a thread-local buffer
// collects exactly this load's messages.
thread_local std::string* captured_errors = nullptr;

void log_from_llama(ggml_log_level level, const char* text, void* /*user_data*/) {
  std::string_view line(text);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (level == GGML_LOG_LEVEL_ERROR && captured_errors != nullptr && !line.empty()) {
    if (!captured_errors->empty()) {
      captured_errors->append("; ");
    }
    captured_errors->append(line);
  }
  if (!line.empty()) {
    logger()->debug("llama.cpp: {}", line);
  }
}

Error load_failed(const std::filesystem::path& path, const std::string& what) {
  return {ErrorCode::kLoadFailed, fmt::format("failed to load model file {}: {}", path.string(), what)};
}

// Finds the byte just past the last tensor's data, as the GGUF header states it.
size_t tensor_data_end(const gguf_context* gguf) {
  size_t end = gguf_get_data_offset(gguf);
  const int64_t n_tensors = gguf_get_n_tensors(gguf);
  for (int64_t i = 0; i < n_tensors; ++i) {
    const size_t tensor_end =
        gguf_get_data_offset(gguf) + gguf_get_tensor_offset(gguf, i) + gguf_get_tensor_size(gguf, i);
    end = std::max(end, tensor_end);
  }
  return end;
}

}  // namespace

void init_llama_backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(log_from_llama, nullptr);
    llama_backend_init();
  });
}

Status check_model_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error::not_found(fmt::format("model file not found: {}; check the model path", path.string()));
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return load_failed(path, "not a regular file");
  }
  const auto file_size = std::filesystem::file_size(path, ec);
  if (ec) {
    return load_failed(path, "failed to read its size: " + ec.message());
  }

  std::array<char, 4> magic{};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(magic.data(), magic.size())) {
    return load_failed(path, fmt::format("not a GGUF file (only {} bytes long)", file_size));
  }
  if (std::memcmp(magic.data(), "GGUF", 4) != 0) {
    return load_failed(path, "not a GGUF file (it does not start with the bytes \"GGUF\")");
  }

  std::string header_errors;
  captured_errors = &header_errors;
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  GgufPtr gguf(gguf_init_from_file(path.string().c_str(), params));
  captured_errors = nullptr;
  if (!gguf) {
    return load_failed(path, "the GGUF header is truncated or corrupt" +
                                 (header_errors.empty() ? std::string() : " (" + header_errors + ")"));
  }
  if (gguf_find_key(gguf.get(), "general.architecture") < 0) {
    return load_failed(path, "the GGUF header has no general.architecture key");
  }
  const size_t needed = tensor_data_end(gguf.get());
  if (needed > file_size) {
    return load_failed(path, fmt::format("the file is truncated: its tensors need {} bytes but it has {}",
                                         needed, file_size));
  }
  return {};
}

bool cpu_backend_has_amx_buffer_type() {
  ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  if (cpu == nullptr) {
    return false;
  }
  auto get_extra_bufts = reinterpret_cast<ggml_backend_dev_get_extra_bufts_t>(
      ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(cpu), "ggml_backend_dev_get_extra_bufts"));
  if (get_extra_bufts == nullptr) {
    return false;
  }
  for (ggml_backend_buffer_type_t* buft = get_extra_bufts(cpu); buft != nullptr && *buft != nullptr; ++buft) {
    if (std::strstr(ggml_backend_buft_name(*buft), "AMX") != nullptr) {
      return true;
    }
  }
  return false;
}

Result<ModelPtr> load_model_file(const std::filesystem::path& path) {
  init_llama_backend();
  if (auto checked = check_model_file(path); !checked) {
    return checked.error();
  }

  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = 0;
  if (cpu_backend_has_amx_buffer_type()) {
    logger()->warn("AMX buffer type found in the CPU backend; loading without weight repacking "
                               "to avoid its crash on Q4_0/Q8_0 models file={}",
                               path.string());
    params.use_extra_bufts = false;
  }

  std::string load_errors;
  captured_errors = &load_errors;
  ModelPtr model(llama_model_load_from_file(path.string().c_str(), params));
  captured_errors = nullptr;
  if (!model) {
    return load_failed(path, load_errors.empty() ? "llama.cpp rejected it (run with --verbose for its log)"
                                                 : "llama.cpp reported: " + load_errors);
  }
  return model;
}

}  // namespace mom::local
