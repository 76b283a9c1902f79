#include "http/openai_wire.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace mom::http {

using nlohmann::json;

namespace {

template <class T>
std::optional<T> pick(const std::optional<T>& request_value, const std::optional<T>& default_value) {
  return request_value ? request_value : default_value;
}

json build_messages(const Request& request, const MinerConfig& config) {
  json messages = json::array();

  bool has_system = false;
  if (!request.prompt) {
    for (const Message& message : request.messages) {
      has_system = has_system || message.role == "system";
    }
  }
  if (!has_system && !config.system_prompt.empty()) {
    messages.push_back({{"role", "system"}, {"content", config.system_prompt}});
  }

  if (request.prompt) {
    messages.push_back({{"role", "user"}, {"content", *request.prompt}});
    return messages;
  }
  for (const Message& message : request.messages) {
    messages.push_back({{"role", message.role}, {"content", message.content}});
  }
  return messages;
}

std::string model_name(const MinerConfig& config) {
  return config.upstream_model.empty() ? config.name : config.upstream_model;
}

Result<json> parse_json(std::string_view body, std::string_view what) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Error{ErrorCode::kUpstream, "upstream returned invalid JSON in " + std::string(what) + ": " + shorten(body)};
  }
  return parsed;
}

// Reads a token count. A missing, null, non-integer or out-of-range value
// reads as 0, because usage is informational and a malformed count from an
// upstream must not fail an otherwise good completion.
int token_count(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number_integer()) {
    return 0;
  }
  if (found->is_number_unsigned()) {
    uint64_t value = found->get<uint64_t>();
    return value <= static_cast<uint64_t>(std::numeric_limits<int>::max()) ? static_cast<int>(value) : 0;
  }
  int64_t value = found->get<int64_t>();
  return value >= 0 && value <= std::numeric_limits<int>::max() ? static_cast<int>(value) : 0;
}

std::string_view trim_leading_space(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  return text;
}

struct TokenLogprob {
  std::string token;
  double logprob = 0;
};

// Reads the top log-probabilities of the first generated token from
// choices[0].logprobs, in the chat shape (content[0].top_logprobs, an array
// of objects) or the legacy completions shape (top_logprobs[0], an object
// that maps token to log-probability). Entries without a string token and a
// numeric log-probability are skipped. Returns nullopt when neither shape has
// an entry, because endpoints without logprob support omit or null any level
// of these paths.
std::optional<std::vector<TokenLogprob>> find_top_logprobs(const json& root) {
  if (!root.is_object()) {
    return std::nullopt;
  }
  auto choices = root.find("choices");
  if (choices == root.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return std::nullopt;
  }
  const json& choice = (*choices)[0];
  auto logprobs = choice.find("logprobs");
  if (logprobs == choice.end() || !logprobs->is_object()) {
    return std::nullopt;
  }

  std::vector<TokenLogprob> found;
  auto content = logprobs->find("content");
  if (content != logprobs->end() && content->is_array() && !content->empty() && (*content)[0].is_object()) {
    auto top = (*content)[0].find("top_logprobs");
    if (top != (*content)[0].end() && top->is_array()) {
      for (const json& entry : *top) {
        if (!entry.is_object()) {
          continue;
        }
        auto token = entry.find("token");
        auto logprob = entry.find("logprob");
        if (token != entry.end() && token->is_string() && logprob != entry.end() && logprob->is_number()) {
          found.push_back({token->get<std::string>(), logprob->get<double>()});
        }
      }
    }
  }

  auto legacy = logprobs->find("top_logprobs");
  if (found.empty() && legacy != logprobs->end() && legacy->is_array() && !legacy->empty() &&
      (*legacy)[0].is_object()) {
    for (const auto& [token, logprob] : (*legacy)[0].items()) {
      if (logprob.is_number()) {
        found.push_back({token, logprob.get<double>()});
      }
    }
  }

  if (found.empty()) {
    return std::nullopt;
  }
  return found;
}

// Sets the sampling fields shared by /chat/completions and /completions.
void add_sampling(json& body, const Request& request, const MinerConfig& config) {
  const Sampling& asked = request.sampling;
  const Sampling& defaults = config.defaults;

  if (auto value = pick(asked.temperature, defaults.temperature)) {
    body["temperature"] = *value;
  }
  if (auto value = pick(asked.top_p, defaults.top_p)) {
    body["top_p"] = *value;
  }
  if (auto value = pick(asked.top_k, defaults.top_k)) {
    body["top_k"] = *value;
  }
  if (auto value = pick(asked.max_tokens, defaults.max_tokens)) {
    body["max_tokens"] = *value;
  }
  if (auto value = pick(asked.seed, defaults.seed)) {
    body["seed"] = *value;
  }
  const std::vector<std::string>& stop = asked.stop.empty() ? defaults.stop : asked.stop;
  if (!stop.empty()) {
    body["stop"] = stop;
  }
  if (asked.ignore_eos || defaults.ignore_eos) {
    body["ignore_eos"] = true;
  }
}

void add_stream(json& body, bool stream) {
  body["stream"] = stream;
  if (stream) {
    body["stream_options"] = {{"include_usage", true}};
  }
}

}  // namespace

