#include "server/openai_codec.h"

#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace mom {
namespace {

using nlohmann::json;

// Fields accepted but without effect: they change bookkeeping on OpenAI's side
// only.
const std::set<std::string, std::less<>> kIgnoredFields = {
    "user", "store", "metadata", "service_tier", "parallel_tool_calls",
};

const char* json_type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "value";
  }
}

// Collects the first validation failure with the field it concerns.
class Validator {
 public:
  explicit Validator(ApiError* detail) : detail_(detail) {}

  Error fail(const std::string& param, const std::string& message) {
    Error error = Error::invalid(message);
    // Checks run in a batch, so only the first failure describes the result.
    if (detail_ != nullptr && !recorded_) {
      *detail_ = ApiError{error, param, ""};
      recorded_ = true;
    }
    return error;
  }

  Error wrong_type(const std::string& param, const json& value, const char* expected) {
    return fail(param, "'" + param + "' must be " + expected + ", got " + json_type_name(value));
  }

  Error unsupported(const std::string& param, const std::string& why) {
    return fail(param, "parameter '" + param + "' is not supported by this server: " + why);
  }

 private:
  ApiError* detail_;
  bool recorded_ = false;
};

// Reads message content: a string, or an array of {"type": "text", "text"} parts.
Result<std::string> read_content(const json& content, const std::string& param, Validator& v) {
  if (content.is_string()) {
    return content.get<std::string>();
  }
  if (!content.is_array()) {
    return v.wrong_type(param, content, "a string or an array of text parts");
  }
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    std::string part_param = param + "[" + std::to_string(i) + "]";
    if (!part.is_object()) {
      return v.wrong_type(part_param, part, "an object");
    }
    auto type = part.find("type");
    if (type == part.end() || !type->is_string()) {
      return v.fail(part_param + ".type", "'" + part_param + ".type' is missing or not a string");
    }
    if (*type != "text") {
      return v.unsupported(part_param + ".type",
                           "only text content parts are accepted, got '" + type->get<std::string>() + "'");
    }
    auto part_text = part.find("text");
    if (part_text == part.end() || !part_text->is_string()) {
      return v.fail(part_param + ".text", "'" + part_param + ".text' is missing or not a string");
    }
    text += part_text->get<std::string>();
  }
  return text;
}

Result<std::vector<Message>> read_messages(const json& body, Validator& v) {
  auto it = body.find("messages");
  if (it == body.end() || it->is_null()) {
    return v.fail("messages", "'messages' is required: an array of {\"role\", \"content\"} objects");
  }
  if (!it->is_array()) {
    return v.wrong_type("messages", *it, "an array of messages");
  }
  if (it->empty()) {
    return v.fail("messages", "'messages' must contain at least one message");
  }

  std::vector<Message> messages;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    std::string param = "messages[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return v.wrong_type(param, item, "an object");
    }
    auto role = item.find("role");
    if (role == item.end() || !role->is_string()) {
      return v.fail(param + ".role", "'" + param + ".role' is missing or not a string");
    }
    std::string role_name = role->get<std::string>();
    if (role_name == "developer") {
      role_name = "system";  // OpenAI's newer name for the system role
    }
    if (role_name != "system" && role_name != "user" && role_name != "assistant") {
      return v.fail(param + ".role", "'" + param + ".role' must be \"system\", \"developer\", \"user\" or "
                                     "\"assistant\", got \"" + role_name + "\"");
    }
    for (const char* field : {"tool_calls", "function_call"}) {
      auto tool = item.find(field);
      if (tool != item.end() && !tool->is_null()) {
        return v.unsupported(param + "." + field, "tool calls are not supported");
      }
    }
    auto content = item.find("content");
    if (content == item.end() || content->is_null()) {
      return v.fail(param + ".content", "'" + param + ".content' is required");
    }
    Result<std::string> text = read_content(*content, param + ".content", v);
    if (!text.ok()) {
      return text.error();
    }
    messages.push_back(Message{role_name, std::move(text.value())});
  }
  return messages;
}

// Reads an optional number field in [min, max] into out.
template <class Number>
Status read_number(const json& body, const char* name, double min, double max, bool integer,
                   std::optional<Number>& out, Validator& v) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    return {};
  }
  if (integer ? !it->is_number_integer() : !it->is_number()) {
    return v.wrong_type(name, *it, integer ? "an integer" : "a number");
  }
  double value = it->get<double>();
  if (!(value >= min && value <= max)) {
    return v.fail(name, "'" + std::string(name) + "' must be between " + json(min).dump() + " and " +
                            json(max).dump() + ", got " + it->dump());
  }
  out = it->get<Number>();
  return {};
}

