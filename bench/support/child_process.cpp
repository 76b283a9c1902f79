#include "support/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace mom::bench {
namespace {

std::vector<char*> to_c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> c_argv;
  for (const auto& arg : argv) {
    c_argv.push_back(const_cast<char*>(arg.c_str()));
  }
  c_argv.push_back(nullptr);
  return c_argv;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

// Replaces the calling (child) process; only async-signal-safe calls here.
[[noreturn]] void exec_in_child(std::vector<char*>& c_argv, int stdout_fd, int stderr_fd) {
  if (stdout_fd >= 0) {
    dup2(stdout_fd, STDOUT_FILENO);
  }
  if (stderr_fd >= 0) {
    dup2(stderr_fd, STDERR_FILENO);
  }
  setpgid(0, 0);
  execvp(c_argv[0], c_argv.data());
  const char message[] = "exec failed\n";
  (void)!write(STDERR_FILENO, message, sizeof(message) - 1);
  _exit(127);
}

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) {
      line += ' ';
    }
    const bool needs_quotes = arg.empty() || arg.find_first_of(" \t\"'$") != std::string::npos;
    line += needs_quotes ? "'" + arg + "'" : arg;
  }
  return line;
}

ChildResult run_child(const std::vector<std::string>& argv, const std::string& stderr_path) {
  char stdout_template[] = "/tmp/mom-bench-stdout-XXXXXX";
  const int stdout_fd = mkstemp(stdout_template);
  if (stdout_fd < 0) {
    throw std::runtime_error(std::string("cannot create a temporary file: ") + std::strerror(errno));
  }
  int stderr_fd = -1;
  if (!stderr_path.empty()) {
    stderr_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (stderr_fd < 0) {
      close(stdout_fd);
      unlink(stdout_template);
      throw std::runtime_error("cannot open " + stderr_path + ": " + std::strerror(errno));
    }
  }

  std::vector<char*> c_argv = to_c_argv(argv);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    exec_in_child(c_argv, stdout_fd, stderr_fd);
  }
  close(stdout_fd);
  if (stderr_fd >= 0) {
    close(stderr_fd);
  }
  if (pid < 0) {
    unlink(stdout_template);
    throw std::runtime_error("cannot start " + argv.at(0) + ": " + std::strerror(errno));
  }

  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  ChildResult result;
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exit_code = exit_code_of(status);
  result.max_rss_kib = usage.ru_maxrss;

  std::ifstream captured(stdout_template);
  result.output.assign(std::istreambuf_iterator<char>(captured), std::istreambuf_iterator<char>());
  unlink(stdout_template);
  return result;
}

BackgroundChild::BackgroundChild(const std::vector<std::string>& argv, const std::string& log_path) {
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  }
  std::vector<char*> c_argv = to_c_argv(argv);
  pid_ = fork();
  if (pid_ == 0) {
    exec_in_child(c_argv, log_fd, log_fd);
  }
  close(log_fd);
  if (pid_ < 0) {
    throw std::runtime_error("cannot start " + argv.at(0) + ": " + std::strerror(errno));
  }
}

BackgroundChild::~BackgroundChild() { stop(); }

bool BackgroundChild::running() {
  if (pid_ <= 0) {
    return false;
  }
  int status = 0;
  const pid_t waited = waitpid(pid_, &status, WNOHANG);
  if (waited == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

long BackgroundChild::peak_rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

void BackgroundChild::stop() {
  if (!running()) {
    return;
  }
  kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool wait_for_http(int port, const std::string& path, BackgroundChild& child, double timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child.running()) {
      return false;
    }
    if (auto response = client.Get(path.c_str()); response && response->status == 200) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("cannot open a socket: ") + std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error(std::string("cannot bind a loopback port: ") + std::strerror(errno));
  }
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

}  // namespace mom::bench
