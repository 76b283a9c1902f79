// `mom ask`: one question to a mixture of a config, the answer streamed to stdout.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "config/config.h"
#include "miners/registry.h"
#include "mixture/mixture.h"

namespace mom::cli {
namespace {

// Exit statuses: an answer was printed, the mixture failed to answer, or the
// command line or config was invalid.
constexpr int kExitAnswered = 0;
constexpr int kExitFailed = 1;
constexpr int kExitInvalid = 2;

struct AskOptions {
  std::string config_path;
  std::string mixture;
  std::string trace_path;
  std::string question;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  bool show_proposals = false;
  bool verbose = false;
};

// Cancelled by Ctrl-C so that every miner call stops. CancelToken::cancel()
// is a lock-free atomic store, which a signal handler may perform.
CancelToken* interrupt_token = nullptr;

void on_interrupt(int /*signal*/) {
  if (interrupt_token != nullptr) {
    interrupt_token->cancel();
  }
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text;
}

Result<const MixtureConfig*> choose_mixture(const Config& config, const std::string& wanted) {
  std::vector<std::string> names;
  for (const auto& [name, mixture] : config.mixtures) {
    names.push_back(name);
  }
  if (!wanted.empty()) {
    auto found = config.mixtures.find(wanted);
    if (found == config.mixtures.end()) {
      return Error::not_found("mixture '" + wanted + "' is not in " + config.path.string() +
                              (names.empty() ? "; it defines no mixtures" : "; it defines: " + join(names)));
    }
    return &found->second;
  }
  if (names.empty()) {
    return Error::invalid(config.path.string() + " defines no mixtures; add a [mixtures.NAME] table");
  }
  if (names.size() > 1) {
    return Error::invalid(config.path.string() + " defines several mixtures (" + join(names) +
                          "); choose one with --mixture NAME");
  }
  return &config.mixtures.begin()->second;
}

// Creates only the miners the mixture names, so unrelated miners of the
// config are neither loaded nor able to fail this command.
Result<std::unique_ptr<MinerRegistry>> create_miners(const Config& config, const MixtureConfig& mixture) {
  std::set<std::string> names;
  for (const auto& layer : mixture.layers) {
    names.insert(layer.begin(), layer.end());
  }
  for (const std::string& name : {mixture.aggregator, mixture.fallback_aggregator}) {
    if (!name.empty()) {
      names.insert(name);
    }
  }

  auto registry = std::make_unique<MinerRegistry>();
  for (const std::string& name : names) {
    auto found = config.miners.find(name);
    if (found == config.miners.end()) {
      return Error::not_found("mixture '" + mixture.name + "' names miner '" + name + "', which " +
                              config.path.string() + " does not define");
    }
    Status added = registry->add_from_config(found->second);
    if (!added.ok()) {
      return added.error();
    }
  }
  return registry;
}

void print_proposals(const Trace& trace) {
  for (const auto& layer : trace.layers) {
    for (const CallTrace& call : layer) {
      std::fprintf(stderr, "--- proposal: layer %d, miner %s, %s, %.0f ms, %d prompt + %d completion tokens ---\n",
                   call.layer, call.miner.c_str(), call.status.c_str(), call.latency_ms, call.usage.prompt_tokens,
                   call.usage.completion_tokens);
      std::fprintf(stderr, "%s\n", call.status == "ok" ? call.text.c_str() : call.error.c_str());
    }
  }
  for (const CallTrace& call : trace.aggregators) {
    std::fprintf(stderr, "--- aggregator %s: %s, %.0f ms ---\n", call.miner.c_str(), call.status.c_str(),
                 call.latency_ms);
  }
  if (trace.answered_with_best_proposal) {
    std::fprintf(stderr, "--- every aggregator failed; the answer is the best proposal ---\n");
  }
}

bool write_trace(const Trace& trace, const std::string& path) {
  std::ofstream file(path);
  file << trace_to_json(trace).dump(2) << "\n";
  file.close();
  if (!file) {
    std::fprintf(stderr, "mom ask: failed to write the trace to '%s'; check that its folder exists and is writable\n",
                 path.c_str());
    return false;
  }
  return true;
}

int run_ask(const AskOptions& options) {
  setup_logging(options.verbose);

  auto config = load_config(options.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "mom ask: %s\n", config.error().message.c_str());
    return kExitInvalid;
  }
  auto mixture_config = choose_mixture(*config, options.mixture);
  if (!mixture_config.ok()) {
    std::fprintf(stderr, "mom ask: %s\n", mixture_config.error().message.c_str());
    return kExitInvalid;
  }
  auto registry = create_miners(*config, **mixture_config);
  if (!registry.ok()) {
    std::fprintf(stderr, "mom ask: %s\n", registry.error().message.c_str());
    return kExitInvalid;
  }
  auto mixture = Mixture::create(**mixture_config, **registry);
  if (!mixture.ok()) {
    std::fprintf(stderr, "mom ask: %s\n", mixture.error().message.c_str());
    return kExitInvalid;
  }

  Request request;
  request.id = "ask";
  request.messages.push_back({"user", options.question});
  request.sampling.max_tokens = options.max_tokens;
  request.sampling.temperature = options.temperature;

  CancelToken cancel;
  interrupt_token = &cancel;
  std::signal(SIGINT, on_interrupt);

  auto print_piece = [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  };
  Trace trace;
  auto outcome = (*mixture)->run(request, print_piece, cancel, &trace);
  std::signal(SIGINT, SIG_DFL);
  interrupt_token = nullptr;
  if (outcome.ok()) {
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

  if (options.show_proposals) {
    print_proposals(trace);
  }
  bool trace_written = options.trace_path.empty() || write_trace(trace, options.trace_path);
  if (!outcome.ok()) {
    std::fprintf(stderr, "mom ask: %s\n", outcome.error().message.c_str());
    return kExitFailed;
  }
  return trace_written ? kExitAnswered : kExitFailed;
}

}  // namespace

void add_ask_command(CLI::App& app, Commands& commands) {
  auto options = std::make_shared<AskOptions>();
  CLI::App* cmd = app.add_subcommand("ask", "Ask a mixture of a config one question and stream its answer");
  cmd->add_option("--config", options->config_path, "TOML config file with [miners.*] and [mixtures.*]")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--mixture", options->mixture, "Mixture to ask (default: the only one in the config)");
  cmd->add_option("--trace", options->trace_path,
                  "Write the trace (every proposal with status, timings and tokens) to this JSON file");
  cmd->add_option("--max-tokens", options->max_tokens,
                  "Maximum tokens per miner call (default: each miner's configured default)");
  cmd->add_option("--temperature", options->temperature,
                  "Sampling temperature for every call; 0 is greedy (default: each miner's default)");
  cmd->add_flag("--show-proposals", options->show_proposals,
                "Print each proposal, labelled with its miner and status, to stderr after the answer");
  cmd->add_flag("--verbose,-v", options->verbose, "Log debug detail to stderr");
  cmd->add_option("question", options->question, "The question, as one argument")->required();
  commands.push_back({cmd, [options] { return run_ask(*options); }});
}

}  // namespace mom::cli
