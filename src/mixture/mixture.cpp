#include "mixture/mixture.h"

#include <nlohmann/json.hpp>

namespace mom {

// TODO: placeholder until the mixture is written.
nlohmann::json trace_to_json(const Trace& trace) {
  return nlohmann::json::object();
}

Result<std::unique_ptr<Mixture>> Mixture::create(const MixtureConfig& config,
                                                 const MinerRegistry& registry) {
  return Error::internal("mixtures are not built yet");
}

}  // namespace mom
