// Asking one MMLU question to a first-layer miner or to the mixture, and
// scoring the answer as a results.jsonl record.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/miner.h"
#include "core/result.h"
#include "eval/failure_counter.h"
#include "eval/mmlu_dataset.h"
#include "eval/prompt_builder.h"
#include "eval/results_log.h"
#include "mixture/mixture.h"

namespace mom {

class MinerRegistry;

// Prompt format, scoring and sampling of one first-layer miner.
struct MinerPlan {
  std::string name;
  std::shared_ptr<Miner> miner;
  PromptFormat format = PromptFormat::kCompletion;
  bool logprob = false;
  Sampling sampling;
  std::once_flag fallback_warning;  // logprob unsupported: warn once, then generate
  std::atomic<bool> generate_instead{false};
  FailureCounter* failures = nullptr;
};

// How the mixture's answer is obtained. With a logprob aggregator under the
// "synthesize" strategy, the aggregator scores the letters after the
// aggregation prompt instead of writing an answer, because base models write
// stories rather than "Answer: X".
struct AggregatorPlan {
  std::shared_ptr<Miner> miner;  // null unless logprob scoring is used
  PromptFormat format = PromptFormat::kChat;
  std::once_flag fallback_warning;
  std::atomic<bool> generate_instead{false};
  FailureCounter* failures = nullptr;
};

// Plans every miner of the mixture's first layer: prompt format (the config's
// prompt_format, else chat when the model has a chat template), scoring and
// greedy sampling unless the config sets a temperature. Fails with
// kInvalidRequest on an invalid prompt_format or scoring, and with kNotFound
// when the registry lacks a miner.
Result<std::vector<std::unique_ptr<MinerPlan>>> plan_miners(const Config& config, const MixtureConfig& mixture,
                                                            const MinerRegistry& registry);

// Plans the mixture's aggregator. AggregatorPlan::miner stays null (the
// mixture generates) unless the aggregator has scoring = "logprob" and the
// strategy is "synthesize".
Result<std::unique_ptr<AggregatorPlan>> plan_aggregator(const Config& config, const MixtureConfig& mixture,
                                                        const MinerRegistry& registry);

// The request a first-layer miner gets for the question, in its prompt format.
Request miner_request(const MinerPlan& plan, const PromptBuilder& builder, const MmluQuestion& question);

// Asks the miner (scoring letters or generating, as planned) and returns its
// record. A failed call or a std::exception from the engine is recorded as
// an error instead of raised, so that one question cannot end a long run.
ResultRecord ask_miner(MinerPlan& plan, const Request& request, const MmluQuestion& question);

// The first-layer proposal that a miner's record stands for in the mixture.
CallTrace trace_from_record(const ResultRecord& record);

// Runs the mixture from the given first layer and returns its record. A
// vote's label is taken as is, and a written answer goes through the extractor.
ResultRecord ask_mixture(Mixture& mixture, const Request& request, std::vector<CallTrace> first_layer,
                         const MmluQuestion& question, FailureCounter& failures);

// Scores the letters on the aggregation prompt (see AggregatorPlan). Returns
// nullopt, after one warning, when the aggregator cannot score. The caller
// then generates with ask_mixture().
std::optional<ResultRecord> score_mixture(Mixture& mixture, AggregatorPlan& plan, const Request& request,
                                          std::vector<CallTrace> first_layer, const MmluQuestion& question);

}  // namespace mom
