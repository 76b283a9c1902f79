#include <nlohmann/json.hpp>

#include "mixture/mixture.h"

namespace mom {
namespace {

nlohmann::json usage_to_json(const Usage& usage) {
  return {
      {"prompt_tokens", usage.prompt_tokens},
      {"completion_tokens", usage.completion_tokens},
      {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
      {"cached_prompt_tokens", usage.cached_prompt_tokens},
  };
}

nlohmann::json call_to_json(const CallTrace& call) {
  nlohmann::json json = {
      {"miner", call.miner},
      {"layer", call.layer},
      {"status", call.status},
      {"latency_ms", call.latency_ms},
      {"first_token_ms", call.first_token_ms},
      {"usage", usage_to_json(call.usage)},
      {"text", call.text},
      {"used_as_reference", call.used_as_reference},
      {"reference_shortened", call.reference_shortened},
  };
  if (!call.error.empty()) {
    json["error"] = call.error;
  }
  return json;
}

}  // namespace

nlohmann::json trace_to_json(const Trace& trace) {
  nlohmann::json layers = nlohmann::json::array();
  for (const std::vector<CallTrace>& layer : trace.layers) {
    nlohmann::json calls = nlohmann::json::array();
    for (const CallTrace& call : layer) {
      calls.push_back(call_to_json(call));
    }
    layers.push_back(std::move(calls));
  }
  nlohmann::json aggregators = nlohmann::json::array();
  for (const CallTrace& call : trace.aggregators) {
    aggregators.push_back(call_to_json(call));
  }

  nlohmann::json json = {
      {"mixture", trace.mixture},
      {"strategy", trace.strategy},
      {"layers", std::move(layers)},
      {"aggregators", std::move(aggregators)},
      {"answered_with_best_proposal", trace.answered_with_best_proposal},
      {"usage", usage_to_json(trace.total_usage)},
      {"total_ms", trace.total_ms},
  };
  json["vote_label"] = trace.vote_label.has_value() ? nlohmann::json(*trace.vote_label) : nlohmann::json(nullptr);
  return json;
}

}  // namespace mom
