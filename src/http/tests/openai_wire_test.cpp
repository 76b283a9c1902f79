#include "http/openai_wire.h"

#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "http/upstream_error.h"

namespace mom::http {
namespace {

using nlohmann::json;

MinerConfig remote_config() {
  MinerConfig config;
  config.name = "remote";
  config.url = "http://127.0.0.1:1/v1";
  return config;
}

TEST(BuildChatRequest, RequestFieldsOverrideDefaults) {
  MinerConfig config = remote_config();
  config.upstream_model = "upstream-model";
  config.defaults.temperature = 0.2;
  config.defaults.max_tokens = 64;
  config.defaults.top_p = 0.9;
  Request request;
  request.messages = {{"user", "hi"}};
  request.sampling.temperature = 0.7;
  request.sampling.seed = 42;
  request.sampling.stop = {"\n"};

  json body = build_chat_request(request, config, /*stream=*/false);
  EXPECT_EQ(body["model"], "upstream-model");
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.9);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(body["stop"], json::array({"\n"}));
  EXPECT_EQ(body["stream"], false);
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_FALSE(body.contains("top_k"));
  EXPECT_FALSE(body.contains("ignore_eos"));
}

TEST(BuildChatRequest, StreamingAsksForUsage) {
  json body = build_chat_request(Request{}, remote_config(), /*stream=*/true);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["model"], "remote");
}

TEST(BuildChatRequest, PrependsSystemPromptWhenNoneGiven) {
  MinerConfig config = remote_config();
  config.system_prompt = "Be brief.";
  Request request;
  request.messages = {{"user", "hi"}};
  json body = build_chat_request(request, config, false);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"], "Be brief.");

  request.messages = {{"system", "Mine."}, {"user", "hi"}};
  body = build_chat_request(request, config, false);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["content"], "Mine.");
}

TEST(BuildChatRequest, SendsRawPromptAsOneUserMessage) {
  Request request;
  request.messages = {{"user", "ignored"}};
  request.prompt = "Question: 2+2=";
  json body = build_chat_request(request, remote_config(), false);
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][0]["content"], "Question: 2+2=");
}

TEST(BuildScoringRequest, AsksOneTokenWithTopLogprobs) {
  Request request;
  request.messages = {{"user", "A or B?"}};
  request.sampling.max_tokens = 100;
  json body = build_scoring_request(request, remote_config());
  EXPECT_EQ(body["max_tokens"], 1);
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_EQ(body["logprobs"], true);
  EXPECT_EQ(body["top_logprobs"], 20);
  EXPECT_EQ(body["stream"], false);
}

TEST(ParseChatResponse, ReadsTextFinishReasonAndUsage) {
  auto completion = parse_chat_response(
      R"({"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"length"}],
          "usage":{"prompt_tokens":3,"completion_tokens":1}})");
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->text, "Hi");
  EXPECT_EQ(completion->finish_reason, FinishReason::kLength);
  EXPECT_EQ(completion->usage.prompt_tokens, 3);
  EXPECT_EQ(completion->usage.completion_tokens, 1);
  EXPECT_EQ(completion->model, "m");
}

TEST(ParseChatResponse, AcceptsNullContentAsEmptyText) {
  auto completion = parse_chat_response(R"({"choices":[{"message":{"role":"assistant","content":null}}]})");
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->text, "");
}

TEST(ParseChatResponse, RejectsInvalidJson) {
  auto completion = parse_chat_response("{\"choices\": [");
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
  EXPECT_NE(completion.error().message.find("invalid JSON"), std::string::npos);
}

TEST(ParseChatResponse, RejectsMissingChoices) {
  auto completion = parse_chat_response(R"({"object":"chat.completion"})");
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
}

