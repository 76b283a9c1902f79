#include "aggregate/strategy.h"

namespace mom {

// TODO: placeholder until the strategies are written.
std::vector<std::string> strategy_names() {
  return {};
}

Result<std::unique_ptr<Strategy>> make_strategy(const std::string& name, const Scoreboard* weights) {
  return Error::invalid("unknown aggregation strategy '" + name + "'");
}

}  // namespace mom
