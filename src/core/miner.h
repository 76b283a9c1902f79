// The Miner interface: anything that answers a chat request.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.h"
#include "core/chat.h"
#include "core/result.h"

namespace mom {

// Receives generated text piece by piece, on the miner's worker thread. It
// must return quickly and must not call back into the miner.
using TokenSink = std::function<void(std::string_view piece)>;

struct MinerInfo {
  std::string name;        // configured name, unique in a config
  std::string kind;        // "local", "http", "replay", "scripted"
  std::string model;       // GGUF path or upstream model name
  int context_size = 0;    // tokens; 0 when unknown
  bool chat_template = true;  // false: the model has no chat template (plain-text fallback)
  bool logprobs = false;   // score_choices() is supported
  int max_output_tokens = 0;  // configured max_tokens default; 0 when unset
};

// A miner answers requests. Implementations are thread-safe: complete() may
// be called from many threads at once, and concurrent calls to one local
// model are decoded together.
class Miner {
 public:
  virtual ~Miner() = default;

  virtual const MinerInfo& info() const = 0;

  // Generates an answer. Blocks until the answer is complete, the call fails,
  // cancel is cancelled (kCancelled) or request.deadline passes (kTimeout).
  // on_token, when set, receives each piece as it is generated; the returned
  // Completion holds the whole text either way.
  virtual Result<Completion> complete(const Request& request, const TokenSink& on_token,
                                      const CancelToken& cancel) = 0;

  // Returns the log-probability of each choice (for example "A".."D") as the
  // next token after the request's prompt or rendered messages. Miners that
  // cannot do this return kInvalidRequest; callers fall back to complete().
  virtual Result<ChoiceScores> score_choices(const Request& request,
                                             const std::vector<std::string>& choices,
                                             const CancelToken& cancel);

  // Number of tokens the text takes for this miner's model, or nullopt when
  // unknown (callers then estimate).
  virtual std::optional<int> count_tokens(std::string_view text) const;
};

}  // namespace mom
