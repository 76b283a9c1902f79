// The OpenAI-compatible HTTP server behind `mom serve` and `mom miner`.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/cancel.h"
#include "core/result.h"
#include "server/chat_endpoint.h"
#include "server/metrics.h"
#include "server/model_catalog.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace mom {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                        // 0: the kernel picks a free port; see Server::port()
  std::string api_key;                    // when not empty, /v1/* needs "Authorization: Bearer <api_key>"
  size_t max_body_bytes = 4 * 1024 * 1024;
  // HTTP worker threads. Each streaming response occupies one for its whole
  // length, so the default allows many concurrent streams; 0 picks 128.
  int threads = 0;
  // How long shutdown() lets in-flight requests finish before cancelling them.
  std::chrono::milliseconds shutdown_grace{10000};
};

// Serves POST /v1/chat/completions, GET /v1/models, GET /health and
// GET /metrics. It listens first and loads its models in the background, so
// /health returns 503 until the catalog is ready.
//
// Thread-safety: start(), wait_until_loaded() and shutdown() are called by one
// owning thread. Requests run on the server's worker pool; each stream runs
// its miner on one extra thread.
class Server {
 public:
  using Loader = std::function<Result<std::unique_ptr<ModelCatalog>>()>;

  // loader runs once, on a background thread, after the socket is bound.
  Server(ServerOptions options, Loader loader);
  ~Server();  // calls shutdown()

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket and starts serving. Fails with kUnavailable when the
  // address cannot be bound. Does not block.
  Status start();

  // The bound port (useful with port 0). REQUIRES: start() succeeded.
  int port() const { return bound_port_; }

  // Blocks until the loader finished and returns its failure, if any.
  Status wait_until_loaded();

  bool ready() const { return ready_.load(); }

  // Stops accepting connections, lets in-flight requests run for
  // options.shutdown_grace, then cancels the rest and waits for them. Blocks.
  // Safe to call more than once.
  void shutdown();

 private:
  void add_routes();
  void load_catalog();
  // Returns the catalog, or nullptr while loading.
  std::shared_ptr<const ModelCatalog> catalog();
  // Returns true when the request may proceed; otherwise fills res with 401.
  bool authorized(const httplib::Request& req, httplib::Response& res) const;

  ServerOptions options_;
  Loader loader_;
  std::unique_ptr<httplib::Server> http_;
  Metrics metrics_;
  CancelToken shutdown_token_;  // parent of every request's token
  ChatEndpoint chat_;

  std::thread listen_thread_;
  std::thread load_thread_;
  int bound_port_ = 0;
  bool started_ = false;
  bool stopped_ = false;

  std::mutex load_mutex_;
  std::condition_variable loaded_;
  bool load_done_ = false;
  std::optional<Error> load_error_;
  std::shared_ptr<const ModelCatalog> catalog_;  // guarded by load_mutex_
  std::atomic<bool> ready_{false};
  std::atomic<bool> load_failed_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace mom
