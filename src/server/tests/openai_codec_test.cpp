#include "server/openai_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mom {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

struct Rejection {
  std::string message;
  std::string param;
};

Rejection reject(const std::string& body) {
  ApiError detail;
  Result<ChatRequest> request = parse_chat_request(body, &detail);
  EXPECT_FALSE(request.ok()) << "expected a rejection of " << body;
  if (request.ok()) {
    return {};
  }
  EXPECT_EQ(request.error().code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(detail.error.message, request.error().message);
  return {request.error().message, detail.param};
}

TEST(OpenAICodec, ParsesFullRequest) {
  Result<ChatRequest> chat = parse_chat_request(R"({
    "model": "tiny",
    "messages": [{"role": "developer", "content": "Be brief."},
                 {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]},
                 {"role": "assistant", "content": "Hello"},
                 {"role": "user", "content": "Again", "name": "ann"}],
    "temperature": 0.5, "top_p": 0.9, "top_k": 10, "seed": 7, "max_tokens": 20,
    "stop": ["\n", "END"], "stream": true, "stream_options": {"include_usage": true},
    "n": 1, "presence_penalty": 0, "response_format": {"type": "text"}, "user": "u1",
    "mom": {"trace": true}
  })");
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  EXPECT_EQ(chat->model, "tiny");
  ASSERT_EQ(chat->request.messages.size(), 4u);
  EXPECT_EQ(chat->request.messages[0], (Message{"system", "Be brief."}));
  EXPECT_EQ(chat->request.messages[1], (Message{"user", "Hi there"}));
  EXPECT_EQ(chat->request.sampling.temperature, 0.5);
  EXPECT_EQ(chat->request.sampling.top_p, 0.9);
  EXPECT_EQ(chat->request.sampling.top_k, 10);
  EXPECT_EQ(chat->request.sampling.seed, 7u);
  EXPECT_EQ(chat->request.sampling.max_tokens, 20);
  EXPECT_THAT(chat->request.sampling.stop, ::testing::ElementsAre("\n", "END"));
  EXPECT_TRUE(chat->stream);
  EXPECT_TRUE(chat->include_usage);
  EXPECT_TRUE(chat->trace);
}

TEST(OpenAICodec, NullsCountAsAbsent) {
  Result<ChatRequest> chat = parse_chat_request(
      R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": null,
          "stop": null, "stream": null, "tools": null, "max_completion_tokens": 5})");
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  EXPECT_FALSE(chat->request.sampling.temperature.has_value());
  EXPECT_FALSE(chat->stream);
  EXPECT_EQ(chat->request.sampling.max_tokens, 5);
}

TEST(OpenAICodec, StopMayBeOneString) {
  Result<ChatRequest> chat =
      parse_chat_request(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": "END"})");
  ASSERT_TRUE(chat.ok());
  EXPECT_THAT(chat->request.sampling.stop, ::testing::ElementsAre("END"));
}

TEST(OpenAICodec, RejectsMalformedBodies) {
  EXPECT_THAT(reject("{not json").message, HasSubstr("not valid JSON"));
  EXPECT_THAT(reject("").message, HasSubstr("not valid JSON"));
  EXPECT_THAT(reject("[1, 2]").message, HasSubstr("must be a JSON object"));
}

TEST(OpenAICodec, RejectsMissingAndWrongTypedFields) {
  struct Case {
    const char* body;
    const char* param;
  };
  const Case cases[] = {
      {R"({"messages": [{"role": "user", "content": "x"}]})", "model"},
      {R"({"model": 3, "messages": [{"role": "user", "content": "x"}]})", "model"},
      {R"({"model": "m"})", "messages"},
      {R"({"model": "m", "messages": "hi"})", "messages"},
      {R"({"model": "m", "messages": []})", "messages"},
      {R"({"model": "m", "messages": [3]})", "messages[0]"},
      {R"({"model": "m", "messages": [{"content": "x"}]})", "messages[0].role"},
      {R"({"model": "m", "messages": [{"role": "robot", "content": "x"}]})", "messages[0].role"},
      {R"({"model": "m", "messages": [{"role": "user"}]})", "messages[0].content"},
      {R"({"model": "m", "messages": [{"role": "user", "content": 5}]})", "messages[0].content"},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]})",
       "messages[0].content[0].type"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"})", "temperature"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3})", "temperature"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5})", "max_tokens"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0})", "max_tokens"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": [1]})", "stop[0]"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"})", "stream"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream_options": 1})", "stream_options"},
      {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "mom": {"trace": 1}})", "mom.trace"},
  };
  for (const Case& c : cases) {
    Rejection rejection = reject(c.body);
    EXPECT_EQ(rejection.param, c.param) << c.body;
    EXPECT_THAT(rejection.message, HasSubstr(c.param)) << c.body;
  }
}