TEST(ParseChoiceScores, SumsMatchingTokensAndMissesGetMinusInfinity) {
  auto scores = parse_choice_scores(
      R"({"choices":[{"logprobs":{"content":[{"token":"A","logprob":-1.0,
          "top_logprobs":[{"token":"A","logprob":-1.0},{"token":" A","logprob":-2.0},{"token":"B","logprob":-0.5}]}]}}]})",
      {"A", "B", "C"});
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  ASSERT_EQ(scores->logprobs.size(), 3u);
  EXPECT_NEAR(scores->logprobs[0], std::log(std::exp(-1.0) + std::exp(-2.0)), 1e-9);
  EXPECT_DOUBLE_EQ(scores->logprobs[1], -0.5);
  EXPECT_TRUE(std::isinf(scores->logprobs[2]));
  EXPECT_LT(scores->logprobs[2], 0);
}

TEST(ParseChoiceScores, RejectsResponseWithoutLogprobs) {
  auto scores = parse_choice_scores(R"({"choices":[{"message":{"content":"A"},"logprobs":null}]})", {"A"});
  ASSERT_FALSE(scores.ok());
  EXPECT_EQ(scores.error().code, ErrorCode::kInvalidRequest);
}

TEST(ParseErrorBody, ReadsOpenAiErrorObject) {
  auto error = parse_error_body(R"({"error":{"message":"model not found","type":"invalid_request_error"}})");
  EXPECT_EQ(error.message, "model not found");
  EXPECT_EQ(error.type, "invalid_request_error");
}

TEST(ParseErrorBody, FallsBackToShortenedBody) {
  std::string body(1000, 'x');
  auto error = parse_error_body(body);
  EXPECT_LT(error.message.size(), 400u);
  EXPECT_EQ(parse_error_body("").message, "(empty body)");
}

TEST(ErrorFromStatus, MapsStatusToCodeAndRetryable) {
  struct Case {
    long status;
    ErrorCode code;
    bool retryable;
  };
  const Case cases[] = {
      {429, ErrorCode::kRateLimited, true},  {500, ErrorCode::kUpstream, true},
      {503, ErrorCode::kUpstream, true},     {501, ErrorCode::kUpstream, false},
      {401, ErrorCode::kUnauthorized, false}, {404, ErrorCode::kNotFound, false},
      {400, ErrorCode::kInvalidRequest, false}, {413, ErrorCode::kPayloadTooLarge, false},
  };
  for (const Case& c : cases) {
    Error error = error_from_status(c.status, R"({"error":{"message":"boom"}})");
    EXPECT_EQ(error.code, c.code) << c.status;
    EXPECT_EQ(error.retryable, c.retryable) << c.status;
    EXPECT_EQ(error.upstream_status, c.status);
    EXPECT_NE(error.message.find("boom"), std::string::npos);
  }
}

TEST(ErrorFromStatus, RecognisesContextLimit) {
  Error error = error_from_status(
      400, R"({"error":{"message":"the request exceeds the available context size","type":"exceed_context_size_error"}})");
  EXPECT_EQ(error.code, ErrorCode::kContextExceeded);
}

TEST(RedactUrl, RemovesUserInformationAndQuery) {
  EXPECT_EQ(redact_url("https://user:secret@example.test:8080/v1/chat?key=abc"), "https://example.test:8080/v1/chat");
  EXPECT_EQ(redact_url("http://127.0.0.1:8080/v1"), "http://127.0.0.1:8080/v1");
}

TEST(BuildCompletionRequest, SendsPromptAndSampling) {
  MinerConfig config = remote_config();
  config.system_prompt = "Be brief.";
  config.defaults.top_p = 0.9;
  Request request;
  request.messages = {{"user", "ignored"}};
  request.prompt = "Question: 2+2=";
  request.sampling.temperature = 0;
  request.sampling.max_tokens = 8;
  request.sampling.seed = 7;
  request.sampling.stop = {"\n"};

  json body = build_completion_request(request, config, /*stream=*/false);
  EXPECT_EQ(body["model"], "remote");
  EXPECT_EQ(body["prompt"], "Question: 2+2=");
  EXPECT_FALSE(body.contains("messages"));
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_EQ(body["top_p"], 0.9);
  EXPECT_EQ(body["max_tokens"], 8);
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(body["stop"], json::array({"\n"}));
  EXPECT_EQ(body["stream"], false);
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_EQ(body.dump().find("Be brief."), std::string::npos);
}

