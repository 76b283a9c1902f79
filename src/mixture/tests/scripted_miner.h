// A Miner for unit tests that returns scripted answers and records requests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/miner.h"
#include "mixture/time_source.h"

namespace mom::testing {

// How a ScriptedMiner answers every call.
struct Script {
  std::string text = "scripted answer";
  std::optional<Error> error;                  // returned instead of an answer
  FinishReason finish_reason = FinishReason::kStop;
  std::chrono::milliseconds delay{0};          // in the time source's time, before answering
  Usage usage{10, 5, 0};
};

// Answers with its Script after its delay, unless the call is cancelled
// (kCancelled) or its request deadline passes first (kTimeout). Streams the
// text in word pieces to on_token. Thread-safe.
class ScriptedMiner final : public Miner {
 public:
  ScriptedMiner(std::string name, Script script,
                std::shared_ptr<const TimeSource> time = steady_time_source(), int context_size = 0)
      : script_(std::move(script)), time_(std::move(time)) {
    info_.name = std::move(name);
    info_.kind = "scripted";
    info_.model = "scripted";
    info_.context_size = context_size;
  }

  const MinerInfo& info() const override { return info_; }

  // Makes count_tokens() count with this function instead of returning nullopt.
  void set_token_counter(std::function<int(std::string_view)> counter) { counter_ = std::move(counter); }

  std::optional<int> count_tokens(std::string_view text) const override {
    if (!counter_) {
      return std::nullopt;
    }
    return counter_(text);
  }

  Result<Completion> complete(const Request& request, const TokenSink& on_token,
                              const CancelToken& cancel) override {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    Clock::time_point start = time_->now();
    Clock::time_point answer_at = start + script_.delay;
    Clock::time_point deadline = request.deadline.value_or(Clock::time_point::max());

    {
      std::unique_lock lock(mutex_);
      time_->wait_until(wakeup_, lock, std::min(answer_at, deadline), [&] { return cancel.cancelled(); });
    }
    if (cancel.cancelled()) {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      return Error::cancelled("scripted miner cancelled");
    }
    if (time_->now() < answer_at) {
      return Error::timeout("scripted miner passed its request deadline");
    }
    if (script_.error.has_value()) {
      return *script_.error;
    }

    if (on_token) {
      size_t begin = 0;
      while (begin < script_.text.size()) {
        size_t end = script_.text.find(' ', begin + 1);
        end = end == std::string::npos ? script_.text.size() : end;
        on_token(std::string_view(script_.text).substr(begin, end - begin));
        begin = end;
      }
    }
    Completion completion;
    completion.text = script_.text;
    completion.finish_reason = script_.finish_reason;
    completion.usage = script_.usage;
    completion.timings.first_token_ms = 1;
    completion.timings.total_ms = std::chrono::duration<double, std::milli>(time_->now() - start).count();
    completion.model = info_.name;
    return completion;
  }

  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  size_t call_count() const { return requests().size(); }

  bool was_cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

  // The whole text of the last request's messages, for "contains" checks.
  std::string last_prompt() const {
    std::lock_guard lock(mutex_);
    std::string text;
    if (requests_.empty()) {
      return text;
    }
    for (const Message& message : requests_.back().messages) {
      text += message.role + ": " + message.content + "\n";
    }
    return text;
  }

 private:
  MinerInfo info_;
  Script script_;
  std::shared_ptr<const TimeSource> time_;
  std::function<int(std::string_view)> counter_;
  mutable std::mutex mutex_;
  std::condition_variable wakeup_;
  std::vector<Request> requests_;
  bool cancelled_ = false;
};

}  // namespace mom::testing
