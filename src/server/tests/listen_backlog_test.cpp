#include "server/listen_backlog.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

namespace mom {
namespace {

// Starts a non-blocking TCP connect to 127.0.0.1:port and returns the socket.
int start_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  EXPECT_TRUE(rc == 0 || errno == EINPROGRESS) << "connect failed: errno " << errno;
  return fd;
}

// Counts the sockets whose connect completed within `limit`.
int count_connected(const std::vector<int>& sockets, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<bool> done(sockets.size(), false);
  int connected = 0;
  while (connected < static_cast<int>(sockets.size()) && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> waiting;
    std::vector<size_t> index;
    for (size_t i = 0; i < sockets.size(); ++i) {
      if (!done[i]) {
        waiting.push_back(pollfd{sockets[i], POLLOUT, 0});
        index.push_back(i);
      }
    }
    ::poll(waiting.data(), waiting.size(), 50);
    for (size_t k = 0; k < waiting.size(); ++k) {
      if ((waiting[k].revents & POLLOUT) != 0) {
        int error = 0;
        socklen_t length = sizeof(error);
        ::getsockopt(waiting[k].fd, SOL_SOCKET, SO_ERROR, &error, &length);
        EXPECT_EQ(error, 0);
        done[index[k]] = true;
        ++connected;
      }
    }
  }
  return connected;
}

// Nothing accepts here, so every connection the kernel completes waits in
// the accept queue. With httplib's own backlog of 5 about six of them fit, and
// the rest would stay unanswered until something accepts.
TEST(ListenBacklog, QueuesBurstWithoutAccept) {
  httplib::Server server;
  ListenBacklog backlog(server);
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  ASSERT_TRUE(backlog.widen());

  constexpr int kConnections = 64;
  std::vector<int> sockets;
  for (int i = 0; i < kConnections; ++i) {
    sockets.push_back(start_connect(port));
  }
  EXPECT_EQ(count_connected(sockets, std::chrono::seconds(5)), kConnections);
  for (int fd : sockets) {
    ::close(fd);
  }
}

// SO_REUSEADDR instead of httplib's SO_REUSEPORT: a second server cannot
// bind the port of a running server and take half its connections.
TEST(ListenBacklog, SamePortBindFails) {
  httplib::Server first;
  ListenBacklog first_backlog(first);
  const int port = first.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);

  httplib::Server second;
  ListenBacklog second_backlog(second);
  EXPECT_FALSE(second.bind_to_port("127.0.0.1", port));
}

TEST(ListenBacklog, WidenBeforeBindFails) {
  httplib::Server server;
  ListenBacklog backlog(server);
  EXPECT_FALSE(backlog.widen());
}

}  // namespace
}  // namespace mom
