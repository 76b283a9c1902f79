#include "mixture/mixture.h"

#include <algorithm>

#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"
#include "miners/registry.h"
#include "mixture/layered_mixture.h"

namespace mom {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "(none)" : text;
}

Result<std::shared_ptr<Miner>> find_miner(const MixtureConfig& config, const MinerRegistry& registry,
                                          const std::string& name, const std::string& where) {
  std::shared_ptr<Miner> miner = registry.find(name);
  if (miner == nullptr) {
    return Error::not_found("mixture '" + config.name + "' names unknown miner '" + name + "' in " + where +
                            "; known miners: " + join_names(registry.names()));
  }
  return miner;
}

Status check_numbers(const MixtureConfig& config) {
  if (config.layers.empty()) {
    return Error::invalid("mixture '" + config.name + "' has no layers; set layers = [[\"miner\", ...]]");
  }
  size_t smallest = config.layers.front().size();
  for (size_t i = 0; i < config.layers.size(); ++i) {
    if (config.layers[i].empty()) {
      return Error::invalid("mixture '" + config.name + "': layer " + std::to_string(i + 1) +
                            " has no miners; name at least one");
    }
    smallest = std::min(smallest, config.layers[i].size());
  }
  if (config.quorum < 1 || static_cast<size_t>(config.quorum) > smallest) {
    return Error::invalid("mixture '" + config.name + "': quorum " + std::to_string(config.quorum) +
                          " is invalid; set it between 1 and " + std::to_string(smallest) +
                          ", the number of miners in the smallest layer");
  }
  if (config.deadline_ms < 0) {
    return Error::invalid("mixture '" + config.name + "': deadline_ms " + std::to_string(config.deadline_ms) +
                          " is negative; use 0 to wait for every miner");
  }
  return {};
}

Status resolve_miners(const MixtureConfig& config, const MinerRegistry& registry, MixtureParts& parts) {
  for (size_t i = 0; i < config.layers.size(); ++i) {
    std::vector<std::shared_ptr<Miner>> layer;
    for (const std::string& name : config.layers[i]) {
      auto miner = find_miner(config, registry, name, "layer " + std::to_string(i + 1));
      if (!miner.ok()) {
        return miner.error();
      }
      layer.push_back(std::move(*miner));
    }
    parts.layers.push_back(std::move(layer));
  }
  if (!config.aggregator.empty()) {
    auto miner = find_miner(config, registry, config.aggregator, "aggregator");
    if (!miner.ok()) {
      return miner.error();
    }
    parts.aggregator = std::move(*miner);
  }
  if (!config.fallback_aggregator.empty()) {
    auto miner = find_miner(config, registry, config.fallback_aggregator, "fallback_aggregator");
    if (!miner.ok()) {
      return miner.error();
    }
    parts.fallback_aggregator = std::move(*miner);
  }
  return {};
}

Status resolve_scoreboard(const MixtureConfig& config, MixtureParts& parts) {
  if (parts.scoreboard == nullptr && !config.weights_path.empty()) {
    Result<Scoreboard> loaded = Scoreboard::load(config.weights_path);
    if (!loaded.ok()) {
      Error error = loaded.error();
      error.message = "mixture '" + config.name + "': weights_path '" + config.weights_path.string() +
                      "': " + error.message;
      return error;
    }
    parts.scoreboard = std::make_shared<const Scoreboard>(std::move(*loaded));
  }
  if (config.show_reliability && parts.scoreboard == nullptr) {
    return Error::invalid("mixture '" + config.name +
                          "': show_reliability needs measured accuracies; set weights_path to a scoreboard file");
  }
  return {};
}

Status resolve_strategy(const MixtureConfig& config, MixtureParts& parts) {
  if (config.strategy == "synthesize") {
    parts.strategy = nullptr;
    if (parts.aggregator == nullptr) {
      return Error::invalid("mixture '" + config.name + "': strategy \"synthesize\" needs an aggregator; "
                            "set aggregator = \"miner\" or choose strategy \"vote\"");
    }
    return {};
  }
  if (parts.strategy != nullptr) {
    return {};
  }
  Result<std::unique_ptr<Strategy>> made = make_strategy(config.strategy, parts.scoreboard.get());
  if (!made.ok()) {
    Error error = made.error();
    error.message = "mixture '" + config.name + "': " + error.message + "; known strategies: synthesize, " +
                    join_names(strategy_names());
    return error;
  }
  parts.strategy = std::move(*made);
  return {};
}

}  // namespace

Result<Request> Mixture::prepare_aggregator_request(const Request&, std::vector<CallTrace>, const CancelToken&,
                                                    Trace*) {
  return Error::invalid("mixture '" + config().name + "' cannot prepare an aggregator request");
}

Result<std::unique_ptr<Mixture>> Mixture::create(const MixtureConfig& config, const MinerRegistry& registry) {
  return create(config, registry, MixtureOptions{});
}

Result<std::unique_ptr<Mixture>> Mixture::create(const MixtureConfig& config, const MinerRegistry& registry,
                                                 MixtureOptions options) {
  MixtureParts parts;
  parts.config = config;
  parts.time = options.time != nullptr ? options.time : steady_time_source();
  parts.scoreboard = std::move(options.scoreboard);
  parts.strategy = std::move(options.strategy);
  parts.label_kind = options.label_kind;
  parts.quorum_grace = options.quorum_grace.value_or(std::chrono::milliseconds(config.deadline_ms));

  std::optional<ReferencePlacement> placement = parse_reference_placement(config.references);
  if (!placement.has_value()) {
    return Error::invalid("mixture '" + config.name + "': references \"" + config.references +
                          "\" is invalid; use \"system\" or \"user\"");
  }
  parts.placement = *placement;

  Status numbers = check_numbers(config);
  if (!numbers.ok()) {
    return numbers.error();
  }
  Status miners = resolve_miners(config, registry, parts);
  if (!miners.ok()) {
    return miners.error();
  }
  Status scoreboard = resolve_scoreboard(config, parts);
  if (!scoreboard.ok()) {
    return scoreboard.error();
  }
  Status strategy = resolve_strategy(config, parts);
  if (!strategy.ok()) {
    return strategy.error();
  }
  return std::unique_ptr<Mixture>(std::make_unique<LayeredMixture>(std::move(parts)));
}

}  // namespace mom
