// Fanning one proposer layer out to its miners and collecting the proposals.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "core/cancel.h"
#include "core/chat.h"
#include "core/miner.h"
#include "core/result.h"
#include "mixture/mixture.h"
#include "mixture/time_source.h"

namespace mom {

// One miner call of a layer. A call whose prompt could not be built carries
// the error instead of being sent.
struct LayerCall {
  std::shared_ptr<Miner> miner;
  Result<Request> request = Error::internal("no request built");
};

// The waiting rules of a layer.
struct LayerRules {
  int layer = 1;   // 1-based, for the traces
  int quorum = 1;  // successful proposals that let the deadline cut the layer
  // The layer's deadline after its start; zero waits for every miner.
  std::chrono::milliseconds deadline{0};
  // How long the layer keeps waiting after the deadline while fewer than
  // quorum proposals succeeded. Then it ends with what it has.
  std::chrono::milliseconds quorum_grace{0};
};

// Classifies a finished call: "ok", "truncated" (finish_reason length),
// "empty" (only whitespace), or the error's "timeout", "cancelled", "error".
CallTrace classify_call(const Result<Completion>& result);

// Runs the calls of one layer in parallel, one thread per call, each with a
// child of the caller's CancelToken and the layer's hard deadline (deadline
// plus quorum_grace) in its Request. Thread-safe and stateless between runs.
class LayerRunner {
 public:
  explicit LayerRunner(std::shared_ptr<const TimeSource> time);

  // Blocks until every call has returned, or the deadline has passed and at
  // least quorum calls succeeded, or the grace after the deadline has passed
  // too, or cancel is cancelled. Calls still running then are cancelled and
  // traced as "timeout" (or "cancelled" when cancel fired). Their threads
  // get up to 200 ms to return, then finish in the background, and their
  // late answers are dropped. Returns one CallTrace per call, in the order
  // given.
  std::vector<CallTrace> run(std::vector<LayerCall> calls, const LayerRules& rules,
                             const CancelToken& cancel) const;

 private:
  std::shared_ptr<const TimeSource> time_;
};

}  // namespace mom
