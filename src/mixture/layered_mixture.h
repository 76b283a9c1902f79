// The Mixture implementation: proposer layers, then an aggregator or a vote.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aggregate/label.h"
#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"
#include "mixture/layer_runner.h"
#include "mixture/mixture.h"
#include "mixture/reference_layout.h"
#include "mixture/time_source.h"

namespace mom {

// The parts of a mixture after Mixture::create() checked its config.
struct MixtureParts {
  MixtureConfig config;
  std::vector<std::vector<std::shared_ptr<Miner>>> layers;
  std::shared_ptr<Miner> aggregator;            // null when a vote needs none
  std::shared_ptr<Miner> fallback_aggregator;   // may be null
  ReferencePlacement placement = ReferencePlacement::kSystem;
  std::shared_ptr<const Strategy> strategy;     // null for "synthesize"
  std::shared_ptr<const Scoreboard> scoreboard; // may be null
  std::shared_ptr<const TimeSource> time;
  LabelKind label_kind = LabelKind::kChoice;
  std::chrono::milliseconds quorum_grace{0};
};

// A mixture built from checked parts. Immutable after construction, so run()
// may be called from many threads at once.
class LayeredMixture final : public Mixture {
 public:
  explicit LayeredMixture(MixtureParts parts);

  const MixtureConfig& config() const override { return parts_.config; }

  Result<MixtureOutcome> run(const Request& request, const TokenSink& on_token,
                             const CancelToken& cancel, Trace* trace_out) override;

  Result<MixtureOutcome> run_from_first_layer(const Request& request, std::vector<CallTrace> first_layer,
                                              const TokenSink& on_token, const CancelToken& cancel,
                                              Trace* trace_out) override;

  Result<Request> prepare_aggregator_request(const Request& request, std::vector<CallTrace> first_layer,
                                             const CancelToken& cancel, Trace* trace_out) override;

 private:
  struct RunState;

  Status check_first_layer(std::vector<CallTrace>& first_layer) const;
  void start(RunState& state) const;

  Result<MixtureOutcome> execute(const Request& request, std::optional<std::vector<CallTrace>> first_layer,
                                 const TokenSink& on_token, const CancelToken& cancel, Trace* trace_out);
  Status run_layers(RunState& state, std::optional<std::vector<CallTrace>> first_layer);
  Result<MixtureOutcome> answer(RunState& state, const TokenSink& on_token);
  void log_summary(const RunState& state, const Result<MixtureOutcome>& result) const;

  std::vector<CallTrace> run_layer(RunState& state, size_t layer_index);
  std::vector<Reference> references_from_last_layer(const RunState& state) const;
  Result<Request> request_with_references(RunState& state, const Miner& miner);

  // Tries the aggregator, then the fallback. Returns nullopt when both
  // failed, and an error when the run must stop (cancelled, or a failure
  // after part of the answer was streamed).
  Result<std::optional<Completion>> call_aggregators(RunState& state, const TokenSink& on_token);
  Result<MixtureOutcome> synthesize(RunState& state, const TokenSink& on_token);
  Result<MixtureOutcome> vote(RunState& state, const TokenSink& on_token);
  Result<MixtureOutcome> answer_with_best_proposal(RunState& state, const TokenSink& on_token);

  const CallTrace* best_proposal(const RunState& state, const std::optional<std::string>& label) const;
  // The miner's measured accuracy on the subject, else its category, else
  // overall; nullopt without a scoreboard entry.
  std::optional<double> measured_accuracy(const std::string& miner, const std::string& subject,
                                          const std::string& category) const;
  std::string reliability_note(const std::string& miner, const std::string& subject,
                               const std::string& category) const;
  MixtureOutcome outcome_from(RunState& state, Completion completion) const;

  MixtureParts parts_;
  ReferenceLayout layout_;
  LayerRunner runner_;
};

}  // namespace mom
