// JSON codec for the OpenAI chat-completions and legacy completions wire
// formats, used by remote miners.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.h"
#include "core/chat.h"
#include "core/result.h"

namespace mom::http {

// Builds the body of POST /chat/completions. Request sampling fields override
// config.defaults; config.system_prompt is prepended as a system message when
// the request has none. model is config.upstream_model, or config.name when
// that is empty. top_k and ignore_eos are not OpenAI fields, so they are sent
// only when set, for servers such as llama-server and vLLM that accept them.
// With stream, requests a final usage chunk (stream_options.include_usage).
// HttpMiner sends a raw Request::prompt to /completions instead (see
// build_completion_request); given one, this function sends it as one user
// message, which the endpoint wraps in the model's chat template.
nlohmann::json build_chat_request(const Request& request, const MinerConfig& config, bool stream);

// Builds the body of POST /completions (the legacy OpenAI endpoint) for a
// request with Request::prompt set. The prompt is sent as it is, so the
// upstream applies no chat template and config.system_prompt is not used.
// Sampling fields, model and stream are set as in build_chat_request.
nlohmann::json build_completion_request(const Request& request, const MinerConfig& config, bool stream);

// Builds a request for one greedy token with the top 20 log-probabilities of
// the first position, for score_choices(). A request with a raw prompt gets a
// /completions body ("logprobs": 20), any other a /chat/completions body
// ("logprobs": true, "top_logprobs": 20).
nlohmann::json build_scoring_request(const Request& request, const MinerConfig& config);

// Parses a non-streaming body from /chat/completions (choices[0].message.content)
// or /completions (choices[0].text). Errors are kUpstream: invalid JSON, no
// choices, or content or text that is not a string. A null or empty content
// is an ok Completion with empty text.
Result<Completion> parse_chat_response(std::string_view body);

// Computes each choice's log-probability as the first generated token. The
// top log-probabilities are read from choices[0].logprobs in either of two
// shapes: content[0].top_logprobs, an array of {"token", "logprob"} objects
// (chat completions, and llama-server's /completions), or
// top_logprobs[0], an object that maps each token to its log-probability
// (legacy OpenAI completions). A token matches a choice when
// it equals the choice after leading whitespace is removed ("A" and " A"), and
// the probabilities of all matching tokens are summed. A choice with no
// matching token gets -infinity. Returns kInvalidRequest when the body has no
// log-probabilities at all, so the caller can fall back to generation, and
// kUpstream when the body is not valid JSON.
Result<ChoiceScores> parse_choice_scores(std::string_view body, const std::vector<std::string>& choices);

// Reads "usage" (prompt_tokens, completion_tokens and
// prompt_tokens_details.cached_tokens); missing, null, non-integer or
// negative fields read as 0. Never throws.
Usage parse_usage(const nlohmann::json& usage);

// Maps an OpenAI finish_reason string: "length" is kLength, anything else kStop.
FinishReason parse_finish_reason(std::string_view reason);

// The message and type of an OpenAI error object ({"error": {"message",
// "type"}}), also accepting {"error": "text"} and {"message": "text"}. When the
// body contains none of these, message is the shortened body.
struct UpstreamErrorBody {
  std::string message;
  std::string type;
};
UpstreamErrorBody parse_error_body(std::string_view body);

}  // namespace mom::http
