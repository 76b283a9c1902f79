// The instructions given with references to an aggregator or a later layer.
#pragma once

#include <string_view>

namespace mom {

// The built-in aggregation prompt, used when a mixture sets no
// aggregation_prompt. It tells the model that the numbered texts that follow
// are other models' answers to the latest user message, that some may be
// wrong or biased, and that it must write one answer of its own.
std::string_view default_aggregation_prompt();

}  // namespace mom
