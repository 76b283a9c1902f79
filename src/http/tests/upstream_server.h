// A misbehaving OpenAI-compatible upstream for tests: an in-process
// cpp-httplib server on 127.0.0.1 with handlers set by each test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace mom::http::testing {

class UpstreamServer {
 public:
  using Setup = std::function<void(httplib::Server& server, const std::atomic<bool>& stopping)>;

  // setup registers the handlers; handlers that never end on their own poll
  // stopping. threads is the server's worker count.
  explicit UpstreamServer(const Setup& setup, size_t threads = 8) {
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_keep_alive_max_count(1000);
    // The destructor waits for idle keep-alive connections to time out
    // (cpp-httplib 0.11), so the timeout is kept short.
    server_.set_keep_alive_timeout(1);
    setup(server_, stopping_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is ignored until the accept loop runs, so the destructor could
    // otherwise wait forever.
    while (!server_.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  ~UpstreamServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }

  UpstreamServer(const UpstreamServer&) = delete;
  UpstreamServer& operator=(const UpstreamServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  httplib::Server server_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens now: bound once, then released.
// Another process could take it before the caller does, which is unlikely on
// a test machine.
inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace mom::http::testing
