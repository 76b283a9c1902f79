#include "server/server.h"

#include <httplib.h>

#include "server/listen_backlog.h"
#include "server/logger.h"
#include "server/openai_codec.h"

namespace mom {
namespace {

constexpr int kDefaultThreads = 128;

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_error(httplib::Response& res, Error error, std::string code = "") {
  res.status = http_status(error.code);
  res.set_content(encode_error(ApiError{std::move(error), "", std::move(code)}), "application/json");
}

// Compares in time independent of where the strings differ, so response
// timing does not reveal how much of a guessed key was right.
bool equal_constant_time(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

}  // namespace

Server::Server(ServerOptions options, Loader loader)
    : options_(std::move(options)),
      loader_(std::move(loader)),
      http_(std::make_unique<httplib::Server>()),
      chat_(metrics_, shutdown_token_) {}

Server::~Server() { shutdown(); }

Status Server::start() {
  int threads = options_.threads > 0 ? options_.threads : kDefaultThreads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(options_.max_body_bytes);
  // Streams write one small chunk per token. With Nagle's algorithm a chunk
  // written while the previous one is unacknowledged waits for the ACK, which
  // delayed ACKs can hold back for tens of milliseconds, and it then leaves
  // together with the chunks queued behind it.
  http_->set_tcp_nodelay(true);
  // cpp-httplib closes a keep-alive connection after 5 requests by default;
  // clients that reuse connections (the OpenAI clients, mom's HTTP miner) then
  // pay a reconnect, and under load requests race the close.
  http_->set_keep_alive_max_count(10000);
  add_routes();

  ListenBacklog backlog(*http_);
  if (options_.port == 0) {
    bound_port_ = http_->bind_to_any_port(options_.host);
  } else {
    bound_port_ = http_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (bound_port_ <= 0) {
    return Error::unavailable("failed to listen on " + options_.host + ":" + std::to_string(options_.port) +
                              "; the port may be in use or the host not local, so pick another with --host/--port");
  }
  if (!backlog.widen()) {
    server_logger()->warn("could not widen the listen backlog; bursts of new connections may wait a second");
  }
  started_ = true;

  listen_thread_ = std::thread([this] { http_->listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop runs, so a shutdown()
  // right after start() must not overtake it.
  while (!http_->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_logger()->info("listening on http://{}:{}", options_.host, bound_port_);
  load_thread_ = std::thread([this] { load_catalog(); });
  return {};
}

void Server::load_catalog() {
  auto logger = server_logger();
  auto started = Clock::now();
  Result<std::unique_ptr<ModelCatalog>> catalog = loader_();
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();

  std::lock_guard lock(load_mutex_);
  if (catalog.ok()) {
    catalog_ = std::shared_ptr<const ModelCatalog>(std::move(catalog.value()));
    ready_ = true;
    logger->info("models loaded ms={:.0f} models={}", ms, catalog_->names().size());
  } else {
    load_error_ = catalog.error();
    load_failed_ = true;
    logger->error("loading models failed ms={:.0f} error={} message=\"{}\"", ms,
                  error_code_name(catalog.error().code), catalog.error().message);
  }
  load_done_ = true;
  loaded_.notify_all();
}

Status Server::wait_until_loaded() {
  std::unique_lock lock(load_mutex_);
  loaded_.wait(lock, [this] { return load_done_; });
  if (load_error_.has_value()) {
    return *load_error_;
  }
  return {};
}

std::shared_ptr<const ModelCatalog> Server::catalog() {
  std::lock_guard lock(load_mutex_);
  return catalog_;
}

bool Server::authorized(const httplib::Request& req, httplib::Response& res) const {
  if (options_.api_key.empty()) {
    return true;
  }
  std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (header.rfind(prefix, 0) == 0 && equal_constant_time(header.substr(prefix.size()), options_.api_key)) {
    return true;
  }
  server_logger()->info("rejected request path={} status=401 reason={}", req.path,
                        header.empty() ? "missing_api_key" : "invalid_api_key");
  Error error{ErrorCode::kUnauthorized,
              header.empty() ? "missing API key; send the header \"Authorization: Bearer <key>\""
                             : "invalid API key in the Authorization header"};
  send_error(res, error, "invalid_api_key");
  return false;
}

void Server::add_routes() {
  http_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    if (ready_) {
      res.set_content(R"({"status":"ok"})", "application/json");
    } else {
      res.status = 503;
      res.set_content(load_failed_ ? R"({"status":"failed"})" : R"({"status":"loading"})", "application/json");
    }
  });

  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4");
  });

  http_->Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) {
      return;
    }
    std::shared_ptr<const ModelCatalog> models = catalog();
    if (models == nullptr) {
      send_error(res, Error::unavailable("models are still loading; retry when GET /health returns 200"));
      return;
    }
    res.set_content(encode_model_list(models->names(), unix_seconds()), "application/json");
  });

  http_->Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) {
      return;
    }
    if (stopping_) {
      send_error(res, Error::unavailable("the server is shutting down"));
      return;
    }
    std::shared_ptr<const ModelCatalog> models = catalog();
    if (models == nullptr) {
      send_error(res, Error::unavailable("models are still loading; retry when GET /health returns 200"));
      return;
    }
    chat_.handle(req, res, std::move(models));
  });

  // httplib responds to a body over the limit (413) and an unknown path (404)
  // by itself, with an empty body. This handler adds an OpenAI error object.
  http_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) {
      return;
    }
    if (res.status == 413) {
      send_error(res, Error{ErrorCode::kPayloadTooLarge,
                            "the request body is larger than the limit of " + std::to_string(options_.max_body_bytes) +
                                " bytes; send a smaller body or raise [server] max_body_bytes"});
    } else if (res.status == 404) {
      send_error(res, Error::not_found("no route for " + req.method + " " + req.path));
    } else {
      int status = res.status;
      send_error(res, Error::invalid("the request failed with HTTP status " + std::to_string(status)));
      res.status = status;
    }
  });

  http_->set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    server_logger()->error("unhandled exception path={} message=\"{}\"", req.path, what);
    send_error(res, Error::internal("internal server error: " + what));
  });
}

void Server::shutdown() {
  if (!started_ || stopped_) {
    return;
  }
  stopped_ = true;
  auto logger = server_logger();
  logger->info("shutting down grace_ms={}", options_.shutdown_grace.count());

  stopping_ = true;
  http_->stop();
  if (!chat_.wait_idle(options_.shutdown_grace)) {
    logger->warn("cancelling requests still in flight after the grace period");
    shutdown_token_.cancel();
    chat_.wait_idle(std::chrono::hours(1));
  }
  listen_thread_.join();
  // NOTE: a model load in progress cannot be cancelled, so this waits for it.
  load_thread_.join();
  logger->info("stopped");
}

}  // namespace mom
