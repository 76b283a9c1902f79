// Fault tests of the HTTP miner against misbehaving upstreams on loopback.
#include "http/http_miner.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "upstream_server.h"

namespace mom {
namespace {

using http::testing::UpstreamServer;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPath = "/v1/chat/completions";

std::string completion_body(const std::string& text) {
  json body = {{"model", "mock"},
               {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", "stop"}}}},
               {"usage", {{"prompt_tokens", 4}, {"completion_tokens", 2}}}};
  return body.dump();
}

std::string chunk_event(const std::string& text, const char* finish_reason = nullptr) {
  json choice = {{"index", 0}, {"delta", {{"content", text}}}, {"finish_reason", nullptr}};
  if (finish_reason != nullptr) {
    choice["finish_reason"] = finish_reason;
  }
  return "data: " + json{{"choices", {choice}}}.dump() + "\n\n";
}

MinerConfig config_for(const UpstreamServer& server) {
  MinerConfig config;
  config.name = "mock";
  config.url = server.base_url();
  return config;
}

HttpMinerOptions fast_options() {
  HttpMinerOptions options;
  options.connect_timeout = 1000ms;
  options.initial_backoff = 20ms;
  options.max_backoff = 100ms;
  options.max_attempts = 3;
  return options;
}

std::shared_ptr<Miner> make_miner(const MinerConfig& config, const HttpMinerOptions& options = fast_options()) {
  auto miner = make_http_miner(config, options);
  EXPECT_TRUE(miner.ok()) << miner.error().message;
  return miner.ok() ? *miner : nullptr;
}

Request question(std::chrono::milliseconds deadline = 5000ms) {
  Request request;
  request.id = "test";
  request.messages = {{"user", "Say hello."}};
  request.deadline = Clock::now() + deadline;
  return request;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Streams ": ping" comments every 50 ms until the client leaves.
void serve_pings_forever(httplib::Response& response, const std::atomic<bool>& stopping) {
  response.set_chunked_content_provider("text/event-stream", [&stopping](size_t, httplib::DataSink& sink) {
    while (!stopping) {
      if (!sink.write(": ping\n\n", 8)) {
        return false;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  });
}

TEST(HttpMiner, ReturnsCompletionAndSendsOpenAiRequest) {
  json received;
  std::string authorization;
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request& request, httplib::Response& response) {
      received = json::parse(request.body);
      authorization = request.get_header_value("Authorization");
      response.set_content(completion_body("Hello!"), "application/json");
    });
  });
  ::setenv("MOM_HTTP_TEST_KEY", "sk-test-123", 1);
  MinerConfig config = config_for(server);
  config.upstream_model = "upstream";
  config.api_key_env = "MOM_HTTP_TEST_KEY";
  config.system_prompt = "Be brief.";
  config.defaults.max_tokens = 16;
  auto miner = make_miner(config);

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "Hello!");
  EXPECT_EQ(completion->usage.prompt_tokens, 4);
  EXPECT_EQ(completion->usage.completion_tokens, 2);
  EXPECT_GT(completion->timings.total_ms, 0);
  EXPECT_EQ(received["model"], "upstream");
  EXPECT_EQ(received["max_tokens"], 16);
  EXPECT_EQ(received["stream"], false);
  EXPECT_EQ(received["messages"][0]["role"], "system");
  EXPECT_EQ(authorization, "Bearer sk-test-123");
  ::unsetenv("MOM_HTTP_TEST_KEY");
}

TEST(HttpMiner, StreamsPiecesToSink) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request&, httplib::Response& response) {
      std::string stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n" +
                           chunk_event("Hel") + chunk_event("lo", "stop") +
                           "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}\n\n"
                           "data: [DONE]\n\n";
      response.set_content(stream, "text/event-stream");
    });
  });
  auto miner = make_miner(config_for(server));
  std::vector<std::string> pieces;
  auto completion = miner->complete(question(), [&](std::string_view piece) { pieces.emplace_back(piece); },
                                    CancelToken());
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(pieces, (std::vector<std::string>{"Hel", "lo"}));
  EXPECT_EQ(completion->text, "Hello");
  EXPECT_EQ(completion->usage.completion_tokens, 2);
}

