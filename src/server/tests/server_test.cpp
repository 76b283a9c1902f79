#include "server/server.h"

#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "scripted_miner.h"

namespace mom {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using testing::ScriptedMiner;
using namespace std::chrono_literals;

// A mixture stand-in that returns its one miner's completion and a fixed trace.
class ScriptedMixture : public Mixture {
 public:
  ScriptedMixture(MixtureConfig config, std::shared_ptr<Miner> miner)
      : config_(std::move(config)), miner_(std::move(miner)) {}

  const MixtureConfig& config() const override { return config_; }

  Result<MixtureOutcome> run(const Request& request, const TokenSink& on_token, const CancelToken& cancel,
                             Trace* trace_out) override {
    Trace trace;
    trace.mixture = config_.name;
    trace.strategy = config_.strategy;
    if (trace_out != nullptr) {
      *trace_out = trace;
    }
    Result<Completion> completion = miner_->complete(request, on_token, cancel);
    if (!completion.ok()) {
      return completion.error();
    }
    completion->usage += Usage{100, 10, 0};  // stands for the proposers' calls
    return MixtureOutcome{*completion, trace};
  }

  Result<MixtureOutcome> run_from_first_layer(const Request& request, std::vector<CallTrace>,
                                              const TokenSink& on_token, const CancelToken& cancel,
                                              Trace* trace_out) override {
    return run(request, on_token, cancel, trace_out);
  }

 private:
  MixtureConfig config_;
  std::shared_ptr<Miner> miner_;
};

struct Event {
  bool done = false;
  bool comment = false;
  json data;
};

// Splits a server-sent event stream into its events.
std::vector<Event> parse_events(const std::string& body) {
  std::vector<Event> events;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find("\n\n", start);
    EXPECT_NE(end, std::string::npos) << "unterminated event in: " << body.substr(start);
    if (end == std::string::npos) {
      break;
    }
    std::string event = body.substr(start, end - start);
    start = end + 2;
    Event parsed;
    if (event.rfind(":", 0) == 0) {
      parsed.comment = true;
    } else if (event == "data: [DONE]") {
      parsed.done = true;
    } else {
      EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
      parsed.data = json::parse(event.substr(6));
    }
    events.push_back(parsed);
  }
  return events;
}

std::string chat_body(const std::string& model, bool stream = false, const std::string& extra = "") {
  std::string body = R"({"model": ")" + model + R"(", "messages": [{"role": "user", "content": "Hi"}])";
  if (stream) {
    body += R"(, "stream": true)";
  }
  if (!extra.empty()) {
    body += ", " + extra;
  }
  return body + "}";
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.port = 0;
    fast_ = std::make_shared<ScriptedMiner>("fast", std::vector<std::string>{"Hel", "lo", "!"});
    slow_ = std::make_shared<ScriptedMiner>("slow", std::vector<std::string>(500, "x"), 10ms);
    paced_ = std::make_shared<ScriptedMiner>("paced", std::vector<std::string>{"a", "b", "c", "d", "e", "f"}, 50ms);
    broken_ = std::make_shared<ScriptedMiner>("broken", std::vector<std::string>{});
    broken_->fail_with(Error::timeout("scripted miner timed out"));
    auto throwing = std::make_shared<ScriptedMiner>("throwing", std::vector<std::string>{"x"});
    throwing->throw_on_call();
    // Fails after the stream's first-text wait of 1 s, so its status is 200.
    auto late_broken = std::make_shared<ScriptedMiner>("late-broken", std::vector<std::string>{});
    late_broken->fail_with(Error::unavailable("scripted miner lost its upstream"), 1300ms);
    auto fast = fast_;
    auto slow = slow_;
    auto broken = broken_;
    auto paced = paced_;
    server_ = std::make_unique<Server>(options, [fast, slow, broken, paced, throwing,
                                                 late_broken]() -> Result<std::unique_ptr<ModelCatalog>> {
      auto registry = std::make_unique<MinerRegistry>();
      registry->add(fast);
      registry->add(slow);
      registry->add(paced);
      registry->add(broken);
      registry->add(throwing);
      registry->add(late_broken);
      MixtureConfig config;
      config.name = "moa";
      config.layers = {{"fast"}};
      std::map<std::string, std::unique_ptr<Mixture>> mixtures;
      mixtures["moa"] = std::make_unique<ScriptedMixture>(config, fast);
      config.name = "moa-broken";
      mixtures["moa-broken"] = std::make_unique<ScriptedMixture>(config, broken);
      return std::make_unique<ModelCatalog>(std::move(registry), std::move(mixtures));
    });
    ASSERT_TRUE(server_->start().ok());
    ASSERT_TRUE(server_->wait_until_loaded().ok());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->shutdown();
    }
  }

  httplib::Client client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    return client;
  }

  httplib::Result post(const std::string& body, httplib::Headers headers = {}) {
    return client().Post("/v1/chat/completions", headers, body, "application/json");
  }

  // Checks an OpenAI error object and returns its "error" member.
  static json expect_error(const httplib::Result& result, int status) {
    EXPECT_TRUE(result) << "no response";
    if (!result) {
      return json();
    }
    EXPECT_EQ(result->status, status) << result->body;
    json body = json::parse(result->body, nullptr, false);
    EXPECT_TRUE(body.contains("error")) << result->body;
    for (const char* field : {"message", "type", "param", "code"}) {
      EXPECT_TRUE(body["error"].contains(field)) << field << " missing in " << result->body;
    }
    return body["error"];
  }

  void expect_still_serving() {
    httplib::Result result = post(chat_body("fast"));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
  }

  std::unique_ptr<Server> server_;
  std::shared_ptr<ScriptedMiner> fast_;
  std::shared_ptr<ScriptedMiner> slow_;
  std::shared_ptr<ScriptedMiner> broken_;
  std::shared_ptr<ScriptedMiner> paced_;
};

