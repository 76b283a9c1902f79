// A Miner that returns scripted text, for driving the server in tests.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/miner.h"

namespace mom::testing {

// Emits pieces one by one with a delay between them, then returns their
// concatenation, or the scripted error. Records what it was asked and whether
// it saw its CancelToken cancelled.
class ScriptedMiner : public Miner {
 public:
  ScriptedMiner(std::string name, std::vector<std::string> pieces,
                std::chrono::milliseconds delay = std::chrono::milliseconds(0))
      : pieces_(std::move(pieces)), delay_(delay) {
    info_.name = std::move(name);
    info_.kind = "scripted";
    info_.model = "scripted";
  }

  const MinerInfo& info() const override { return info_; }

  Result<Completion> complete(const Request& request, const TokenSink& on_token,
                              const CancelToken& cancel) override {
    calls_++;
    last_request_ = request;
    if (error_.has_value()) {
      const auto fail_at = Clock::now() + error_after_;
      while (Clock::now() < fail_at && !cancel.cancelled()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return *error_;
    }
    if (throws_) {
      throw std::runtime_error("scripted miner threw");
    }
    Completion completion;
    for (const std::string& piece : pieces_) {
      if (delay_.count() > 0) {
        std::this_thread::sleep_for(delay_);
      }
      if (cancel.cancelled()) {
        saw_cancel_ = true;
        return Error::cancelled("scripted miner cancelled");
      }
      if (on_token) {
        on_token(piece);
      }
      last_piece_at_ = Clock::now().time_since_epoch().count();
      completion.text += piece;
    }
    completion.usage.prompt_tokens = 7;
    completion.usage.completion_tokens = static_cast<int>(pieces_.size());
    completion.model = info_.name;
    return completion;
  }

  // Makes complete() return error, after waiting `after` (cut short by cancellation).
  void fail_with(Error error, std::chrono::milliseconds after = std::chrono::milliseconds(0)) {
    error_ = std::move(error);
    error_after_ = after;
  }
  // Makes complete() throw, as a buggy miner implementation would.
  void throw_on_call() { throws_ = true; }
  bool saw_cancel() const { return saw_cancel_; }
  int calls() const { return calls_; }
  const Request& last_request() const { return last_request_; }
  // When the last piece of the latest call went to the TokenSink.
  Clock::time_point last_piece_at() const { return Clock::time_point(Clock::duration(last_piece_at_.load())); }

 private:
  MinerInfo info_;
  std::vector<std::string> pieces_;
  std::chrono::milliseconds delay_;
  std::optional<Error> error_;
  std::chrono::milliseconds error_after_{0};
  bool throws_ = false;
  std::atomic<bool> saw_cancel_{false};
  std::atomic<int> calls_{0};
  std::atomic<Clock::rep> last_piece_at_{0};
  Request last_request_;
};

}  // namespace mom::testing