TEST(HttpMiner, ConnectionRefusedIsUnavailable) {
  MinerConfig config;
  config.name = "nowhere";
  config.url = "http://127.0.0.1:" + std::to_string(http::testing::free_loopback_port()) + "/v1";
  auto miner = make_miner(config);

  auto start = Clock::now();
  auto completion = miner->complete(question(2000ms), nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(completion.error().retryable);
  EXPECT_NE(completion.error().message.find("nowhere"), std::string::npos);
  EXPECT_LT(ms_since(start), 2000);
}

TEST(HttpMiner, ServerErrorIsRetriedThenFails) {
  std::atomic<int> calls{0};
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request&, httplib::Response& response) {
      ++calls;
      response.status = 500;
      response.set_content(R"({"error":{"message":"model crashed","type":"server_error"}})", "application/json");
    });
  });
  auto miner = make_miner(config_for(server));

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(completion.error().upstream_status, 500);
  EXPECT_TRUE(completion.error().retryable);
  EXPECT_NE(completion.error().message.find("model crashed"), std::string::npos);
  EXPECT_EQ(calls.load(), 3);
}

TEST(HttpMiner, RateLimitIsRetriedThenSucceeds) {
  std::atomic<int> calls{0};
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request&, httplib::Response& response) {
      if (++calls == 1) {
        response.status = 429;
        response.set_header("Retry-After", "0");
        response.set_content(R"({"error":{"message":"slow down"}})", "application/json");
        return;
      }
      response.set_content(completion_body("ok"), "application/json");
    });
  });
  auto miner = make_miner(config_for(server));

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "ok");
  EXPECT_EQ(calls.load(), 2);
}

TEST(HttpMiner, PersistentRateLimitIsRateLimited) {
  std::atomic<int> calls{0};
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request&, httplib::Response& response) {
      ++calls;
      response.status = 429;
      response.set_content(R"({"error":{"message":"quota exceeded"}})", "application/json");
    });
  });
  auto miner = make_miner(config_for(server));

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(completion.error().upstream_status, 429);
  EXPECT_TRUE(completion.error().retryable);
  EXPECT_EQ(calls.load(), 3);
}

TEST(HttpMiner, LongRetryAfterEndsRetries) {
  std::atomic<int> calls{0};
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request&, httplib::Response& response) {
      ++calls;
      response.status = 429;
      response.set_header("Retry-After", "3600");
      response.set_content("busy", "text/plain");
    });
  });
  auto miner = make_miner(config_for(server));

  auto start = Clock::now();
  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_LT(ms_since(start), 1000);
}

TEST(HttpMiner, MalformedJsonIsUpstreamError) {
  std::atomic<int> calls{0};
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request&, httplib::Response& response) {
      ++calls;
      response.set_content("{\"choices\": [{\"message\": ", "application/json");
    });
  });
  auto miner = make_miner(config_for(server));

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
  EXPECT_NE(completion.error().message.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpMiner, StreamCutMidChunkIsTruncated) {
  std::atomic<int> calls{0};
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request&, httplib::Response& response) {
      ++calls;
      response.set_chunked_content_provider("text/event-stream", [](size_t, httplib::DataSink& sink) {
        std::string first = chunk_event("Once");
        std::string cut = "data: {\"choices\":[{\"index\":0,\"delta\":{\"con";
        sink.write(first.data(), first.size());
        sink.write(cut.data(), cut.size());
        return false;  // drops the connection without the final chunk
      });
    });
  });
  auto miner = make_miner(config_for(server));

  std::string streamed;
  auto start = Clock::now();
  auto completion = miner->complete(question(), [&](std::string_view piece) { streamed += piece; }, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
  EXPECT_NE(completion.error().message.find("stream truncated"), std::string::npos);
  EXPECT_EQ(streamed, "Once");
  EXPECT_EQ(calls.load(), 1) << "a request whose answer was partly streamed must not be retried";
  EXPECT_LT(ms_since(start), 2000);
}