json build_chat_request(const Request& request, const MinerConfig& config, bool stream) {
  json body;
  body["model"] = model_name(config);
  body["messages"] = build_messages(request, config);
  add_sampling(body, request, config);
  add_stream(body, stream);
  return body;
}

json build_completion_request(const Request& request, const MinerConfig& config, bool stream) {
  json body;
  body["model"] = model_name(config);
  body["prompt"] = request.prompt.value_or("");
  add_sampling(body, request, config);
  add_stream(body, stream);
  return body;
}

json build_scoring_request(const Request& request, const MinerConfig& config) {
  json body;
  if (request.prompt) {
    body = build_completion_request(request, config, /*stream=*/false);
    // The legacy field is a count. llama-server reads it as its n_probs.
    body["logprobs"] = 20;
  } else {
    body = build_chat_request(request, config, /*stream=*/false);
    body["logprobs"] = true;
    body["top_logprobs"] = 20;
  }
  body["max_tokens"] = 1;
  body["temperature"] = 0;
  body.erase("stop");
  body.erase("ignore_eos");
  return body;
}

Usage parse_usage(const json& usage) {
  Usage result;
  if (!usage.is_object()) {
    return result;
  }
  result.prompt_tokens = token_count(usage, "prompt_tokens");
  result.completion_tokens = token_count(usage, "completion_tokens");
  auto details = usage.find("prompt_tokens_details");
  if (details != usage.end() && details->is_object()) {
    result.cached_prompt_tokens = token_count(*details, "cached_tokens");
  }
  return result;
}

FinishReason parse_finish_reason(std::string_view reason) {
  return reason == "length" ? FinishReason::kLength : FinishReason::kStop;
}

Result<Completion> parse_chat_response(std::string_view body) {
  Result<json> parsed = parse_json(body, "chat completion");
  if (!parsed) {
    return parsed.error();
  }
  const json& root = *parsed;
  if (!root.is_object()) {
    return Error{ErrorCode::kUpstream, "upstream chat completion is not a JSON object: " + shorten(body)};
  }

  auto choices = root.find("choices");
  if (choices == root.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return Error{ErrorCode::kUpstream, "upstream chat completion has no choices: " + shorten(body)};
  }
  const json& choice = (*choices)[0];

  Completion completion;
  auto message = choice.find("message");
  if (message != choice.end() && message->is_object()) {
    auto content = message->find("content");
    if (content != message->end() && content->is_string()) {
      completion.text = content->get<std::string>();
    } else if (content != message->end() && !content->is_null()) {
      return Error{ErrorCode::kUpstream, "upstream message content is not a string: " + shorten(body)};
    }
  } else if (auto text = choice.find("text"); text != choice.end()) {
    // /completions bodies, and servers that answer chat completions in that shape.
    if (text->is_string()) {
      completion.text = text->get<std::string>();
    } else if (!text->is_null()) {
      return Error{ErrorCode::kUpstream, "upstream choice text is not a string: " + shorten(body)};
    }
  }

  if (auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string()) {
    completion.finish_reason = parse_finish_reason(reason->get<std::string>());
  }
  if (auto usage = root.find("usage"); usage != root.end()) {
    completion.usage = parse_usage(*usage);
  }
  if (auto model = root.find("model"); model != root.end() && model->is_string()) {
    completion.model = model->get<std::string>();
  }
  return completion;
}

Result<ChoiceScores> parse_choice_scores(std::string_view body, const std::vector<std::string>& choices) {
  Result<json> parsed = parse_json(body, "log-probability response");
  if (!parsed) {
    return parsed.error();
  }
  const json& root = *parsed;

  std::optional<std::vector<TokenLogprob>> top = find_top_logprobs(root);
  if (!top) {
    return Error::invalid("upstream returned no log-probabilities; the endpoint may not support logprobs");
  }

  ChoiceScores scores;
  scores.logprobs.assign(choices.size(), -std::numeric_limits<double>::infinity());
  for (const TokenLogprob& entry : *top) {
    for (size_t i = 0; i < choices.size(); ++i) {
      if (trim_leading_space(entry.token) != choices[i]) {
        continue;
      }
      // log(exp(a) + exp(b)), computed without overflow.
      double current = scores.logprobs[i];
      double high = std::max(current, entry.logprob);
      double low = std::min(current, entry.logprob);
      scores.logprobs[i] = std::isinf(low) ? high : high + std::log1p(std::exp(low - high));
    }
  }
  if (auto usage = root.find("usage"); usage != root.end()) {
    scores.usage = parse_usage(*usage);
  }
  return scores;
}

UpstreamErrorBody parse_error_body(std::string_view body) {
  UpstreamErrorBody result;
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    auto error = parsed.find("error");
    if (error != parsed.end() && error->is_object()) {
      if (error->contains("message") && (*error)["message"].is_string()) {
        result.message = shorten((*error)["message"].get<std::string>());
      }
      if (error->contains("type") && (*error)["type"].is_string()) {
        result.type = (*error)["type"].get<std::string>();
      }
    } else if (error != parsed.end() && error->is_string()) {
      result.message = shorten(error->get<std::string>());
    } else if (parsed.contains("message") && parsed["message"].is_string()) {
      result.message = shorten(parsed["message"].get<std::string>());
    }
  }
  if (result.message.empty()) {
    result.message = body.empty() ? "(empty body)" : shorten(body);
  }
  return result;
}

}  // namespace mom::http
