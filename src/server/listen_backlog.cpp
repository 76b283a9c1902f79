#include "server/listen_backlog.h"

#include <sys/socket.h>

namespace mom {

ListenBacklog::ListenBacklog(httplib::Server& server) {
  server.set_socket_options([socket = socket_](socket_t fd) {
    // SO_REUSEADDR lets a restarted server bind while old connections are in
    // TIME_WAIT. httplib's default is SO_REUSEPORT, which would also let a
    // second server bind a port that is in use and share its connections.
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    socket->store(fd);
  });
}

bool ListenBacklog::widen() const {
  const int fd = socket_->load();
  return fd >= 0 && ::listen(fd, SOMAXCONN) == 0;
}

}  // namespace mom
