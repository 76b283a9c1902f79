// The HTTP miner against hostile upstreams: replies with wrongly typed
// fields and bytes that are not HTTP. Each case must end in an Error value or
// a tolerated answer, never in an exception.
#include "http/http_miner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "http/chat_stream_decoder.h"
#include "http/openai_wire.h"
#include "upstream_server.h"

namespace mom {
namespace {

using http::testing::UpstreamServer;
using namespace std::chrono_literals;

constexpr const char* kPath = "/v1/chat/completions";

HttpMinerOptions fast_options() {
  HttpMinerOptions options;
  options.connect_timeout = 1000ms;
  options.initial_backoff = 20ms;
  options.max_backoff = 100ms;
  options.max_attempts = 2;
  return options;
}

Request question() {
  Request request;
  request.id = "robustness";
  request.messages = {{"user", "Say hello."}};
  request.deadline = Clock::now() + 5000ms;
  return request;
}

std::shared_ptr<Miner> miner_for(const std::string& base_url) {
  MinerConfig config;
  config.name = "hostile";
  config.url = base_url;
  auto miner = make_http_miner(config, fast_options());
  EXPECT_TRUE(miner.ok()) << miner.error().message;
  return miner.ok() ? *miner : nullptr;
}

// A loopback TCP server that replies to every connection with fixed bytes and
// closes it, for replies that an HTTP server library cannot produce.
class RawReplyServer {
 public:
  explicit RawReplyServer(std::string reply) : reply_(std::move(reply)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(listen_fd_, 16);
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~RawReplyServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }

  RawReplyServer(const RawReplyServer&) = delete;
  RawReplyServer& operator=(const RawReplyServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  void serve() {
    while (!stopping_) {
      int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) {
        return;
      }
      char buffer[4096];
      // Reads the request head so that the client sees the reply, not a reset.
      ::recv(client, buffer, sizeof(buffer), 0);
      ::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  std::string reply_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

TEST(ParseChatResponse, ToleratesWronglyTypedUsage) {
  // A string or null token count used to throw nlohmann::json::type_error
  // out of the miner, which turned into HTTP 500 in `mom serve`.
  auto completion = http::parse_chat_response(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":"many","completion_tokens":null,"prompt_tokens_details":{"cached_tokens":-3}}})");

  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "ok");
  EXPECT_EQ(completion->usage.prompt_tokens, 0);
  EXPECT_EQ(completion->usage.completion_tokens, 0);
  EXPECT_EQ(completion->usage.cached_prompt_tokens, 0);
}

TEST(ParseUsage, ReadsOnlyIntegerCountsInIntRange) {
  Usage usage = http::parse_usage(nlohmann::json::parse(
      R"({"prompt_tokens":7,"completion_tokens":1e3,"prompt_tokens_details":{"cached_tokens":99999999999}})"));

  EXPECT_EQ(usage.prompt_tokens, 7);
  EXPECT_EQ(usage.completion_tokens, 0);
  EXPECT_EQ(usage.cached_prompt_tokens, 0);
}

TEST(ChatStreamDecoder, SkipsChoiceWithStringIndex) {
  // choice.value("index", 0) threw on a string index, and in a streamed
  // request the exception terminated `mom serve`.
  http::ChatStreamDecoder decoder;

  auto pieces = decoder.feed(
      "data: {\"choices\":[{\"index\":\"zero\",\"delta\":{\"content\":\"a\"}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n");
  ASSERT_TRUE(pieces.ok()) << pieces.error().message;
  auto completion = decoder.finish();

  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "b");
}

TEST(ChatStreamDecoder, ToleratesWronglyTypedUsage) {
  http::ChatStreamDecoder decoder;

  auto pieces = decoder.feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}],"
      "\"usage\":{\"prompt_tokens\":null,\"completion_tokens\":\"2\"}}\n\n"
      "data: [DONE]\n\n");
  ASSERT_TRUE(pieces.ok()) << pieces.error().message;
  auto completion = decoder.finish();

  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "a");
  EXPECT_EQ(completion->usage.completion_tokens, 0);
}

TEST(ChatStreamDecoder, RejectsNonStringContent) {
  // A number as delta content was dropped without a word, so the stream
  // ended as an empty answer; a non-streamed reply with it is an error.
  http::ChatStreamDecoder decoder;

  auto pieces = decoder.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":7}}]}\n\n");

  ASSERT_FALSE(pieces.ok());
  EXPECT_EQ(pieces.error().code, ErrorCode::kUpstream);
  EXPECT_NE(pieces.error().message.find("not a string"), std::string::npos) << pieces.error().message;
}

TEST(HttpMiner, StreamWithStringUsageAnswers) {
  UpstreamServer server([](httplib::Server& s, const std::atomic<bool>&) {
    s.Post(kPath, [](const httplib::Request&, httplib::Response& response) {
      response.set_content(
          "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
          "\"usage\":{\"prompt_tokens\":\"many\"}}\n\ndata: [DONE]\n\n",
          "text/event-stream");
    });
  });
  auto miner = miner_for(server.base_url());

  auto completion = miner->complete(question(), [](std::string_view) {}, CancelToken());

  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "hi");
}

TEST(HttpMiner, NonHttpReplyIsUpstreamError) {
  // libcurl reports such a reply as CURLE_UNSUPPORTED_PROTOCOL, which was
  // mapped to "invalid miner URL" and HTTP 400 as if the client had erred.
  RawReplyServer server(std::string(2000, '\x7f'));
  auto miner = miner_for(server.base_url());

  auto completion = miner->complete(question(), nullptr, CancelToken());

  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream) << completion.error().message;
  EXPECT_NE(completion.error().message.find("invalid HTTP response"), std::string::npos)
      << completion.error().message;
}

TEST(HttpMiner, UnknownHttpVersionIsUpstreamError) {
  RawReplyServer server("HTTP/7.5 200 OK\r\nContent-Length: 0\r\n\r\n");
  auto miner = miner_for(server.base_url());

  auto completion = miner->complete(question(), nullptr, CancelToken());

  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream) << completion.error().message;
}

}  // namespace
}  // namespace mom
