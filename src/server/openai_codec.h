// Conversion between OpenAI chat-completions JSON and mom's typed requests,
// completions and errors. JSON exists only here; the server works on the
// typed values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/chat.h"
#include "core/error.h"
#include "core/result.h"

namespace mom {

// A parsed POST /v1/chat/completions body.
struct ChatRequest {
  std::string model;          // a miner or mixture name
  Request request;            // messages and sampling; id and deadline are left for the caller
  bool stream = false;
  bool include_usage = false; // stream_options.include_usage
  bool trace = false;         // extension: "mom": {"trace": true}
};

// An Error plus the OpenAI error-object fields that locate it.
struct ApiError {
  Error error;
  std::string param;  // the offending request field ("messages[0].content"); empty: none
  std::string code;   // OpenAI "code" ("model_not_found"); empty: error_code_name(error.code)
};

// Parses and validates a request body. Fails with kInvalidRequest naming the
// field for invalid JSON, a missing or wrong-typed field, empty messages, an
// unknown field, or an unsupported parameter (n > 1, tools, logit_bias,
// response_format other than text, non-zero penalties, logprobs). Explicit
// nulls count as absent, as in OpenAI's API.
Result<ChatRequest> parse_chat_request(std::string_view body, ApiError* detail = nullptr);

// Identity shared by every chunk of one response.
struct ResponseMeta {
  std::string id;       // "chatcmpl-..."
  std::string model;    // the requested miner or mixture name
  int64_t created = 0;  // Unix seconds
};

// A "chat.completion" object. trace, when not null, is added as "mom_trace".
std::string encode_completion(const ResponseMeta& meta, const Completion& completion,
                              const nlohmann::json* trace = nullptr);

// One "data: {chat.completion.chunk}\n\n" server-sent event each.
std::string encode_role_chunk(const ResponseMeta& meta);
std::string encode_content_chunk(const ResponseMeta& meta, std::string_view content);
std::string encode_finish_chunk(const ResponseMeta& meta, FinishReason reason,
                                const nlohmann::json* trace = nullptr);
// The include_usage chunk: empty choices and the usage. trace goes here when
// usage is requested, so that it rides on the last chunk.
std::string encode_usage_chunk(const ResponseMeta& meta, const Usage& usage,
                               const nlohmann::json* trace = nullptr);
// An error that happens after the stream started, as "data: {"error": ...}".
// trace, when not null, is added as "mom_trace".
std::string encode_error_event(const ApiError& error, const nlohmann::json* trace = nullptr);
inline constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

// {"error": {"message", "type", "param", "code"}}; type from openai_error_type().
// trace, when not null, is added as "mom_trace".
std::string encode_error(const ApiError& error, const nlohmann::json* trace = nullptr);

// The OpenAI model list: {"object": "list", "data": [{"id", "object": "model", ...}]}.
std::string encode_model_list(const std::vector<std::string>& names, int64_t created);

}  // namespace mom
