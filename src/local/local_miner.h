// A miner backed by a shared local Engine, with its own sampling defaults and system prompt.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/miner.h"
#include "local/engine.h"

namespace mom::local {

// Renders requests into tokens and hands them to the engine. Thread-safe;
// several LocalMiners may share one Engine.
class LocalMiner : public Miner {
 public:
  LocalMiner(std::shared_ptr<Engine> engine, const MinerConfig& config);

  const MinerInfo& info() const override { return info_; }

  // Errors, besides the engine's: kInvalidRequest for a request with neither
  // prompt nor messages or with negative max_tokens or top_k.
  Result<Completion> complete(const Request& request, const TokenSink& on_token, const CancelToken& cancel) override;

  // Tokenizes each choice without BOS both as written and with a leading
  // space ("A" and " A"), and scores the spellings that are one token. A
  // choice with no one-token spelling is scored by its first token.
  Result<ChoiceScores> score_choices(const Request& request, const std::vector<std::string>& choices,
                                     const CancelToken& cancel) override;

  std::optional<int> count_tokens(std::string_view text) const override;

  // The prompt text the model reads for this request: Request::prompt as is,
  // or the messages (after adding the miner's system prompt) rendered with the
  // model's chat template or the plain-text format.
  Result<std::string> render_prompt(const Request& request) const;

  const std::shared_ptr<Engine>& engine() const { return engine_; }

 private:
  Result<std::vector<llama_token>> prompt_tokens(const Request& request) const;
  std::optional<Clock::time_point> deadline_of(const Request& request) const;

  std::shared_ptr<Engine> engine_;
  MinerInfo info_;
  Sampling defaults_;
  std::string system_prompt_;
  int timeout_ms_ = 0;
};

}  // namespace mom::local