Status read_sampling(const json& body, Sampling& sampling, Validator& v) {
  constexpr double kMaxInt = std::numeric_limits<int>::max();
  std::optional<int64_t> seed;
  std::optional<int> max_tokens;
  std::optional<int> max_completion_tokens;
  for (Status status : {read_number(body, "temperature", 0, 2, false, sampling.temperature, v),
                        read_number(body, "top_p", 0, 1, false, sampling.top_p, v),
                        read_number(body, "top_k", 0, kMaxInt, true, sampling.top_k, v),
                        read_number(body, "seed", -9.2e18, 9.2e18, true, seed, v),
                        read_number(body, "max_tokens", 1, kMaxInt, true, max_tokens, v),
                        read_number(body, "max_completion_tokens", 1, kMaxInt, true, max_completion_tokens, v)}) {
    if (!status.ok()) {
      return status;
    }
  }
  if (seed.has_value()) {
    // llama.cpp seeds are 32-bit, so a larger seed keeps its low 32 bits.
    sampling.seed = static_cast<uint32_t>(static_cast<uint64_t>(*seed));
  }
  sampling.max_tokens = max_completion_tokens.has_value() ? max_completion_tokens : max_tokens;

  auto stop = body.find("stop");
  if (stop != body.end() && !stop->is_null()) {
    if (stop->is_string()) {
      sampling.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      for (size_t i = 0; i < stop->size(); ++i) {
        if (!(*stop)[i].is_string()) {
          return v.wrong_type("stop[" + std::to_string(i) + "]", (*stop)[i], "a string");
        }
        sampling.stop.push_back((*stop)[i].get<std::string>());
      }
    } else {
      return v.wrong_type("stop", *stop, "a string or an array of strings");
    }
  }
  return {};
}

// Rejects parameters whose effect this server cannot provide, so that a
// client never silently gets something other than it asked for.
Status check_unsupported(const json& body, Validator& v) {
  auto n = body.find("n");
  if (n != body.end() && !n->is_null()) {
    if (!n->is_number_integer()) {
      return v.wrong_type("n", *n, "an integer");
    }
    if (*n != 1) {
      return v.unsupported("n", "only n = 1 is supported, got " + n->dump());
    }
  }
  for (const char* name : {"tools", "tool_choice", "functions", "function_call", "logit_bias",
                           "top_logprobs", "audio", "modalities", "prediction", "web_search_options"}) {
    auto it = body.find(name);
    if (it != body.end() && !it->is_null() && !(it->is_object() && it->empty()) &&
        !(it->is_array() && it->empty())) {
      return v.unsupported(name, "remove it from the request");
    }
  }
  for (const char* name : {"presence_penalty", "frequency_penalty"}) {
    auto it = body.find(name);
    if (it != body.end() && !it->is_null() && !(it->is_number() && it->get<double>() == 0.0)) {
      return v.unsupported(name, "only 0 is supported, got " + it->dump());
    }
  }
  auto logprobs = body.find("logprobs");
  if (logprobs != body.end() && !logprobs->is_null() && *logprobs != false) {
    return v.unsupported("logprobs", "only false is supported, got " + logprobs->dump());
  }
  auto format = body.find("response_format");
  if (format != body.end() && !format->is_null()) {
    if (!format->is_object() || !format->contains("type") || (*format)["type"] != "text") {
      return v.unsupported("response_format", "only {\"type\": \"text\"} is supported, got " + format->dump());
    }
  }
  return {};
}

Status read_stream_options(const json& body, ChatRequest& chat, Validator& v) {
  auto stream = body.find("stream");
  if (stream != body.end() && !stream->is_null()) {
    if (!stream->is_boolean()) {
      return v.wrong_type("stream", *stream, "a boolean");
    }
    chat.stream = stream->get<bool>();
  }
  auto options = body.find("stream_options");
  if (options != body.end() && !options->is_null()) {
    if (!options->is_object()) {
      return v.wrong_type("stream_options", *options, "an object");
    }
    auto usage = options->find("include_usage");
    if (usage != options->end() && !usage->is_null()) {
      if (!usage->is_boolean()) {
        return v.wrong_type("stream_options.include_usage", *usage, "a boolean");
      }
      chat.include_usage = usage->get<bool>();
    }
  }

  auto extension = body.find("mom");
  if (extension != body.end() && !extension->is_null()) {
    if (!extension->is_object()) {
      return v.wrong_type("mom", *extension, "an object");
    }
    auto trace = extension->find("trace");
    if (trace != extension->end() && !trace->is_null()) {
      if (!trace->is_boolean()) {
        return v.wrong_type("mom.trace", *trace, "a boolean");
      }
      chat.trace = trace->get<bool>();
    }
  }
  return {};
}

Status check_unknown_fields(const json& body, Validator& v) {
  static const std::set<std::string, std::less<>> known = {
      "model", "messages", "temperature", "top_p", "top_k", "seed", "max_tokens", "max_completion_tokens",
      "stop", "stream", "stream_options", "n", "tools", "tool_choice", "functions", "function_call",
      "logit_bias", "logprobs", "top_logprobs", "presence_penalty", "frequency_penalty", "response_format",
      "audio", "modalities", "prediction", "web_search_options", "mom",
  };
  for (const auto& [key, value] : body.items()) {
    if (known.count(key) == 0 && kIgnoredFields.count(key) == 0) {
      return v.unsupported(key, "unknown parameter; remove it from the request");
    }
  }
  return {};
}