TEST(HttpMiner, StreamEndingAfterFinishReasonIsAccepted) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request&, httplib::Response& response) {
      response.set_content(chunk_event("Done.", "stop"), "text/event-stream");
    });
  });
  auto miner = make_miner(config_for(server));

  auto completion = miner->complete(question(), [](std::string_view) {}, CancelToken());
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "Done.");
}

TEST(HttpMiner, KeepAliveCommentsDoNotOutliveDeadline) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>& stopping) {
    s.Post(kPath, [&stopping](const httplib::Request&, httplib::Response& response) {
      serve_pings_forever(response, stopping);
    });
  });
  auto miner = make_miner(config_for(server));

  for (bool stream : {true, false}) {
    auto start = Clock::now();
    TokenSink sink;
    if (stream) {
      sink = [](std::string_view) {};
    }
    auto completion = miner->complete(question(500ms), sink, CancelToken());
    double elapsed = ms_since(start);
    ASSERT_FALSE(completion.ok()) << "stream=" << stream;
    EXPECT_EQ(completion.error().code, ErrorCode::kTimeout) << "stream=" << stream;
    EXPECT_GE(elapsed, 450) << "stream=" << stream;
    EXPECT_LT(elapsed, 700) << "stream=" << stream;
  }
}

TEST(HttpMiner, ConfiguredTimeoutBoundsCall) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>& stopping) {
    s.Post(kPath, [&stopping](const httplib::Request&, httplib::Response& response) {
      serve_pings_forever(response, stopping);
    });
  });
  MinerConfig config = config_for(server);
  config.timeout_ms = 300;
  auto miner = make_miner(config);

  Request request = question();
  request.deadline.reset();
  auto start = Clock::now();
  auto completion = miner->complete(request, nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kTimeout);
  EXPECT_LT(ms_since(start), 500);
}

TEST(HttpMiner, FirstTokenTimeoutFiresBeforeDeadline) {
  std::atomic<int> calls{0};
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>& stopping) {
    s.Post(kPath, [&](const httplib::Request&, httplib::Response& response) {
      ++calls;
      serve_pings_forever(response, stopping);
    });
  });
  HttpMinerOptions options = fast_options();
  options.first_token_timeout = 300ms;
  auto miner = make_miner(config_for(server), options);

  auto start = Clock::now();
  auto completion = miner->complete(question(5000ms), [](std::string_view) {}, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kTimeout);
  EXPECT_NE(completion.error().message.find("no token"), std::string::npos);
  EXPECT_LT(ms_since(start), 600);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpMiner, EmptyCompletionIsOk) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request& request, httplib::Response& response) {
      if (json::parse(request.body)["stream"] == true) {
        response.set_content("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},"
                             "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
                             "text/event-stream");
      } else {
        response.set_content(completion_body(""), "application/json");
      }
    });
  });
  auto miner = make_miner(config_for(server));

  auto plain = miner->complete(question(), nullptr, CancelToken());
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->text, "");
  auto streamed = miner->complete(question(), [](std::string_view) {}, CancelToken());
  ASSERT_TRUE(streamed.ok()) << streamed.error().message;
  EXPECT_EQ(streamed->text, "");
}

TEST(HttpMiner, OversizedResponseIsError) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request&, httplib::Response& response) {
      response.set_content(completion_body(std::string(3 * 1024 * 1024, 'x')), "application/json");
    });
  });
  HttpMinerOptions options = fast_options();
  options.max_response_bytes = 1024 * 1024;
  auto miner = make_miner(config_for(server), options);

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
  EXPECT_NE(completion.error().message.find("larger than 1048576 bytes"), std::string::npos);
  EXPECT_LT(completion.error().message.size(), 500u);
}