TEST(OpenAICodec, RejectsUnsupportedParametersByName) {
  const char* messages = R"("model": "m", "messages": [{"role": "user", "content": "x"}])";
  struct Case {
    std::string extra;
    const char* param;
  };
  const Case cases[] = {
      {R"("n": 2)", "n"},
      {R"("tools": [{"type": "function"}])", "tools"},
      {R"("tool_choice": "auto")", "tool_choice"},
      {R"("logit_bias": {"50256": -100})", "logit_bias"},
      {R"("response_format": {"type": "json_object"})", "response_format"},
      {R"("logprobs": true)", "logprobs"},
      {R"("presence_penalty": 0.5)", "presence_penalty"},
      {R"("frequency_penalty": 1)", "frequency_penalty"},
      {R"("best_of": 3)", "best_of"},
  };
  for (const Case& c : cases) {
    Rejection rejection = reject(std::string("{") + messages + ", " + c.extra + "}");
    EXPECT_EQ(rejection.param, c.param) << c.extra;
    EXPECT_THAT(rejection.message, HasSubstr(std::string("'") + c.param + "'")) << c.extra;
    EXPECT_THAT(rejection.message, HasSubstr("not supported")) << c.extra;
  }
}

TEST(OpenAICodec, FirstFailureNamesItsField) {
  Rejection rejection =
      reject(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "top_p": 5, "n": 3})");
  EXPECT_EQ(rejection.param, "top_p");
}

TEST(OpenAICodec, EncodesCompletion) {
  Completion completion;
  completion.text = "Hello";
  completion.finish_reason = FinishReason::kLength;
  completion.usage = Usage{3, 5, 1};
  json trace = {{"mixture", "moa"}};
  json body = json::parse(encode_completion(ResponseMeta{"chatcmpl-1", "tiny", 100}, completion, &trace));

  EXPECT_EQ(body["id"], "chatcmpl-1");
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 100);
  EXPECT_EQ(body["model"], "tiny");
  EXPECT_EQ(body["choices"][0]["index"], 0);
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(body["usage"]["completion_tokens"], 5);
  EXPECT_EQ(body["usage"]["total_tokens"], 8);
  EXPECT_EQ(body["mom_trace"]["mixture"], "moa");
}

json parse_event(const std::string& event) {
  EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
  EXPECT_EQ(event.substr(event.size() - 2), "\n\n");
  return json::parse(event.substr(6));
}

TEST(OpenAICodec, EncodesStreamChunks) {
  ResponseMeta meta{"chatcmpl-2", "tiny", 5};
  json role = parse_event(encode_role_chunk(meta));
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(role["choices"][0]["finish_reason"].is_null());

  json content = parse_event(encode_content_chunk(meta, "He said \"hi\"\n"));
  EXPECT_EQ(content["choices"][0]["delta"]["content"], "He said \"hi\"\n");

  json finish = parse_event(encode_finish_chunk(meta, FinishReason::kStop));
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(finish["choices"][0]["delta"].empty());
  EXPECT_FALSE(finish.contains("mom_trace"));

  json usage = parse_event(encode_usage_chunk(meta, Usage{2, 4, 0}));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 6);
}

TEST(OpenAICodec, InvalidUtf8IsReplacedNotThrown) {
  ResponseMeta meta{"chatcmpl-3", "tiny", 5};
  json content = parse_event(encode_content_chunk(meta, std::string("a\xff", 2)));
  EXPECT_EQ(content["choices"][0]["delta"]["content"], "a\xEF\xBF\xBD");
}

TEST(OpenAICodec, EncodesErrorObject) {
  json body = json::parse(encode_error(ApiError{Error::not_found("no such model"), "model", "model_not_found"}));
  EXPECT_EQ(body["error"]["message"], "no such model");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(body["error"]["param"], "model");
  EXPECT_EQ(body["error"]["code"], "model_not_found");

  json plain = json::parse(encode_error(ApiError{Error::timeout("too slow"), "", ""}));
  EXPECT_TRUE(plain["error"]["param"].is_null());
  EXPECT_EQ(plain["error"]["code"], "timeout");
  EXPECT_EQ(plain["error"]["type"], "timeout_error");

  json event = parse_event(encode_error_event(ApiError{Error::unavailable("down"), "", ""}));
  EXPECT_EQ(event["error"]["message"], "down");
}

TEST(OpenAICodec, EncodesModelList) {
  json body = json::parse(encode_model_list({"a", "moa"}, 9));
  EXPECT_EQ(body["object"], "list");
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][1]["id"], "moa");
  EXPECT_EQ(body["data"][1]["object"], "model");
  EXPECT_EQ(body["data"][1]["owned_by"], "mom");
}

}  // namespace
}  // namespace mom
