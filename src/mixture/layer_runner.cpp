#include "mixture/layer_runner.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace mom {
namespace {

// How long a layer waits for its cancelled calls to return before it ends.
constexpr std::chrono::milliseconds kStragglerExitWait{200};

bool is_blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

double elapsed_ms(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

// State shared by the calling thread and the call threads. Owned jointly, so
// a straggler that outlives the layer still writes into live memory.
struct LayerState {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<CallTrace>> results;
  int finished = 0;
  int succeeded = 0;
};

void run_call(std::shared_ptr<LayerState> state, size_t index, std::shared_ptr<Miner> miner,
              Request request, CancelToken token, std::shared_ptr<const TimeSource> time, int layer) {
  Clock::time_point start = time->now();
  Result<Completion> result = Error::internal("the call did not run");
  try {
    result = miner->complete(request, nullptr, token);
  } catch (const std::exception& e) {
    result = Error::internal(std::string("miner threw an exception: ") + e.what());
  }

  CallTrace trace = classify_call(result);
  trace.miner = miner->info().name;
  trace.layer = layer;
  if (result.ok()) {
    trace.latency_ms = result->timings.total_ms;
  }
  if (trace.latency_ms <= 0) {
    trace.latency_ms = elapsed_ms(start, time->now());
  }

  std::lock_guard lock(state->mutex);
  if (trace.status == "ok") {
    ++state->succeeded;
  }
  ++state->finished;
  state->results[index] = std::move(trace);
  state->changed.notify_all();
}

}  // namespace

CallTrace classify_call(const Result<Completion>& result) {
  CallTrace trace;
  if (!result.ok()) {
    const Error& error = result.error();
    if (error.code == ErrorCode::kTimeout) {
      trace.status = "timeout";
    } else if (error.code == ErrorCode::kCancelled) {
      trace.status = "cancelled";
    } else {
      trace.status = "error";
    }
    trace.error = std::string(error_code_name(error.code)) + ": " + error.message;
    return trace;
  }

  const Completion& completion = result.value();
  trace.text = completion.text;
  trace.usage = completion.usage;
  trace.first_token_ms = completion.timings.first_token_ms;
  trace.latency_ms = completion.timings.total_ms;
  if (completion.finish_reason == FinishReason::kLength) {
    trace.status = "truncated";
    trace.error = "the answer reached max_tokens before it ended";
  } else if (is_blank(completion.text)) {
    trace.status = "empty";
    trace.error = "the answer is empty";
  } else {
    trace.status = "ok";
  }
  return trace;
}

LayerRunner::LayerRunner(std::shared_ptr<const TimeSource> time) : time_(std::move(time)) {}

std::vector<CallTrace> LayerRunner::run(std::vector<LayerCall> calls, const LayerRules& rules,
                                        const CancelToken& cancel) const {
  Clock::time_point start = time_->now();
  bool has_deadline = rules.deadline.count() > 0;
  Clock::time_point deadline = has_deadline ? start + rules.deadline : Clock::time_point::max();
  Clock::time_point hard_deadline = has_deadline ? deadline + rules.quorum_grace : Clock::time_point::max();

  auto state = std::make_shared<LayerState>();
  state->results.resize(calls.size());
  std::vector<CancelToken> tokens;
  for (size_t i = 0; i < calls.size(); ++i) {
    tokens.push_back(cancel.child());
    if (!calls[i].request.ok()) {
      CallTrace trace;
      trace.miner = calls[i].miner->info().name;
      trace.layer = rules.layer;
      trace.status = "error";
      const Error& error = calls[i].request.error();
      trace.error = std::string(error_code_name(error.code)) + ": " + error.message;
      state->results[i] = std::move(trace);
      ++state->finished;
      continue;
    }
    Request request = std::move(calls[i].request.value());
    if (has_deadline && (!request.deadline.has_value() || *request.deadline > hard_deadline)) {
      request.deadline = hard_deadline;
    }
    std::thread(run_call, state, i, calls[i].miner, std::move(request), tokens[i], time_, rules.layer)
        .detach();
  }

  int total = static_cast<int>(calls.size());
  std::unique_lock lock(state->mutex);
  auto all_done = [&] { return state->finished == total || cancel.cancelled(); };
  time_->wait_until(state->changed, lock, deadline, all_done);
  if (!all_done() && state->succeeded < rules.quorum) {
    time_->wait_until(state->changed, lock, hard_deadline,
                      [&] { return all_done() || state->succeeded >= rules.quorum; });
  }

  double waited_ms = elapsed_ms(start, time_->now());
  std::vector<bool> cut(calls.size(), false);
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!state->results[i].has_value()) {
      cut[i] = true;
      tokens[i].cancel();
    }
  }
  // Give cancelled calls a moment to return, so that their threads rarely
  // outlive the caller's miners. Calls that ignore cancellation are left.
  time_->wait_until(state->changed, lock, time_->now() + kStragglerExitWait,
                    [&] { return state->finished == total; });

  std::vector<CallTrace> traces;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!cut[i]) {
      traces.push_back(*state->results[i]);
      continue;
    }
    CallTrace trace;
    trace.miner = calls[i].miner->info().name;
    trace.layer = rules.layer;
    trace.latency_ms = waited_ms;
    if (cancel.cancelled()) {
      trace.status = "cancelled";
      trace.error = "cancelled: the request was cancelled";
    } else {
      trace.status = "timeout";
      trace.error = "timeout: no answer within the layer deadline of " +
                    std::to_string(rules.deadline.count()) + " ms; the call was cancelled";
    }
    traces.push_back(std::move(trace));
  }
  return traces;
}

}  // namespace mom