TEST(HttpMiner, CancelStopsStreamPromptly) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>& stopping) {
    s.Post(kPath, [&stopping](const httplib::Request&, httplib::Response& response) {
      response.set_chunked_content_provider("text/event-stream", [&stopping](size_t, httplib::DataSink& sink) {
        while (!stopping) {
          std::string event = chunk_event("tick ");
          if (!sink.write(event.data(), event.size())) {
            return false;
          }
          std::this_thread::sleep_for(50ms);
        }
        return false;
      });
    });
  });
  auto miner = make_miner(config_for(server));

  CancelToken cancel;
  Clock::time_point cancelled_at;
  auto completion = miner->complete(
      question(),
      [&](std::string_view) {
        if (cancelled_at == Clock::time_point()) {
          cancelled_at = Clock::now();
          cancel.cancel();
        }
      },
      cancel);
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kCancelled);
  EXPECT_LT(ms_since(cancelled_at), 100);
}

TEST(HttpMiner, ErrorsAndLogsNeverContainApiKey) {
  const std::string key = "sk-secret-4d7f19";
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request& request, httplib::Response& response) {
      // Like some real services, this one quotes the key it rejected.
      response.status = request.get_header_value("Authorization") == "Bearer " + key ? 500 : 401;
      response.set_content(R"({"error":{"message":"Incorrect API key provided: )" + key + R"("}})",
                           "application/json");
    });
  });
  ::setenv("MOM_HTTP_TEST_SECRET", key.c_str(), 1);
  MinerConfig config = config_for(server);
  config.api_key_env = "MOM_HTTP_TEST_SECRET";
  auto miner = make_miner(config);

  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto logger = spdlog::get("http");
  if (!logger) {
    logger = std::make_shared<spdlog::logger>("http");
    spdlog::register_logger(logger);
  }
  logger->sinks().push_back(sink);
  auto old_level = logger->level();
  logger->set_level(spdlog::level::trace);

  auto completion = miner->complete(question(), nullptr, CancelToken());

  logger->sinks().pop_back();
  logger->set_level(old_level);
  ::unsetenv("MOM_HTTP_TEST_SECRET");

  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().upstream_status, 500);
  EXPECT_EQ(completion.error().message.find(key), std::string::npos) << completion.error().message;
  EXPECT_NE(completion.error().message.find("[redacted]"), std::string::npos);
  EXPECT_FALSE(log.str().empty());
  EXPECT_EQ(log.str().find(key), std::string::npos) << log.str();
}

TEST(HttpMiner, MissingKeyVariableIsUnauthorized) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request&, httplib::Response& response) {
      response.set_content(completion_body("unreachable"), "application/json");
    });
  });
  MinerConfig config = config_for(server);
  config.api_key_env = "MOM_HTTP_TEST_UNSET_KEY";
  ::unsetenv("MOM_HTTP_TEST_UNSET_KEY");
  auto miner = make_miner(config);

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUnauthorized);
  EXPECT_NE(completion.error().message.find("MOM_HTTP_TEST_UNSET_KEY"), std::string::npos);
}

TEST(HttpMiner, ScoresChoicesFromTopLogprobs) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request& request, httplib::Response& response) {
      json body = json::parse(request.body);
      if (body.value("logprobs", false) && body["max_tokens"] == 1) {
        response.set_content(
            R"({"choices":[{"message":{"content":"B"},"logprobs":{"content":[{"token":"B","logprob":-0.1,
                "top_logprobs":[{"token":"B","logprob":-0.1},{"token":" A","logprob":-2.5}]}]}}]})",
            "application/json");
      } else {
        response.set_content(completion_body("B"), "application/json");
      }
    });
  });
  auto miner = make_miner(config_for(server));

  auto scores = miner->score_choices(question(), {"A", "B", "C", "D"}, CancelToken());
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  ASSERT_EQ(scores->logprobs.size(), 4u);
  EXPECT_DOUBLE_EQ(scores->logprobs[0], -2.5);
  EXPECT_DOUBLE_EQ(scores->logprobs[1], -0.1);
  EXPECT_TRUE(std::isinf(scores->logprobs[2]));
}