TEST_F(ServerTest, NonStreamReturnsCompletionWithUsage) {
  start();
  httplib::Result result = post(chat_body("fast", false, R"("temperature": 0, "max_tokens": 9)"));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  json body = json::parse(result->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "fast");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello!");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 7);
  EXPECT_EQ(body["usage"]["completion_tokens"], 3);
  EXPECT_FALSE(body.contains("mom_trace"));
  EXPECT_EQ(result->get_header_value("X-Request-Id"), body["id"]);
  EXPECT_EQ(fast_->last_request().sampling.temperature, 0.0);
  EXPECT_EQ(fast_->last_request().sampling.max_tokens, 9);
  EXPECT_EQ(fast_->last_request().messages.at(0).content, "Hi");
}

TEST_F(ServerTest, StreamSendsChunksUsageAndDone) {
  start();
  httplib::Result result = post(chat_body("fast", true, R"("stream_options": {"include_usage": true})"));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_THAT(result->get_header_value("Content-Type"), HasSubstr("text/event-stream"));

  std::vector<Event> events = parse_events(result->body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.front().data["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  for (size_t i = 1; i + 3 < events.size(); ++i) {
    text += events[i].data["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(text, "Hello!");
  const Event& finish = events[events.size() - 3];
  EXPECT_EQ(finish.data["choices"][0]["finish_reason"], "stop");
  const Event& usage = events[events.size() - 2];
  EXPECT_TRUE(usage.data["choices"].empty());
  EXPECT_EQ(usage.data["usage"]["completion_tokens"], 3);
  EXPECT_TRUE(events.back().done);
}

// The stream writer used to join every piece queued since its last write, so
// a fast miner's whole answer could reach the client as one chunk.
TEST_F(ServerTest, StreamSendsOneChunkPerPiece) {
  start();
  httplib::Result result = post(chat_body("fast", true));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;

  std::vector<Event> events = parse_events(result->body);
  std::vector<std::string> contents;
  for (const Event& event : events) {
    if (event.done || event.comment || event.data["choices"].empty()) {
      continue;
    }
    const json& delta = event.data["choices"][0]["delta"];
    if (delta.contains("content") && !delta.contains("role") && !delta["content"].get<std::string>().empty()) {
      contents.push_back(delta["content"].get<std::string>());
    }
  }
  EXPECT_THAT(contents, ::testing::ElementsAre("Hel", "lo", "!"));
}

TEST_F(ServerTest, StreamDeliversFirstPieceBeforeLastIsGenerated) {
  start();
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/chat/completions";
  request.body = chat_body("paced", true);
  request.set_header("Content-Type", "application/json");

  // Records when each content event arrives, splitting the body into events
  // as its bytes come in.
  std::string buffer;
  std::vector<Clock::time_point> content_arrivals;
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    buffer.append(data, size);
    size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      std::string event = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      if (event.rfind("data: {", 0) == 0 && event.find(R"("content":")") != std::string::npos &&
          event.find(R"("content":"")") == std::string::npos) {
        content_arrivals.push_back(Clock::now());
      }
    }
    return true;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  ASSERT_TRUE(client().send(request, response, error)) << httplib::to_string(error);
  ASSERT_EQ(response.status, 200);

  ASSERT_EQ(content_arrivals.size(), 6u);
  EXPECT_LT(content_arrivals.front(), paced_->last_piece_at());
}

TEST_F(ServerTest, StreamWithoutUsageEndsWithFinishThenDone) {
  start();
  httplib::Result result = post(chat_body("fast", true));
  ASSERT_TRUE(result);
  std::vector<Event> events = parse_events(result->body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_TRUE(events.back().done);
  EXPECT_EQ(events[events.size() - 2].data["choices"][0]["finish_reason"], "stop");
  for (const Event& event : events) {
    EXPECT_FALSE(event.data.contains("usage") && event.data["choices"].empty());
  }
}

TEST_F(ServerTest, MinerErrorMapsToStatusAndErrorObject) {
  start();
  json error = expect_error(post(chat_body("broken")), 504);
  EXPECT_EQ(error["type"], "timeout_error");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("timed out"));
  expect_still_serving();
}

// A miner that fails before its first token gets the status and error object
// of a non-stream request.
TEST_F(ServerTest, StreamEarlyErrorIsHttpStatus) {
  start();
  json error = expect_error(post(chat_body("broken", true)), 504);
  EXPECT_EQ(error["type"], "timeout_error");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("timed out"));
  expect_still_serving();
}

// After the first-text wait the status 200 is sent, so a later failure is an
// error event followed by [DONE].
TEST_F(ServerTest, StreamLateErrorIsErrorEvent) {
  start();
  httplib::Result result = post(chat_body("late-broken", true));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  std::vector<Event> events = parse_events(result->body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_TRUE(events.back().done);
  EXPECT_THAT(events[events.size() - 2].data["error"]["message"].get<std::string>(), HasSubstr("upstream"));
  expect_still_serving();
}

// An exception thrown by a miner on the stream's worker thread used to
// terminate the whole server.
TEST_F(ServerTest, StreamSurvivesThrowingMiner) {
  start();
  json error = expect_error(post(chat_body("throwing", true)), 500);
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("threw"));
  expect_still_serving();
}

TEST_F(ServerTest, UnknownModelIs404WithErrorObject) {
  start();
  json error = expect_error(post(chat_body("ghost")), 404);
  EXPECT_EQ(error["code"], "model_not_found");
  EXPECT_EQ(error["param"], "model");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("ghost"));
  httplib::Result metrics = client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("mom_requests_total{model=\"_unknown\",status=\"404\"} 1"));
  EXPECT_THAT(metrics->body, ::testing::Not(HasSubstr("ghost")));
  expect_still_serving();
}