json chunk_base(const ResponseMeta& meta) {
  return json{{"id", meta.id}, {"object", "chat.completion.chunk"}, {"created", meta.created},
              {"model", meta.model}, {"system_fingerprint", nullptr}};
}

json usage_json(const Usage& usage) {
  return json{{"prompt_tokens", usage.prompt_tokens},
              {"completion_tokens", usage.completion_tokens},
              {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
              {"prompt_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}}};
}

std::string sse(const json& value) {
  return "data: " + value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

json error_json(const ApiError& error) {
  std::string code = error.code.empty() ? std::string(error_code_name(error.error.code)) : error.code;
  return json{{"error",
               {{"message", error.error.message},
                {"type", std::string(openai_error_type(error.error.code))},
                {"param", error.param.empty() ? json(nullptr) : json(error.param)},
                {"code", code}}}};
}

}  // namespace

Result<ChatRequest> parse_chat_request(std::string_view body_text, ApiError* detail) {
  Validator v(detail);
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return v.fail("", "the request body is not valid JSON; send a JSON object");
  }
  if (!body.is_object()) {
    return v.fail("", std::string("the request body must be a JSON object, got ") + json_type_name(body));
  }

  ChatRequest chat;
  auto model = body.find("model");
  if (model == body.end() || model->is_null()) {
    return v.fail("model", "'model' is required: the name of a miner or mixture (see GET /v1/models)");
  }
  if (!model->is_string()) {
    return v.wrong_type("model", *model, "a string");
  }
  chat.model = model->get<std::string>();

  Result<std::vector<Message>> messages = read_messages(body, v);
  if (!messages.ok()) {
    return messages.error();
  }
  chat.request.messages = std::move(messages.value());

  for (Status status : {read_sampling(body, chat.request.sampling, v), read_stream_options(body, chat, v),
                        check_unsupported(body, v), check_unknown_fields(body, v)}) {
    if (!status.ok()) {
      return status.error();
    }
  }
  return chat;
}

std::string encode_completion(const ResponseMeta& meta, const Completion& completion, const json* trace) {
  json message = {{"role", "assistant"}, {"content", completion.text}, {"refusal", nullptr}};
  json choice = {{"index", 0},
                 {"message", message},
                 {"logprobs", nullptr},
                 {"finish_reason", finish_reason_name(completion.finish_reason)}};
  json response = {{"id", meta.id},
                   {"object", "chat.completion"},
                   {"created", meta.created},
                   {"model", meta.model},
                   {"system_fingerprint", nullptr},
                   {"choices", json::array({choice})},
                   {"usage", usage_json(completion.usage)}};
  if (trace != nullptr) {
    response["mom_trace"] = *trace;
  }
  return response.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_role_chunk(const ResponseMeta& meta) {
  json chunk = chunk_base(meta);
  chunk["choices"] = json::array(
      {{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr},
        {"finish_reason", nullptr}}});
  return sse(chunk);
}

std::string encode_content_chunk(const ResponseMeta& meta, std::string_view content) {
  json chunk = chunk_base(meta);
  chunk["choices"] = json::array({{{"index", 0}, {"delta", {{"content", std::string(content)}}},
                                   {"logprobs", nullptr}, {"finish_reason", nullptr}}});
  return sse(chunk);
}

std::string encode_finish_chunk(const ResponseMeta& meta, FinishReason reason, const json* trace) {
  json chunk = chunk_base(meta);
  chunk["choices"] = json::array({{{"index", 0}, {"delta", json::object()}, {"logprobs", nullptr},
                                   {"finish_reason", finish_reason_name(reason)}}});
  if (trace != nullptr) {
    chunk["mom_trace"] = *trace;
  }
  return sse(chunk);
}

std::string encode_usage_chunk(const ResponseMeta& meta, const Usage& usage, const json* trace) {
  json chunk = chunk_base(meta);
  chunk["choices"] = json::array();
  chunk["usage"] = usage_json(usage);
  if (trace != nullptr) {
    chunk["mom_trace"] = *trace;
  }
  return sse(chunk);
}

std::string encode_error_event(const ApiError& error, const json* trace) {
  json body = error_json(error);
  if (trace != nullptr) {
    body["mom_trace"] = *trace;
  }
  return sse(body);
}

std::string encode_error(const ApiError& error, const json* trace) {
  json body = error_json(error);
  if (trace != nullptr) {
    body["mom_trace"] = *trace;
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_model_list(const std::vector<std::string>& names, int64_t created) {
  json data = json::array();
  for (const auto& name : names) {
    data.push_back({{"id", name}, {"object", "model"}, {"created", created}, {"owned_by", "mom"}});
  }
  return json{{"object", "list"}, {"data", data}}.dump();
}

}  // namespace mom
