// Error values shared by every component, and their mapping to HTTP.
#pragma once

#include <string>
#include <string_view>

namespace mom {

enum class ErrorCode {
  kInvalidRequest,    // the caller sent something malformed or unsupported
  kUnauthorized,      // missing or wrong API key
  kNotFound,          // unknown model, miner, mixture or file
  kPayloadTooLarge,   // request body over the configured limit
  kRateLimited,       // upstream answered 429
  kContextExceeded,   // the prompt does not fit the model's context
  kUnavailable,       // nothing could serve the request now (no proposal, loading, replay gap)
  kTimeout,           // a deadline passed
  kCancelled,         // the caller cancelled (client disconnect, straggler)
  kUpstream,          // a remote miner failed (5xx, malformed reply, truncated stream)
  kLoadFailed,        // a model file could not be loaded
  kInternal,          // a bug
};

// One failure: what kind, a message for humans, the upstream HTTP status when a
// remote server produced it (0 otherwise), and whether retrying may succeed.
// Messages never contain API keys.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int upstream_status = 0;
  bool retryable = false;

  static Error invalid(std::string message) { return {ErrorCode::kInvalidRequest, std::move(message)}; }
  static Error not_found(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
  static Error unavailable(std::string message) { return {ErrorCode::kUnavailable, std::move(message)}; }
  static Error timeout(std::string message) { return {ErrorCode::kTimeout, std::move(message), 0, true}; }
  static Error cancelled(std::string message) { return {ErrorCode::kCancelled, std::move(message)}; }
  static Error internal(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }
};

// Short lowercase name of the code, as used in logs and traces ("timeout").
std::string_view error_code_name(ErrorCode code);

// HTTP status the server returns for an error of this code.
int http_status(ErrorCode code);

// OpenAI error-object "type" for this code ("invalid_request_error", ...).
std::string_view openai_error_type(ErrorCode code);

// Shortens text to at most max_bytes (UTF-8 safe), appending "..." when cut.
// Used for upstream error bodies quoted in messages.
std::string shorten(std::string_view text, size_t max_bytes = 300);

}  // namespace mom