TEST_F(ServerTest, InvalidJsonIs400) {
  start();
  json error = expect_error(post("{\"model\": "), 400);
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("not valid JSON"));
  expect_still_serving();
}

TEST_F(ServerTest, MissingMessagesIs400) {
  start();
  json error = expect_error(post(R"({"model": "fast"})"), 400);
  EXPECT_EQ(error["param"], "messages");
  expect_still_serving();
}

TEST_F(ServerTest, WrongTypedFieldIs400) {
  start();
  json error = expect_error(post(chat_body("fast", false, R"("max_tokens": "many")")), 400);
  EXPECT_EQ(error["param"], "max_tokens");
  expect_still_serving();
}

TEST_F(ServerTest, UnsupportedParameterIs400NamingIt) {
  start();
  json error = expect_error(post(chat_body("fast", false, R"("n": 3)")), 400);
  EXPECT_EQ(error["param"], "n");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("'n'"));
  expect_still_serving();
}

TEST_F(ServerTest, OversizedBodyIs413) {
  start();
  std::string body = chat_body("fast", false, "\"user\": \"" + std::string(10 * 1024 * 1024, 'a') + "\"");
  json error = expect_error(post(body), 413);
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("4194304 bytes"));
  expect_still_serving();
}

TEST_F(ServerTest, AuthRequiredWrongAndRight) {
  ServerOptions options;
  options.api_key = "sekrit";
  start(options);

  json missing = expect_error(post(chat_body("fast")), 401);
  EXPECT_EQ(missing["type"], "authentication_error");
  json wrong = expect_error(post(chat_body("fast"), {{"Authorization", "Bearer guess"}}), 401);
  EXPECT_THAT(wrong["message"].get<std::string>(), ::testing::Not(HasSubstr("sekrit")));
  expect_error(client().Get("/v1/models"), 401);

  httplib::Result right = post(chat_body("fast"), {{"Authorization", "Bearer sekrit"}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  httplib::Result health = client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServerTest, HealthIs503WhileLoadingThen200) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ServerOptions options;
  options.port = 0;
  server_ = std::make_unique<Server>(options, [released]() -> Result<std::unique_ptr<ModelCatalog>> {
    released.wait();
    return std::make_unique<ModelCatalog>(std::make_unique<MinerRegistry>(),
                                          std::map<std::string, std::unique_ptr<Mixture>>());
  });
  ASSERT_TRUE(server_->start().ok());

  httplib::Result loading = client().Get("/health");
  ASSERT_TRUE(loading);
  EXPECT_EQ(loading->status, 503);
  expect_error(post(chat_body("fast")), 503);

  release.set_value();
  ASSERT_TRUE(server_->wait_until_loaded().ok());
  httplib::Result ready = client().Get("/health");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body)["status"], "ok");
}

