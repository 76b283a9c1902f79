#include "eval/progress.h"

#include <unistd.h>

#include <cstdio>

#include "eval/eval_log.h"

namespace mom {
namespace {

constexpr auto kTerminalInterval = std::chrono::milliseconds(200);
constexpr auto kLogInterval = std::chrono::seconds(10);
constexpr int kBarWidth = 24;

std::string format_duration(double seconds) {
  char buffer[32];
  int total = static_cast<int>(seconds + 0.5);
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%dh%02dm", total / 3600, total / 60 % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%dm%02ds", total / 60, total % 60);
  }
  return buffer;
}

}  // namespace

Progress::Progress(int total, int already_done, std::vector<std::string> systems)
    : total_(total),
      already_done_(already_done),
      systems_(std::move(systems)),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() { finish(); }

void Progress::question_done(const std::map<std::string, bool>& correct_by_system) {
  std::lock_guard lock(mutex_);
  ++done_;
  for (const auto& [system, correct] : correct_by_system) {
    correct_[system] += correct ? 1 : 0;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_print_ >= (terminal_ ? std::chrono::duration_cast<std::chrono::milliseconds>(kTerminalInterval)
                                      : std::chrono::duration_cast<std::chrono::milliseconds>(kLogInterval))) {
    last_print_ = now;
    print(false);
  }
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) {
    return;
  }
  finished_ = true;
  if (total_ > 0) {
    print(true);
  }
}

std::string Progress::status_line(bool with_bar) const {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0;
  std::string line;
  if (with_bar) {
    int filled = total_ == 0 ? kBarWidth : kBarWidth * done_ / total_;
    line += "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] ";
  }
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "%d/%d questions", done_ + already_done_, total_ + already_done_);
  line += buffer;
  for (const auto& system : systems_) {
    auto it = correct_.find(system);
    int correct = it == correct_.end() ? 0 : it->second;
    std::snprintf(buffer, sizeof buffer, " %s=%.0f%%", system.c_str(), done_ == 0 ? 0.0 : 100.0 * correct / done_);
    line += buffer;
  }
  std::snprintf(buffer, sizeof buffer, " %.2f q/s", rate);
  line += buffer;
  if (rate > 0 && done_ < total_) {
    line += " ETA " + format_duration((total_ - done_) / rate);
  } else {
    line += " elapsed " + format_duration(elapsed);
  }
  return line;
}

void Progress::print(bool final_line) {
  if (terminal_) {
    std::fprintf(stderr, "\r%s\033[K%s", status_line(true).c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    eval::logger()->info("eval progress {}", status_line(false));
  }
}

}  // namespace mom