TEST(BuildCompletionRequest, StreamAsksForUsage) {
  Request request;
  request.prompt = "Once";
  json body = build_completion_request(request, remote_config(), /*stream=*/true);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
}

TEST(BuildScoringRequest, RawPromptUsesLegacyLogprobs) {
  Request request;
  request.prompt = "Answer:";
  request.sampling.max_tokens = 100;
  request.sampling.stop = {"\n"};
  json body = build_scoring_request(request, remote_config());
  EXPECT_EQ(body["prompt"], "Answer:");
  EXPECT_FALSE(body.contains("messages"));
  EXPECT_EQ(body["max_tokens"], 1);
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_EQ(body["logprobs"], 20);
  EXPECT_FALSE(body.contains("top_logprobs"));
  EXPECT_FALSE(body.contains("stop"));
  EXPECT_EQ(body["stream"], false);
}

TEST(ParseChatResponse, ReadsLegacyCompletionText) {
  auto completion = parse_chat_response(
      R"({"object":"text_completion","model":"m","choices":[{"text":" four","index":0,"logprobs":null,
          "finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2}})");
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, " four");
  EXPECT_EQ(completion->finish_reason, FinishReason::kStop);
  EXPECT_EQ(completion->usage.prompt_tokens, 5);
  EXPECT_EQ(completion->usage.completion_tokens, 2);
  EXPECT_EQ(completion->model, "m");
}

TEST(ParseChatResponse, RejectsNonStringText) {
  auto completion = parse_chat_response(R"({"choices":[{"text":42}]})");
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
}

TEST(ParseChoiceScores, ReadsLegacyTopLogprobsObject) {
  auto scores = parse_choice_scores(
      R"({"choices":[{"text":" B","logprobs":{"tokens":[" B"],"token_logprobs":[-0.2],
          "top_logprobs":[{" B":-0.2," A":-1.5,"A":-3.0}],"text_offset":[0]}}],
          "usage":{"prompt_tokens":6,"completion_tokens":1}})",
      {"A", "B", "C"});
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  ASSERT_EQ(scores->logprobs.size(), 3u);
  EXPECT_NEAR(scores->logprobs[0], std::log(std::exp(-1.5) + std::exp(-3.0)), 1e-9);
  EXPECT_DOUBLE_EQ(scores->logprobs[1], -0.2);
  EXPECT_TRUE(std::isinf(scores->logprobs[2]));
  EXPECT_EQ(scores->usage.prompt_tokens, 6);
}

// llama-server 80fb11a answers /v1/completions with "logprobs": N in the chat
// shape: choices[0].logprobs.content[0].top_logprobs, with "id" and "bytes".
TEST(ParseChoiceScores, ReadsLlamaServerCompletionsShape) {
  auto scores = parse_choice_scores(
      R"({"object":"text_completion","choices":[{"text":",","index":0,"logprobs":{"content":[
          {"id":432,"token":",","bytes":[44],"logprob":-0.03,"top_logprobs":[
          {"id":432,"token":",","bytes":[44],"logprob":-0.03},
          {"id":383,"token":" there","bytes":[32,116,104,101,114,101],"logprob":-3.5}]}]},
          "finish_reason":"length"}]})",
      {",", "there", "A"});
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  ASSERT_EQ(scores->logprobs.size(), 3u);
  EXPECT_DOUBLE_EQ(scores->logprobs[0], -0.03);
  EXPECT_DOUBLE_EQ(scores->logprobs[1], -3.5);
  EXPECT_TRUE(std::isinf(scores->logprobs[2]));
}

TEST(ParseChoiceScores, EmptyLegacyTopLogprobsIsInvalid) {
  auto scores = parse_choice_scores(R"({"choices":[{"text":"A","logprobs":{"top_logprobs":[]}}]})", {"A"});
  ASSERT_FALSE(scores.ok());
  EXPECT_EQ(scores.error().code, ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace mom::http
