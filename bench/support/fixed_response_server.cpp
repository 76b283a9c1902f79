#include "support/fixed_response_server.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "server/listen_backlog.h"

namespace mom::bench {
namespace {

nlohmann::json usage_json() {
  return {{"prompt_tokens", 10}, {"completion_tokens", 3}, {"total_tokens", 13}};
}

std::string completion_body(const std::string& model, const std::string& answer) {
  const nlohmann::json body = {
      {"id", "chatcmpl-fixed"},
      {"object", "chat.completion"},
      {"created", 0},
      {"model", model},
      {"choices",
       {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", answer}}}, {"finish_reason", "stop"}}}},
      {"usage", usage_json()}};
  return body.dump();
}

std::string stream_body(const std::string& model, const std::string& answer) {
  const nlohmann::json delta = {
      {"id", "chatcmpl-fixed"},
      {"object", "chat.completion.chunk"},
      {"created", 0},
      {"model", model},
      {"choices", {{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", answer}}}, {"finish_reason", nullptr}}}}};
  nlohmann::json finish = delta;
  finish["choices"][0]["delta"] = nlohmann::json::object();
  finish["choices"][0]["finish_reason"] = "stop";
  nlohmann::json usage = delta;
  usage["choices"] = nlohmann::json::array();
  usage["usage"] = usage_json();
  return "data: " + delta.dump() + "\n\ndata: " + finish.dump() + "\n\ndata: " + usage.dump() +
         "\n\ndata: [DONE]\n\n";
}

}  // namespace

FixedResponseServer::FixedResponseServer(std::string answer, std::map<std::string, int> delays_ms,
                                         int worker_threads)
    : answer_(std::move(answer)), delays_ms_(std::move(delays_ms)), server_(std::make_unique<httplib::Server>()) {
  // Persistent connections and no Nagle delay, so that the direct latency
  // is the loopback round trip alone and clients reconnect only once.
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1000000);
  server_->set_keep_alive_timeout(60);
  server_->new_task_queue = [worker_threads] { return new httplib::ThreadPool(static_cast<size_t>(worker_threads)); };

  server_->Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"object":"list","data":[]})", "application/json");
  });
  server_->Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    ServedRequest served;
    served.received = std::chrono::steady_clock::now();
    const nlohmann::json request = nlohmann::json::parse(req.body, nullptr, false);
    if (!request.is_object()) {
      res.status = 400;
      res.set_content(R"({"error":{"message":"invalid JSON body","type":"invalid_request_error"}})",
                      "application/json");
      return;
    }
    served.model = request.value("model", "");
    if (const auto delay = delays_ms_.find(served.model); delay != delays_ms_.end() && delay->second > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay->second));
    }
    if (request.value("stream", false)) {
      res.set_content(stream_body(served.model, answer_), "text/event-stream");
    } else {
      res.set_content(completion_body(served.model, answer_), "application/json");
    }
    served.answered = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(served));
  });

  mom::ListenBacklog backlog(*server_);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) {
    throw std::runtime_error("cannot bind the fixed-response server to a loopback port");
  }
  backlog.widen();
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // The socket is bound already, so early connections wait in its backlog.
  while (!server_->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FixedResponseServer::~FixedResponseServer() {
  server_->stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::string FixedResponseServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

std::vector<ServedRequest> FixedResponseServer::take_requests() {
  std::lock_guard lock(mutex_);
  std::vector<ServedRequest> taken;
  taken.swap(requests_);
  return taken;
}

}  // namespace mom::bench
