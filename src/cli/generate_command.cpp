// `mom generate`: one completion from a local GGUF model, streamed to stdout.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "config/config.h"
#include "local/local_models.h"

namespace mom::cli {
namespace {

struct GenerateOptions {
  std::string model;
  std::string prompt;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<uint32_t> seed;
  std::optional<double> top_p;
  std::optional<int> top_k;
  int context_size = 0;
  int threads = 0;
  bool chat = false;
  bool verbose = false;
};

void print_speed(const Completion& completion) {
  const Usage& usage = completion.usage;
  const Timings& timings = completion.timings;
  // Generation time: from the end of prompt processing to the return.
  const double generation_ms = timings.total_ms - timings.queue_ms - timings.prompt_ms;
  const double prompt_speed = timings.prompt_ms > 0 ? 1000.0 * usage.prompt_tokens / timings.prompt_ms : 0;
  const double generation_speed = generation_ms > 0 ? 1000.0 * usage.completion_tokens / generation_ms : 0;
  std::fprintf(stderr,
               "\nprompt: %d tokens in %.1f ms (%.1f tokens/s)\n"
               "completion: %d tokens in %.1f ms (%.1f tokens/s), finish reason %s\n",
               usage.prompt_tokens, timings.prompt_ms, prompt_speed, usage.completion_tokens, generation_ms,
               generation_speed, finish_reason_name(completion.finish_reason));
}

int run_generate(const GenerateOptions& options) {
  setup_logging(false);

  MinerConfig config;
  config.name = "generate";
  config.model_path = options.model;
  config.parallel = 1;
  config.context_size = options.context_size;
  config.threads = options.threads;

  LocalModels models;
  auto miner = models.create_miner(config);
  if (!miner) {
    std::fprintf(stderr, "mom generate: %s\n", miner.error().message.c_str());
    return 1;
  }

  Request request;
  request.id = "generate";
  if (options.chat) {
    request.messages.push_back({"user", options.prompt});
  } else {
    request.prompt = options.prompt;
  }
  request.sampling.max_tokens = options.max_tokens;
  request.sampling.temperature = options.temperature;
  request.sampling.seed = options.seed;
  request.sampling.top_p = options.top_p;
  request.sampling.top_k = options.top_k;

  auto print_piece = [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  };
  auto completion = (*miner)->complete(request, print_piece, CancelToken());
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (!completion) {
    std::fprintf(stderr, "mom generate: %s\n", completion.error().message.c_str());
    return 1;
  }
  if (options.verbose) {
    print_speed(*completion);
  }
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app, Commands& commands) {
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate a completion with a local GGUF model");
  cmd->add_option("--model", options->model, "GGUF model file")->required();
  cmd->add_option("--max-tokens", options->max_tokens, "Maximum tokens to generate (default 256)");
  cmd->add_option("--temperature", options->temperature, "Sampling temperature; 0 is greedy (default 0.8)");
  cmd->add_option("--seed", options->seed, "Sampling seed (default: random)");
  cmd->add_option("--top-p", options->top_p, "Nucleus sampling probability mass in (0, 1] (default 0.95)");
  cmd->add_option("--top-k", options->top_k, "Sample from the K most likely tokens; 0 is off (default 40)");
  cmd->add_option("--context-size", options->context_size,
                  "Context size in tokens (default 2048, capped by the model's training context)");
  cmd->add_option("--threads", options->threads, "CPU threads (default: all cores)");
  cmd->add_flag("--chat", options->chat, "Apply the model's chat template to PROMPT as a user message");
  cmd->add_flag("--verbose", options->verbose, "Print token counts and speed to stderr");
  cmd->add_option("prompt", options->prompt, "Prompt text")->required();
  commands.push_back({cmd, [options] { return run_generate(*options); }});
}

}  // namespace mom::cli
