// A minimal OpenAI-compatible chat-completions server that responds to every
// request with the same text after a per-model delay, so that a benchmark
// through mom times only mom's own overhead.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace mom::bench {

// One request as the server received it, for counting and timing upstream calls.
struct ServedRequest {
  std::string model;
  std::chrono::steady_clock::time_point received;
  std::chrono::steady_clock::time_point answered;
};

// Serves POST /v1/chat/completions (plain JSON, or SSE with "stream": true)
// and GET /v1/models on 127.0.0.1. Thread-safe, and requests run on a pool of
// worker_threads threads.
class FixedResponseServer {
 public:
  // delays_ms maps a request's "model" to the delay before the response;
  // other models get their response at once.
  FixedResponseServer(std::string answer, std::map<std::string, int> delays_ms, int worker_threads);
  ~FixedResponseServer();
  FixedResponseServer(const FixedResponseServer&) = delete;
  FixedResponseServer& operator=(const FixedResponseServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const;

  // Returns and clears the requests recorded so far, in arrival order.
  std::vector<ServedRequest> take_requests();

 private:
  std::string answer_;
  std::map<std::string, int> delays_ms_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<ServedRequest> requests_;
};

}  // namespace mom::bench
