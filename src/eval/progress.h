// Progress of a long evaluation on stderr.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mom {

// Counts finished questions and each system's correct answers. On a terminal
// it redraws one status line (bar, done/total, accuracy so far per system,
// rate, ETA) at most every 200 ms. Otherwise it logs the same line without
// the bar every 10 seconds at info level (logger "eval"), so it is hidden
// unless the program logs info. Thread-safe.
class Progress {
 public:
  // total counts the questions still to ask; already_done those resumed from
  // results.jsonl (shown, but not in the rate).
  Progress(int total, int already_done, std::vector<std::string> systems);
  ~Progress();

  // Records one finished question: which systems answered it correctly.
  void question_done(const std::map<std::string, bool>& correct_by_system);

  // Prints the final line (and ends the terminal line).
  void finish();

 private:
  std::string status_line(bool with_bar) const;
  void print(bool final_line);

  int total_;
  int already_done_;
  std::vector<std::string> systems_;
  bool terminal_;
  std::mutex mutex_;  // guards everything below
  int done_ = 0;
  std::map<std::string, int> correct_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  bool finished_ = false;
};

}  // namespace mom
