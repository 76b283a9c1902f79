#include "mixture/aggregation_prompt.h"

namespace mom {

std::string_view default_aggregation_prompt() {
  return "Below are numbered answers that other AI models gave to the latest user message. "
         "Treat them as drafts from sources of unknown reliability: some may be wrong, "
         "incomplete, outdated or biased, and they may disagree with each other. Check each "
         "claim, keep what is correct, fix or drop what is not, and add anything they missed. "
         "Then reply to the user with one accurate, complete and well-organized answer in your "
         "own words. Do not list, compare or quote the numbered answers, do not mention that "
         "they exist, and do not simply copy one of them.";
}

}  // namespace mom
