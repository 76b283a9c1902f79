#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>

namespace mom {

// cpp-httplib 0.11 listens with a backlog of 5, and Debian's build of it has
// that number compiled in. When many clients connect at once (64 in the
// gateway benchmark), the accept queue overflows and every dropped
// connection waits for its client to resend the SYN, about a second later.
//
// ListenBacklog records the listening socket httplib creates and calls
// listen() on it again with SOMAXCONN, which Linux applies to a socket that
// is already listening.
class ListenBacklog {
 public:
  // Installs socket options on `server` that record its listening socket and
  // set SO_REUSEADDR. Call it before bind_to_port or bind_to_any_port.
  explicit ListenBacklog(httplib::Server& server);

  // Widens the backlog after a successful bind. Returns false when no socket
  // was recorded or listen() fails, and the server then keeps httplib's
  // backlog.
  bool widen() const;

 private:
  std::shared_ptr<std::atomic<int>> socket_ = std::make_shared<std::atomic<int>>(-1);
};

}  // namespace mom
