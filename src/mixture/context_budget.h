// Fitting references into the context of the model that reads them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/chat.h"
#include "core/miner.h"
#include "core/result.h"
#include "mixture/reference_layout.h"

namespace mom {

// Text put where a reference was cut.
inline constexpr std::string_view kShortenedMarker = "[... shortened to fit the context ...]";

// A laid-out prompt whose references fit the model's context.
struct FittedPrompt {
  std::vector<Message> messages;
  std::vector<bool> shortened;  // per reference, in the order given
  int prompt_tokens = 0;        // counted or estimated size of messages
};

// The token budget of one miner's context. Counts with Miner::count_tokens
// when the miner can, else estimates 1 token per 3 bytes (English text
// averages about 4 bytes per token, so the estimate errs high) and keeps a
// further 10% of the context free. The miner must outlive the budget.
// Thread-safe when the miner's count_tokens() is.
class ContextBudget {
 public:
  explicit ContextBudget(const Miner& miner);

  // Tokens in the context; 0 when unknown, and then nothing is ever cut.
  int context_tokens() const { return context_tokens_; }

  // True when counts come from the model's tokenizer rather than an estimate.
  bool exact() const { return exact_; }

  int count_tokens(std::string_view text) const;

  // Size of the messages including an allowance for chat-template tokens.
  int count_messages(const std::vector<Message>& messages) const;

  // Lays out conversation and references with layout so that the prompt
  // plus output_tokens fits the context. When the references do not fit,
  // each is shortened to a fair share of the space left (short references
  // stay whole and leave their unused share to the others), cut at a word
  // boundary and ended with kShortenedMarker. Fails with kContextExceeded,
  // naming the sizes, when not even a short part of each reference fits,
  // so that the model is never sent a prompt it would silently truncate.
  Result<FittedPrompt> fit(const ReferenceLayout& layout, const std::vector<Message>& conversation,
                           const std::vector<Reference>& references, int output_tokens) const;

 private:
  int limit_for(int output_tokens) const;
  std::vector<int> fair_shares(const std::vector<int>& sizes, int available) const;
  std::string shorten_to(const std::string& text, int size, int max_tokens) const;

  const Miner& miner_;
  int context_tokens_ = 0;
  bool exact_ = false;
};

}  // namespace mom
