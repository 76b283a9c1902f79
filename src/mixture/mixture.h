// A Mixture-of-Miners: proposer layers, then an aggregator or a vote.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.h"
#include "core/cancel.h"
#include "core/chat.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom {

class MinerRegistry;

// How one miner call of a mixture run ended.
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

// A configured mixture. Thread-safe: run() may be called concurrently.
class Mixture {
 public:
  virtual ~Mixture() = default;

  // Checks the config against the registry (every named miner exists, the
  // strategy is known, an aggregator is set when the strategy needs one).
  // The registry must outlive the mixture.
  static Result<std::unique_ptr<Mixture>> create(const MixtureConfig& config,
                                                 const MinerRegistry& registry);

  virtual const MixtureConfig& config() const = 0;

  // Answers the request: every layer's miners in parallel, then the
  // aggregator, whose text streams to on_token. Fails with kUnavailable when
  // no proposal of a layer succeeds (the aggregator is then not called);
  // trace_out, when given, receives the trace in every case.
  virtual Result<MixtureOutcome> run(const Request& request, const TokenSink& on_token,
                                     const CancelToken& cancel, Trace* trace_out = nullptr) = 0;

  // Same, but the first layer's proposals are given (already computed, for
  // example by an evaluation that also scores them as each miner's answer).
  // first_layer holds one CallTrace per miner of layer 1, in config order.
  virtual Result<MixtureOutcome> run_from_first_layer(const Request& request,
                                                      std::vector<CallTrace> first_layer,
                                                      const TokenSink& on_token,
                                                      const CancelToken& cancel,
                                                      Trace* trace_out = nullptr) = 0;
};

}  // namespace mom