TEST(HttpMiner, ScoringWithoutLogprobsIsInvalidRequest) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request&, httplib::Response& response) {
      response.set_content(completion_body("A"), "application/json");
    });
  });
  auto miner = make_miner(config_for(server));

  auto scores = miner->score_choices(question(), {"A", "B"}, CancelToken());
  ASSERT_FALSE(scores.ok());
  EXPECT_EQ(scores.error().code, ErrorCode::kInvalidRequest);
}

TEST(HttpMiner, ConcurrentRequestsSucceedAndReuseConnections) {
  std::mutex mutex;
  std::set<int> ports;
  UpstreamServer server(
      [&](httplib::Server& s, const std::atomic<bool>&) {
        s.Post(kPath, [&](const httplib::Request& request, httplib::Response& response) {
          {
            std::lock_guard lock(mutex);
            ports.insert(request.remote_port);
          }
          std::this_thread::sleep_for(20ms);
          response.set_content(completion_body("pong"), "application/json");
        });
      },
      /*threads=*/64);
  auto miner = make_miner(config_for(server));

  constexpr int kRequests = 50;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kRequests; ++i) {
    callers.emplace_back([&] {
      auto completion = miner->complete(question(10000ms), nullptr, CancelToken());
      if (completion.ok() && completion->text == "pong") {
        ++succeeded;
      }
    });
  }
  for (std::thread& caller : callers) {
    caller.join();
  }
  EXPECT_EQ(succeeded.load(), kRequests);
  size_t connections_after_burst = ports.size();
  EXPECT_LE(connections_after_burst, static_cast<size_t>(kRequests));

  // Sequential calls after the burst find idle connections in the cache.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(miner->complete(question(), nullptr, CancelToken()).ok());
  }
  EXPECT_EQ(ports.size(), connections_after_burst);
}

TEST(HttpMiner, RejectsUrlWithoutHttpScheme) {
  MinerConfig config;
  config.name = "bad";
  config.url = "127.0.0.1:8080/v1";
  auto miner = make_http_miner(config);
  ASSERT_FALSE(miner.ok());
  EXPECT_EQ(miner.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(miner.error().message.find("127.0.0.1:8080/v1"), std::string::npos);
}

constexpr const char* kCompletionsPath = "/v1/completions";

Request raw_question() {
  Request request;
  request.id = "raw";
  request.prompt = "Question: 2+2=\nAnswer:";
  request.sampling.temperature = 0;
  request.sampling.max_tokens = 4;
  request.deadline = Clock::now() + 5000ms;
  return request;
}

// An upstream with both endpoints that records which one each call reached
// and the last body it received.
struct TwoEndpointUpstream {
  std::mutex mutex;
  std::vector<std::string> paths;
  json last_body;

  void record(const httplib::Request& request) {
    std::lock_guard lock(mutex);
    paths.push_back(request.path);
    last_body = json::parse(request.body);
  }
};

TEST(HttpMiner, SendsRawPromptToCompletions) {
  TwoEndpointUpstream seen;
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request& request, httplib::Response& response) {
      seen.record(request);
      response.set_content(completion_body("chat"), "application/json");
    });
    s.Post(kCompletionsPath, [&](const httplib::Request& request, httplib::Response& response) {
      seen.record(request);
      response.set_content(
          R"({"object":"text_completion","model":"base","choices":[{"text":" 4","index":0,"logprobs":null,
              "finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1}})",
          "application/json");
    });
  });
  MinerConfig config = config_for(server);
  config.system_prompt = "Be brief.";
  auto miner = make_miner(config);

  auto completion = miner->complete(raw_question(), nullptr, CancelToken());
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, " 4");
  EXPECT_EQ(completion->model, "base");
  EXPECT_EQ(completion->usage.prompt_tokens, 9);
  EXPECT_EQ(completion->usage.completion_tokens, 1);

  std::lock_guard lock(seen.mutex);
  ASSERT_EQ(seen.paths, (std::vector<std::string>{kCompletionsPath}));
  EXPECT_EQ(seen.last_body["prompt"], "Question: 2+2=\nAnswer:");
  EXPECT_FALSE(seen.last_body.contains("messages"));
  EXPECT_EQ(seen.last_body["model"], "mock");
  EXPECT_EQ(seen.last_body["max_tokens"], 4);
  EXPECT_EQ(seen.last_body["temperature"], 0);
  EXPECT_EQ(seen.last_body["stream"], false);
}

