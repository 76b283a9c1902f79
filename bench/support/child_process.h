// Child processes for benchmarks: programs run to completion with their wall
// time and peak memory, and servers kept running in the background.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mom::bench {

struct ChildResult {
  int exit_code = -1;        // exit status, or 128 + signal number when killed
  double wall_seconds = 0;
  long max_rss_kib = 0;      // peak resident set size of the child (ru_maxrss)
  std::string output;        // everything the child wrote to stdout
};

// Runs argv[0] (searched in PATH) with argv and waits for it. stdout is
// captured into the result; stderr goes to stderr_path (created or
// truncated), or is inherited when stderr_path is empty. Throws
// std::runtime_error when the program cannot be started.
ChildResult run_child(const std::vector<std::string>& argv, const std::string& stderr_path = "");

// A program running in the background, stopped (SIGTERM, then SIGKILL after
// five seconds) when this object is destroyed. Not thread-safe.
class BackgroundChild {
 public:
  // Starts argv with stdout and stderr appended to log_path. Throws
  // std::runtime_error when the program cannot be started.
  BackgroundChild(const std::vector<std::string>& argv, const std::string& log_path);
  ~BackgroundChild();
  BackgroundChild(const BackgroundChild&) = delete;
  BackgroundChild& operator=(const BackgroundChild&) = delete;

  pid_t pid() const { return pid_; }

  // True while the child has not exited.
  bool running();

  // Peak resident set size of the child so far, from /proc/PID/status
  // (VmHWM), or 0 when unavailable.
  long peak_rss_kib() const;

  // Stops the child now; later calls do nothing.
  void stop();

 private:
  pid_t pid_ = -1;
};

// Polls http://127.0.0.1:port + path until it returns HTTP 200, the child
// exits or timeout_seconds pass. Returns whether it returned 200.
bool wait_for_http(int port, const std::string& path, BackgroundChild& child, double timeout_seconds);

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int free_loopback_port();

// Joins argv into one shell-like line, for printing the command a result came from.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace mom::bench
