#include "local/local_miner.h"

#include <spdlog/fmt/fmt.h>

#include "local/chat_prompt.h"

namespace mom::local {
namespace {

// Request fields win over the miner's defaults, which win over the engine's.
Result<GenerationParams> resolve_sampling(const Sampling& request, const Sampling& defaults) {
  GenerationParams params;
  auto pick = [](const auto& primary, const auto& fallback, auto engine_default) {
    return primary ? *primary : (fallback ? *fallback : engine_default);
  };
  params.temperature = static_cast<float>(pick(request.temperature, defaults.temperature, 0.8));
  params.top_p = static_cast<float>(pick(request.top_p, defaults.top_p, 0.95));
  params.top_k = pick(request.top_k, defaults.top_k, 40);
  params.seed = pick(request.seed, defaults.seed, static_cast<uint32_t>(LLAMA_DEFAULT_SEED));
  params.max_tokens = pick(request.max_tokens, defaults.max_tokens, 256);
  params.stop = request.stop.empty() ? defaults.stop : request.stop;
  params.ignore_eos = request.ignore_eos || defaults.ignore_eos;

  if (params.max_tokens < 0) {
    return Error::invalid(fmt::format("max_tokens must be 0 or more, got {}", params.max_tokens));
  }
  if (params.top_k < 0) {
    return Error::invalid(fmt::format("top_k must be 0 (off) or more, got {}", params.top_k));
  }
  if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) {
    return Error::invalid(fmt::format("top_p must be in (0, 1], got {}", params.top_p));
  }
  return params;
}

}  // namespace

LocalMiner::LocalMiner(std::shared_ptr<Engine> engine, const MinerConfig& config)
    : engine_(std::move(engine)),
      defaults_(config.defaults),
      system_prompt_(config.system_prompt),
      timeout_ms_(config.timeout_ms) {
  info_.name = config.name;
  info_.kind = "local";
  info_.model = engine_->path().string();
  info_.context_size = engine_->context_size();
  info_.chat_template = !engine_->chat_template().empty();
  info_.logprobs = true;
  info_.max_output_tokens = config.defaults.max_tokens.value_or(0);
}

Result<std::string> LocalMiner::render_prompt(const Request& request) const {
  if (request.prompt) {
    return *request.prompt;
  }
  if (request.messages.empty()) {
    return Error::invalid("the request has neither a prompt nor messages");
  }
  const std::vector<Message> messages = with_system_prompt(request.messages, system_prompt_);
  if (engine_->chat_template().empty()) {
    return render_plain_chat(messages);
  }
  return apply_chat_template(engine_->chat_template(), messages);
}

Result<std::vector<llama_token>> LocalMiner::prompt_tokens(const Request& request) const {
  auto text = render_prompt(request);
  if (!text) {
    return text.error();
  }
  // Special-token text counts as tokens only where the chat template wrote it.
  const bool templated = !request.prompt && !engine_->chat_template().empty();
  return engine_->tokenize(*text, true, templated);
}

std::optional<Clock::time_point> LocalMiner::deadline_of(const Request& request) const {
  std::optional<Clock::time_point> deadline = request.deadline;
  if (timeout_ms_ > 0) {
    const auto limit = Clock::now() + std::chrono::milliseconds(timeout_ms_);
    deadline = deadline ? std::min(*deadline, limit) : limit;
  }
  return deadline;
}

Result<Completion> LocalMiner::complete(const Request& request, const TokenSink& on_token,
                                        const CancelToken& cancel) {
  const auto deadline = deadline_of(request);
  auto params = resolve_sampling(request.sampling, defaults_);
  if (!params) {
    return params.error();
  }
  auto tokens = prompt_tokens(request);
  if (!tokens) {
    return tokens.error();
  }
  auto completion = engine_->generate(std::move(tokens.value()), *params, on_token, cancel, deadline);
  if (completion) {
    completion->model = info_.model;
  }
  return completion;
}

Result<ChoiceScores> LocalMiner::score_choices(const Request& request, const std::vector<std::string>& choices,
                                               const CancelToken& cancel) {
  const auto deadline = deadline_of(request);
  auto tokens = prompt_tokens(request);
  if (!tokens) {
    return tokens.error();
  }

  std::vector<std::vector<llama_token>> candidates;
  candidates.reserve(choices.size());
  for (const std::string& choice : choices) {
    std::vector<llama_token> singles;
    std::vector<llama_token> first_tokens;
    for (const std::string& spelling : {choice, " " + choice}) {
      const auto pieces = engine_->tokenize(spelling, false, false);
      if (pieces.size() == 1) {
        singles.push_back(pieces[0]);
      } else if (!pieces.empty()) {
        first_tokens.push_back(pieces[0]);
      }
    }
    candidates.push_back(singles.empty() ? first_tokens : singles);
  }
  return engine_->score(std::move(tokens.value()), std::move(candidates), cancel, deadline);
}

std::optional<int> LocalMiner::count_tokens(std::string_view text) const {
  return static_cast<int>(engine_->tokenize(text, false, false).size());
}

}  // namespace mom::local