TEST(HttpMiner, StreamsRawPromptFromCompletions) {
  TwoEndpointUpstream seen;
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kCompletionsPath, [&](const httplib::Request& request, httplib::Response& response) {
      seen.record(request);
      response.set_content(
          "data: {\"choices\":[{\"text\":\" 4\",\"index\":0,\"finish_reason\":null}]}\n\n"
          "data: {\"choices\":[{\"text\":\".\",\"index\":0,\"finish_reason\":null}]}\n\n"
          "data: {\"choices\":[{\"text\":\"\",\"index\":0,\"finish_reason\":\"stop\"}],"
          "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\n"
          "data: [DONE]\n\n",
          "text/event-stream");
    });
  });
  auto miner = make_miner(config_for(server));

  std::vector<std::string> pieces;
  auto completion = miner->complete(
      raw_question(), [&](std::string_view piece) { pieces.emplace_back(piece); }, CancelToken());
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(pieces, (std::vector<std::string>{" 4", "."}));
  EXPECT_EQ(completion->text, " 4.");
  EXPECT_EQ(completion->usage.completion_tokens, 2);

  std::lock_guard lock(seen.mutex);
  ASSERT_EQ(seen.paths, (std::vector<std::string>{kCompletionsPath}));
  EXPECT_EQ(seen.last_body["stream"], true);
  EXPECT_EQ(seen.last_body["stream_options"]["include_usage"], true);
}

TEST(HttpMiner, SendsMessagesToChatCompletions) {
  TwoEndpointUpstream seen;
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [&](const httplib::Request& request, httplib::Response& response) {
      seen.record(request);
      response.set_content(completion_body("chat"), "application/json");
    });
    s.Post(kCompletionsPath, [&](const httplib::Request& request, httplib::Response& response) {
      seen.record(request);
      response.set_content(completion_body("wrong endpoint"), "application/json");
    });
  });
  auto miner = make_miner(config_for(server));

  auto completion = miner->complete(question(), nullptr, CancelToken());
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "chat");
  std::lock_guard lock(seen.mutex);
  ASSERT_EQ(seen.paths, (std::vector<std::string>{kPath}));
  EXPECT_TRUE(seen.last_body.contains("messages"));
}

TEST(HttpMiner, ScoresRawPromptFromLegacyLogprobs) {
  TwoEndpointUpstream seen;
  UpstreamServer server([&](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kCompletionsPath, [&](const httplib::Request& request, httplib::Response& response) {
      seen.record(request);
      response.set_content(
          R"({"choices":[{"text":" B","index":0,"finish_reason":"length","logprobs":{"tokens":[" B"],
              "token_logprobs":[-0.1],"top_logprobs":[{" B":-0.1,"A":-2.5}],"text_offset":[0]}}],
              "usage":{"prompt_tokens":9,"completion_tokens":1}})",
          "application/json");
    });
  });
  auto miner = make_miner(config_for(server));

  auto scores = miner->score_choices(raw_question(), {"A", "B", "C", "D"}, CancelToken());
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  ASSERT_EQ(scores->logprobs.size(), 4u);
  EXPECT_DOUBLE_EQ(scores->logprobs[0], -2.5);
  EXPECT_DOUBLE_EQ(scores->logprobs[1], -0.1);
  EXPECT_TRUE(std::isinf(scores->logprobs[2]));
  EXPECT_EQ(scores->usage.prompt_tokens, 9);

  std::lock_guard lock(seen.mutex);
  ASSERT_EQ(seen.paths, (std::vector<std::string>{kCompletionsPath}));
  EXPECT_EQ(seen.last_body["max_tokens"], 1);
  EXPECT_EQ(seen.last_body["logprobs"], 20);
  EXPECT_EQ(seen.last_body["temperature"], 0);
}

}  // namespace
}  // namespace mom
