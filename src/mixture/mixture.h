// A Mixture-of-Miners: proposer layers, then an aggregator or a vote.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "aggregate/label.h"
#include "config/config.h"
#include "core/cancel.h"
#include "core/chat.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom {

class MinerRegistry;
class Scoreboard;
class Strategy;
class TimeSource;

// Outcome of one miner call in a mixture run.
struct CallTrace {
  std::string miner;
  int layer = 0;             // 1-based proposer layer; 0 for the aggregator
  std::string status;        // "ok", "error", "timeout", "cancelled", "truncated", "empty"
  std::string error;         // message when status is not "ok"
  double latency_ms = 0;
  double first_token_ms = 0;
  Usage usage;
  std::string text;          // the proposal or the aggregator's answer
  bool used_as_reference = false;
  bool reference_shortened = false;  // cut to fit the aggregator's context
};

struct Trace {
  std::string mixture;
  std::string strategy;
  std::vector<std::vector<CallTrace>> layers;   // per layer, per miner
  std::vector<CallTrace> aggregators;           // the aggregator, then the fallback if tried
  bool answered_with_best_proposal = false;     // every aggregator failed
  std::optional<std::string> vote_label;        // vote strategies: the winning label
  Usage total_usage;                            // sum over every call
  double total_ms = 0;
};

// The trace as JSON, for `mom ask --trace` and the server's trace extension.
nlohmann::json trace_to_json(const Trace& trace);

struct MixtureOutcome {
  Completion completion;  // the final answer; usage is the sum over all calls
  Trace trace;
};

// Settings of a mixture that do not come from its config: replacement parts
// for tests, and knobs for callers such as an evaluation.
struct MixtureOptions {
  // Source of every deadline and latency; null: the steady clock.
  std::shared_ptr<const TimeSource> time;
  // Measured accuracies for weighted votes, reliability notes and picking the
  // best proposal; null: loaded from MixtureConfig::weights_path when set.
  std::shared_ptr<const Scoreboard> scoreboard;
  // Vote strategy to use instead of make_strategy(config.strategy); ignored
  // for "synthesize".
  std::shared_ptr<const Strategy> strategy;
  // What a vote extracts from each proposal.
  LabelKind label_kind = LabelKind::kChoice;
  // How long a layer keeps waiting after its deadline while fewer than
  // quorum proposals succeeded; unset: deadline_ms once more.
  std::optional<std::chrono::milliseconds> quorum_grace;
};

// A configured mixture. Thread-safe: run() may be called concurrently.
class Mixture {
 public:
  virtual ~Mixture() = default;

  // Checks the config against the registry (every named miner exists, the
  // strategy is known, an aggregator is set when the strategy needs one).
  // The registry must outlive the mixture.
  static Result<std::unique_ptr<Mixture>> create(const MixtureConfig& config,
                                                 const MinerRegistry& registry);
  // Same, with parts replaced or tuned through options.
  static Result<std::unique_ptr<Mixture>> create(const MixtureConfig& config,
                                                 const MinerRegistry& registry,
                                                 MixtureOptions options);

  virtual const MixtureConfig& config() const = 0;

  // Runs the request through the mixture: every layer's miners in parallel,
  // then the aggregator, whose text streams to on_token. Fails with kUnavailable when
  // no proposal of a layer succeeds (the aggregator is then not called);
  // trace_out, when given, receives the trace in every case.
  //
  // Only "ok" proposals become references. When the aggregator fails, the
  // fallback aggregator is tried, then the best proposal is returned and
  // Trace::answered_with_best_proposal is set. The best proposal is the one
  // from the miner with the highest measured accuracy on the question's
  // subject (then its MMLU category, then overall), else the first in config
  // order. An aggregator that fails after streaming part of its answer is
  // not replaced, because the client already holds that part: the run fails
  // with kUpstream.
  //
  // Vote strategies extract a label from each "ok" proposal of the last
  // layer. When an aggregator is configured it is called too (not streamed)
  // and its label breaks ties. The answer is the aggregator's text when its
  // label won, else the text of the most accurate miner that gave the
  // winning label; it reaches on_token as one piece. The question's subject
  // comes from Request::question_id ("subject/row"), and its MMLU category
  // from mmlu_category_of(); weights fall back to overall accuracy for
  // other ids.
  //
  // Blocks; cancel stops every call and returns kCancelled.
  virtual Result<MixtureOutcome> run(const Request& request, const TokenSink& on_token,
                                     const CancelToken& cancel, Trace* trace_out = nullptr) = 0;

  // Same, but the first layer's proposals are given (already computed, for
  // example by an evaluation that also scores them as each miner's answer).
  // first_layer contains one CallTrace per miner of layer 1, in config order.
  virtual Result<MixtureOutcome> run_from_first_layer(const Request& request,
                                                      std::vector<CallTrace> first_layer,
                                                      const TokenSink& on_token,
                                                      const CancelToken& cancel,
                                                      Trace* trace_out = nullptr) = 0;

  // Builds the request the aggregator would be sent after the given first
  // layer (and any later layers, which are run), without calling the
  // aggregator: the conversation with the references in the aggregator's
  // context budget. Lets a caller score choices on the aggregation prompt
  // (Miner::score_choices) instead of generating. first_layer is as in
  // run_from_first_layer(). Fails with kInvalidRequest when the mixture has
  // no aggregator or the first layer has the wrong size, and with
  // kUnavailable when no proposal of a layer succeeded. Blocks while later
  // layers run; cancel stops them. This default fails with kInvalidRequest.
  virtual Result<Request> prepare_aggregator_request(const Request& request, std::vector<CallTrace> first_layer,
                                                     const CancelToken& cancel, Trace* trace_out = nullptr);
};

}  // namespace mom