TEST_F(ServerTest, FailedLoadIsReported) {
  ServerOptions options;
  options.port = 0;
  server_ = std::make_unique<Server>(options, []() -> Result<std::unique_ptr<ModelCatalog>> {
    return Error{ErrorCode::kLoadFailed, "cannot load x.gguf"};
  });
  ASSERT_TRUE(server_->start().ok());
  Status loaded = server_->wait_until_loaded();
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("x.gguf"));
  httplib::Result health = client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
}

TEST_F(ServerTest, ModelsListsMinersAndMixtures) {
  start();
  httplib::Result result = client().Get("/v1/models");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  json body = json::parse(result->body);
  EXPECT_EQ(body["object"], "list");
  std::vector<std::string> ids;
  for (const json& model : body["data"]) {
    ids.push_back(model["id"]);
    EXPECT_EQ(model["object"], "model");
  }
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("fast", "slow", "broken", "paced", "throwing", "late-broken", "moa",
                                                   "moa-broken"));
}

TEST_F(ServerTest, MetricsCountRequestsPerModel) {
  start();
  expect_still_serving();
  expect_error(post(chat_body("broken")), 504);
  httplib::Result result = client().Get("/metrics");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_THAT(result->body, HasSubstr("mom_requests_total{model=\"fast\",status=\"200\"} 1"));
  EXPECT_THAT(result->body, HasSubstr("mom_request_errors_total{model=\"broken\",code=\"timeout\"} 1"));
  EXPECT_THAT(result->body, HasSubstr("mom_request_duration_seconds_count{model=\"fast\"} 1"));
  EXPECT_THAT(result->body, HasSubstr("mom_tokens_total{model=\"fast\",kind=\"completion\"} 3"));
  EXPECT_THAT(result->body, HasSubstr("# TYPE mom_request_duration_seconds histogram"));
}

TEST_F(ServerTest, UnknownPathIs404WithErrorObject) {
  start();
  expect_error(client().Get("/v2/nothing"), 404);
}

TEST_F(ServerTest, MixtureAnswersWithSummedUsageAndTrace) {
  start();
  httplib::Result result = post(chat_body("moa", false, R"("mom": {"trace": true})"));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  json body = json::parse(result->body);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello!");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 107);
  EXPECT_TRUE(body.contains("mom_trace"));
}

TEST_F(ServerTest, MixtureFailureKeepsTrace) {
  start();
  expect_error(post(chat_body("moa-broken", false, R"("mom": {"trace": true})")), 504);
  httplib::Result result = post(chat_body("moa-broken", false, R"("mom": {"trace": true})"));
  ASSERT_TRUE(result);
  EXPECT_EQ(json::parse(result->body)["mom_trace"]["mixture"], "moa-broken");

  // The mixture fails before any text, so the stream gets the same error object.
  httplib::Result stream = post(chat_body("moa-broken", true, R"("mom": {"trace": true})"));
  expect_error(stream, 504);
  ASSERT_TRUE(stream);
  EXPECT_EQ(json::parse(stream->body)["mom_trace"]["mixture"], "moa-broken");
}

TEST_F(ServerTest, MixtureStreamPutsTraceInFinalChunk) {
  start();
  httplib::Result result =
      post(chat_body("moa", true, R"("mom": {"trace": true}, "stream_options": {"include_usage": true})"));
  ASSERT_TRUE(result);
  std::vector<Event> events = parse_events(result->body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_TRUE(events.back().done);
  EXPECT_TRUE(events[events.size() - 2].data.contains("mom_trace"));
}

TEST_F(ServerTest, ClientDisconnectMidStreamCancelsMiner) {
  start();
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/chat/completions";
  request.body = chat_body("slow", true);
  request.set_header("Content-Type", "application/json");
  int received = 0;
  request.content_receiver = [&received](const char*, size_t, uint64_t, uint64_t) {
    return ++received < 3;  // hang up after a few chunks
  };
  client().send(request);
  EXPECT_GE(received, 3);

  auto deadline = Clock::now() + 5s;
  while (!slow_->saw_cancel() && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(slow_->saw_cancel());
  expect_still_serving();
}

TEST_F(ServerTest, ShutdownCancelsStreamsAfterGrace) {
  ServerOptions options;
  options.shutdown_grace = 200ms;
  start(options);
  auto stream = std::async(std::launch::async, [this] { return post(chat_body("slow", true)); });
  auto deadline = Clock::now() + 5s;
  while (slow_->calls() == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }

  auto started = Clock::now();
  server_->shutdown();
  EXPECT_LT(Clock::now() - started, 3s);
  EXPECT_TRUE(slow_->saw_cancel());
  httplib::Result result = stream.get();
  if (result) {
    EXPECT_TRUE(parse_events(result->body).back().done);
  }
}

}  // namespace
}  // namespace mom
