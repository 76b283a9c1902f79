#include "mixture/context_budget.h"

#include <algorithm>
#include <numeric>

namespace mom {
namespace {

constexpr int kBytesPerEstimatedToken = 3;
// Chat templates add role markers and separators around each message; 8
// tokens covers the templates of Llama 2/3, ChatML and Gemma.
constexpr int kTemplateTokensPerMessage = 8;
constexpr int kFixedMarginTokens = 16;
constexpr double kEstimateMarginFraction = 0.10;
// A reference cut below this many tokens carries too little to be useful, so
// the prompt is rejected instead.
constexpr int kMinReferenceTokens = 32;
// Each retry shrinks the space for references by this factor when the laid
// out prompt still counts over the limit (token counts are not additive).
constexpr double kRetryShrink = 0.9;
constexpr int kMaxFitAttempts = 4;

size_t utf8_boundary_at_or_before(const std::string& text, size_t pos) {
  pos = std::min(pos, text.size());
  while (pos > 0 && pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) {
    --pos;
  }
  return pos;
}

// Moves a cut back to the last whitespace when one is near, so no word is split.
size_t word_boundary_before(const std::string& text, size_t pos) {
  size_t floor = pos - pos / 5;
  for (size_t i = pos; i > floor; --i) {
    if (text[i - 1] == ' ' || text[i - 1] == '\n' || text[i - 1] == '\t') {
      return i - 1;
    }
  }
  return pos;
}

}  // namespace

ContextBudget::ContextBudget(const Miner& miner)
    : miner_(miner),
      context_tokens_(std::max(0, miner.info().context_size)),
      exact_(miner.count_tokens("a").has_value()) {}

int ContextBudget::count_tokens(std::string_view text) const {
  if (exact_) {
    std::optional<int> counted = miner_.count_tokens(text);
    if (counted.has_value()) {
      return *counted;
    }
  }
  return static_cast<int>((text.size() + kBytesPerEstimatedToken - 1) / kBytesPerEstimatedToken);
}

int ContextBudget::count_messages(const std::vector<Message>& messages) const {
  int total = 0;
  for (const Message& message : messages) {
    total += count_tokens(message.content) + kTemplateTokensPerMessage;
  }
  return total;
}

int ContextBudget::limit_for(int output_tokens) const {
  int margin = kFixedMarginTokens;
  if (!exact_) {
    margin += static_cast<int>(context_tokens_ * kEstimateMarginFraction);
  }
  return context_tokens_ - output_tokens - margin;
}

std::vector<int> ContextBudget::fair_shares(const std::vector<int>& sizes, int available) const {
  std::vector<size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sizes[a] < sizes[b]; });

  // Water-filling: visit references from the shortest, give each the smaller
  // of its size and an equal split of what is left.
  std::vector<int> shares(sizes.size());
  int remaining = available;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    int share = remaining / static_cast<int>(order.size() - rank);
    int given = std::min(sizes[order[rank]], share);
    shares[order[rank]] = given;
    remaining -= given;
  }
  return shares;
}

std::string ContextBudget::shorten_to(const std::string& text, int size, int max_tokens) const {
  int marker_tokens = count_tokens(kShortenedMarker) + 1;
  int text_tokens = std::max(1, max_tokens - marker_tokens);
  size_t cut = text.size() * static_cast<size_t>(text_tokens) / static_cast<size_t>(std::max(1, size));
  while (true) {
    cut = word_boundary_before(text, utf8_boundary_at_or_before(text, cut));
    std::string kept = text.substr(0, cut);
    if (cut == 0 || count_tokens(kept) <= text_tokens) {
      return kept + "\n" + std::string(kShortenedMarker);
    }
    cut = cut * 9 / 10;
  }
}

Result<FittedPrompt> ContextBudget::fit(const ReferenceLayout& layout,
                                        const std::vector<Message>& conversation,
                                        const std::vector<Reference>& references,
                                        int output_tokens) const {
  FittedPrompt prompt;
  prompt.messages = layout.build(conversation, references);
  prompt.shortened.assign(references.size(), false);
  prompt.prompt_tokens = count_messages(prompt.messages);
  int limit = limit_for(output_tokens);
  if (context_tokens_ == 0 || prompt.prompt_tokens <= limit) {
    return prompt;
  }

  // The space for reference texts is what the prompt takes without them.
  std::vector<Reference> skeleton = references;
  for (Reference& reference : skeleton) {
    reference.text = std::string(kShortenedMarker);
  }
  int fixed = count_messages(layout.build(conversation, skeleton));
  int available = limit - fixed;
  int needed = kMinReferenceTokens * static_cast<int>(references.size());
  if (available < needed) {
    return Error{ErrorCode::kContextExceeded,
                 "the references do not fit a context of " + std::to_string(context_tokens_) +
                     " tokens: the conversation and instructions take about " + std::to_string(fixed) +
                     " tokens, the answer needs " + std::to_string(output_tokens) + ", and " +
                     std::to_string(references.size()) + " references need at least " +
                     std::to_string(needed) + "; shorten the conversation or lower max_tokens"};
  }

  std::vector<int> sizes;
  for (const Reference& reference : references) {
    sizes.push_back(count_tokens(reference.text));
  }
  for (int attempt = 0; attempt < kMaxFitAttempts; ++attempt) {
    std::vector<int> shares = fair_shares(sizes, available);
    std::vector<Reference> fitted = references;
    for (size_t i = 0; i < fitted.size(); ++i) {
      prompt.shortened[i] = shares[i] < sizes[i];
      if (prompt.shortened[i]) {
        fitted[i].text = shorten_to(references[i].text, sizes[i], shares[i]);
      }
    }
    prompt.messages = layout.build(conversation, fitted);
    prompt.prompt_tokens = count_messages(prompt.messages);
    if (prompt.prompt_tokens <= limit) {
      return prompt;
    }
    available = static_cast<int>(available * kRetryShrink);
  }
  return Error{ErrorCode::kContextExceeded,
               "the shortened references still count " + std::to_string(prompt.prompt_tokens) +
                   " tokens, over the limit of " + std::to_string(limit) + " for a context of " +
                   std::to_string(context_tokens_) + " tokens"};
}

}  // namespace mom
