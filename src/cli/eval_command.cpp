// `mom eval mmlu` and `mom extract`.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aggregate/label.h"
#include "cli/commands.h"
#include "eval/mmlu_eval.h"

namespace mom::cli {
namespace {

std::atomic<bool> g_stop_requested{false};

// First Ctrl-C: stop taking new questions and write the report. A second
// Ctrl-C uses the default action and ends the process at once; results.jsonl
// stays resumable either way.
void handle_interrupt(int) {
  g_stop_requested.store(true);
  std::signal(SIGINT, SIG_DFL);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    if (!item.empty()) {
      items.push_back(item);
    }
  }
  return items;
}

struct EvalArgs {
  std::string config;
  std::string mixture;
  std::string data;
  std::string split = "test";
  std::string subjects;
  int limit = 0;
  int shots = 0;
  int parallel = 4;
  std::string out = "out/mmlu";
  bool force = false;
  bool skip_invalid = false;
  std::string strategies;
  int folds = 5;
  bool verbose = false;
};

// The MMLU folder used when neither --data nor MOM_MMLU_DIR is set: data/mmlu
// under the shared folder compiled in at build time (MOM_SHARED_DIR), when it
// has a test/ folder. Empty when the build has none.
std::filesystem::path default_mmlu_dir() {
#ifdef MOM_SHARED_DIR
  return (std::filesystem::path(MOM_SHARED_DIR) / "data" / "mmlu").lexically_normal();
#else
  return {};
#endif
}

std::string default_mmlu_dir_text() {
  std::filesystem::path dir = default_mmlu_dir();
  return dir.empty() ? std::string("no default in this build") : dir.string() + " when it exists";
}

int run_eval(const EvalArgs& args) {
  setup_logging(args.verbose);

  std::optional<std::filesystem::path> data_option;
  if (!args.data.empty()) {
    data_option = args.data;
  }
  auto data_dir = resolve_mmlu_dir(data_option, default_mmlu_dir());
  if (!data_dir.ok()) {
    std::fprintf(stderr, "mom eval mmlu: %s\n", data_dir.error().message.c_str());
    return 2;
  }

  MmluEvalOptions options;
  options.config_path = args.config;
  options.mixture = args.mixture;
  options.data_dir = *data_dir;
  options.selection.split = args.split;
  options.selection.subjects = split_list(args.subjects);
  options.selection.limit = args.limit;
  options.selection.shots = args.shots;
  options.selection.skip_invalid = args.skip_invalid;
  options.parallel = args.parallel;
  options.out_dir = args.out;
  options.force = args.force;
  options.strategies = split_list(args.strategies);
  options.folds = args.folds;
  options.stop = &g_stop_requested;

  std::signal(SIGINT, handle_interrupt);
  auto outcome = run_mmlu_eval(options);
  std::signal(SIGINT, SIG_DFL);
  if (!outcome.ok()) {
    std::fprintf(stderr, "mom eval mmlu: %s\n", outcome.error().message.c_str());
    return 2;
  }

  const Summary& summary = outcome->summary;
  std::printf("%-24s %9s %9s %9s\n", "system", "accuracy", "correct", "total");
  for (const SystemSummary& system : summary.systems) {
    std::printf("%-24s %8.1f%% %9d %9d\n", system.name.c_str(), 100 * system.overall.accuracy(),
                system.overall.correct, system.overall.total);
  }
  if (outcome->stopped) {
    std::printf("stopped early: rerun the same command to finish (answers so far are kept)\n");
  }
  std::printf("report: %s\n", outcome->report_path.string().c_str());
  return outcome->stopped ? 130 : 0;
}

int run_extract(const std::string& choices_path, const std::string& kind_name) {
  auto kind = parse_label_kind(kind_name);
  if (!kind) {
    std::fprintf(stderr, "mom extract: invalid --kind '%s': use choice, number or yes-no\n", kind_name.c_str());
    return 2;
  }
  std::vector<std::string> choices;
  if (!choices_path.empty()) {
    std::ifstream in(choices_path);
    if (!in) {
      std::fprintf(stderr, "mom extract: cannot read choices file %s\n", choices_path.c_str());
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (!line.empty()) {
        choices.push_back(line);
      }
    }
  }
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto label = extract_label(text, *kind, choices);
  if (!label) {
    std::fprintf(stderr, "unparsed: no answer label found in the input\n");
    return 1;
  }
  std::printf("%s\n", label->c_str());
  return 0;
}

}  // namespace

void add_eval_commands(CLI::App& app, Commands& commands) {
  auto* eval = app.add_subcommand("eval", "Evaluate miners and a mixture on a benchmark");
  eval->require_subcommand(1);

  auto args = std::make_shared<EvalArgs>();
  auto* mmlu = eval->add_subcommand(
      "mmlu", "Score each first-layer miner alone and the mixture on MMLU, on the same proposals");
  mmlu->add_option("--config", args->config, "mom TOML config file")->required()->check(CLI::ExistingFile);
  mmlu->add_option("--mixture", args->mixture, "Mixture to evaluate (default: the config's only mixture)");
  mmlu->add_option("--data", args->data,
                   "MMLU folder holding dev/, val/ and test/ (default: $MOM_MMLU_DIR, else " +
                       default_mmlu_dir_text() + ")");
  mmlu->add_option("--split", args->split, "Split to evaluate: test or val")
      ->check(CLI::IsMember({"test", "val"}));
  mmlu->add_option("--subjects", args->subjects, "Comma-separated subjects (default: all 57)");
  mmlu->add_option("--limit", args->limit, "Questions per subject, first rows first; 0 for all")
      ->check(CLI::NonNegativeNumber);
  mmlu->add_option("--shots", args->shots, "Solved dev examples before each question, 0 to 5")
      ->check(CLI::Range(0, 5));
  mmlu->add_option("--parallel", args->parallel, "Questions in flight at once")->check(CLI::PositiveNumber);
  mmlu->add_option("--out", args->out, "Output folder for results.jsonl and the report")->capture_default_str();
  mmlu->add_flag("--force", args->force, "Continue in an output folder made with other settings");
  mmlu->add_flag("--skip-invalid", args->skip_invalid, "Skip malformed CSV rows and count them in the report");
  mmlu->add_option("--strategies", args->strategies,
                   "Comma-separated label strategies scored as extra systems on the miners' answers");
  mmlu->add_option("--folds", args->folds, "Cross-fitting folds for strategies that learn from answers")
      ->check(CLI::Range(2, 100));
  mmlu->add_flag("-v,--verbose", args->verbose, "Log debug detail");
  commands.push_back({mmlu, [args] { return run_eval(*args); }});

  auto choices = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>("choice");
  auto* extract = app.add_subcommand(
      "extract", "Read a model answer on stdin and print the extracted label (exit status 1 when none)");
  extract->add_option("--choices", *choices, "File with one option text per line, in letter order");
  extract->add_option("--kind", *kind, "Label kind: choice, number or yes-no")->capture_default_str();
  commands.push_back({extract, [choices, kind] { return run_extract(*choices, *kind); }});
}

}  // namespace mom::cli
