// Embedded evaluation against its compute limit and against llama-server.
//
// Runs `mom eval mmlu` (5-shot, logprob scoring, 20 questions from each of 10
// subjects by default) with the model loaded in-process, then the same
// evaluation with the model served by llama-server at several slot counts and
// called through mom's HTTP miner. The compute limit is the number of prompt
// tokens that must be computed at least once (each subject's shared few-shot
// prefix once, plus each question's own tokens) divided by llama-bench's
// prompt-processing rate on the same model and threads.
//
//   bench_eval --model ~/.cache/mom/bench-models/qwen2.5-0.5b-q8_0.gguf --threads 2

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>

#include "mmlu/prompt_tokens.h"
#include "support/child_process.h"
#include "support/llama_bench.h"
#include "support/run_header.h"
#include "support/stats.h"

namespace fs = std::filesystem;
using mom::bench::Summary;

namespace {

struct Options {
  std::string mom = MOM_BINARY;
  std::string model;
  int threads = 2;
  fs::path data_dir = fs::path(MOM_SHARED_DIR) / "data" / "mmlu";
  std::vector<std::string> subjects = {
      "abstract_algebra", "anatomy",           "astronomy",         "business_ethics",
      "clinical_knowledge", "college_biology", "college_chemistry", "college_computer_science",
      "college_mathematics", "college_medicine"};
  int limit = 20;
  int shots = 5;
  std::string prompt_format = "completion";
  int eval_parallel = 8;      // questions in flight (mom eval --parallel)
  int local_parallel = 0;     // sequences the local engine decodes together; 0: engine default
  int local_batch = 0;        // tokens per llama_decode call of the local engine; 0: engine default
  int repetitions = 1;
  std::vector<int> server_slots = {1, 2, 4, 8};
  double pp_rate = 0;         // llama-bench pp512 tokens/s; 0: measure it
  bool skip_embedded = false;
  bool skip_server = false;
  fs::path work_dir = "/tmp/mom-bench-eval";
};

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string joined;
  for (const auto& item : items) {
    joined += (joined.empty() ? "" : separator) + item;
  }
  return joined;
}

// Quotes and escapes value as a TOML basic string.
std::string toml_string(const std::string& value) {
  std::string escaped = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
    }
    escaped += c;
  }
  return escaped + "\"";
}

// A config with one miner and a one-miner vote mixture, so that the mixture
// reuses the miner's proposals and the evaluation costs one miner's work.
fs::path write_config(const Options& options, const fs::path& dir, const std::string& miner_lines) {
  fs::create_directories(dir);
  const fs::path path = dir / "mom.toml";
  std::ofstream config(path);
  config << "[miners.bench]\n"
         << miner_lines << "scoring = \"logprob\"\n"
         << "prompt_format = " << toml_string(options.prompt_format) << "\n\n"
         << "[mixtures.single]\n"
         << "layers = [[\"bench\"]]\n"
         << "strategy = \"vote\"\n";
  return path;
}

std::vector<std::string> eval_argv(const Options& options, const fs::path& config, const fs::path& out_dir,
                                   const std::vector<std::string>& subjects, int limit) {
  return {options.mom,      "eval",
          "mmlu",           "--config",
          config.string(),  "--data",
          options.data_dir.string(), "--subjects",
          join(subjects, ","), "--limit",
          std::to_string(limit), "--shots",
          std::to_string(options.shots), "--parallel",
          std::to_string(options.eval_parallel), "--out",
          out_dir.string(), "--force"};
}

struct EvalRuns {
  std::string command;
  Summary wall_seconds;
  bool failed = false;
};

// Runs one warm-up evaluation of a single question, then `repetitions` full
// evaluations, each into a fresh output folder so that none resumes from
// another's results.
EvalRuns run_evals(const Options& options, const fs::path& config, const fs::path& dir,
                   const std::function<void()>& after_warm_up = {}) {
  EvalRuns runs;
  const auto warm_up = eval_argv(options, config, dir / "warm-up", {options.subjects.front()}, 1);
  fs::remove_all(dir / "warm-up");
  const auto warm_up_result = mom::bench::run_child(warm_up, (dir / "warm-up.log").string());
  if (warm_up_result.exit_code != 0) {
    std::cerr << "error: warm-up failed with exit status " << warm_up_result.exit_code << ": "
              << mom::bench::command_line(warm_up) << "; see " << (dir / "warm-up.log").string() << '\n';
    runs.failed = true;
    return runs;
  }
  if (after_warm_up) {
    after_warm_up();
  }

  std::vector<double> walls;
  for (int repetition = 0; repetition < options.repetitions; ++repetition) {
    const fs::path out_dir = dir / ("run-" + std::to_string(repetition));
    fs::remove_all(out_dir);
    const auto argv = eval_argv(options, config, out_dir, options.subjects, options.limit);
    runs.command = mom::bench::command_line(argv);
    const fs::path log = dir / ("run-" + std::to_string(repetition) + ".log");
    const auto result = mom::bench::run_child(argv, log.string());
    if (result.exit_code != 0) {
      std::cerr << "error: evaluation failed with exit status " << result.exit_code << "; see " << log.string()
                << '\n';
      runs.failed = true;
      return runs;
    }
    std::cout << "  run " << repetition + 1 << ": " << result.wall_seconds << " s" << std::endl;
    walls.push_back(result.wall_seconds);
  }
  runs.wall_seconds = mom::bench::summarize(walls);
  return runs;
}

// Sums the "prompt eval time = X ms / N tokens" lines llama-server logs for
// each finished task after byte offset `from`: the prompt tokens it computed,
// as opposed to those it took from its prompt cache.
long computed_prompt_tokens(const fs::path& log, std::streamoff from) {
  std::ifstream in(log);
  in.seekg(from);
  static const std::regex pattern(R"(prompt eval time =\s*[0-9.]+ ms /\s*([0-9]+) tokens)");
  long total = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_search(line, match, pattern)) {
      total += std::stol(match[1].str());
    }
  }
  return total;
}

struct ServerRun {
  int slots = 0;
  EvalRuns runs;
  long computed_tokens = 0;  // over all timed repetitions, from the server log
};

ServerRun run_against_server(const Options& options, int slots) {
  ServerRun server_run;
  server_run.slots = slots;
  const int port = mom::bench::free_loopback_port();
  const fs::path dir = options.work_dir / ("server-" + std::to_string(slots));
  fs::create_directories(dir);
  const fs::path log = dir / "llama-server.log";
  fs::remove(log);

  // Each slot gets context / slots tokens; a 5-shot prompt fits in 2048.
  const std::vector<std::string> argv = {
      mom::bench::llama_prefix() + "/bin/llama-server", "-m", options.model, "-t", std::to_string(options.threads),
      "-tb", std::to_string(options.threads), "-c", std::to_string(2048 * slots), "-np", std::to_string(slots),
      "-cb", "--host", "127.0.0.1", "--port", std::to_string(port)};
  std::cout << "llama-server, " << slots << " slots: " << mom::bench::command_line(argv) << std::endl;
  mom::bench::BackgroundChild server(argv, log.string());
  if (!mom::bench::wait_for_http(port, "/health", server, 120)) {
    std::cerr << "error: llama-server did not become ready; see " << log.string() << '\n';
    server_run.runs.failed = true;
    return server_run;
  }

  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  const fs::path config = write_config(options, dir, "url = " + toml_string(url) + "\n");
  std::streamoff after_warm_up = 0;
  server_run.runs = run_evals(options, config, dir, [&] {
    after_warm_up = static_cast<std::streamoff>(fs::file_size(log));
  });
  server_run.computed_tokens = computed_prompt_tokens(log, after_warm_up);
  return server_run;
}

void print_eval_line(const std::string& label, const EvalRuns& runs, const mom::bench::PromptTokenCounts& counts,
                     double compute_limit_s) {
  const double wall = runs.wall_seconds.median;
  std::printf("%-28s %8.1f s  %6.2f questions/s  %7.0f prompt tokens/s  %5.2fx the compute limit  (%s)\n",
              label.c_str(), wall, counts.questions / wall, counts.submitted / wall, wall / compute_limit_s,
              mom::bench::format_summary(runs.wall_seconds, 1).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.model = mom::bench::bench_model_dir() + "/qwen2.5-0.5b-q8_0.gguf";
  CLI::App app{"Times mom eval mmlu with an embedded model and against llama-server"};
  app.add_option("--mom", options.mom, "mom binary")->capture_default_str();
  app.add_option("--model", options.model, "GGUF model file")->capture_default_str();
  app.add_option("--threads", options.threads, "CPU threads for the model")->capture_default_str();
  app.add_option("--data", options.data_dir, "MMLU data folder (dev/, test/)")->capture_default_str();
  app.add_option("--subjects", options.subjects, "subjects, comma-separated")->delimiter(',');
  app.add_option("--limit", options.limit, "questions per subject")->capture_default_str();
  app.add_option("--shots", options.shots, "few-shot examples per prompt")->capture_default_str();
  app.add_option("--prompt-format", options.prompt_format, "completion or chat")
      ->check(CLI::IsMember({"completion", "chat"}))
      ->capture_default_str();
  app.add_option("--eval-parallel", options.eval_parallel, "questions in flight (mom eval --parallel)")
      ->capture_default_str();
  app.add_option("--local-parallel", options.local_parallel,
                 "sequences the local engine decodes together; 0: engine default")
      ->capture_default_str();
  app.add_option("--local-batch", options.local_batch,
                 "tokens per llama_decode call of the local engine (miner batch_size); 0: engine default")
      ->capture_default_str();
  app.add_option("--repetitions", options.repetitions, "timed evaluations per setting")->capture_default_str();
  app.add_option("--server-slots", options.server_slots, "llama-server slot counts to try, comma-separated")
      ->delimiter(',');
  app.add_option("--pp-rate", options.pp_rate, "llama-bench pp512 tokens/s to use instead of measuring it");
  app.add_flag("--skip-embedded", options.skip_embedded, "do not time the embedded evaluation");
  app.add_flag("--skip-server", options.skip_server, "do not time llama-server");
  app.add_option("--work-dir", options.work_dir, "folder for configs, outputs and logs")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!fs::exists(options.model)) {
    std::cerr << "error: model not found: " << options.model
              << "; create it with bench_make_model --preset qwen2.5-0.5b or pass --model\n";
    return 1;
  }
  if (!(options.skip_embedded && options.skip_server) && !fs::exists(options.mom)) {
    std::cerr << "error: mom binary not found: " << options.mom << "; build the mom target or pass --mom\n";
    return 1;
  }
  mom::bench::print_run_header(
      "bench_eval", {{"model", options.model},
                     {"threads", std::to_string(options.threads)},
                     {"questions", std::to_string(options.limit) + " from each of " +
                                       std::to_string(options.subjects.size()) + " subjects, " +
                                       std::to_string(options.shots) + "-shot, " + options.prompt_format},
                     {"repetitions", std::to_string(options.repetitions)}});

  try {
    const auto counts = mom::bench::count_prompt_tokens(
        options.model, {options.data_dir, options.subjects, options.limit, options.shots, options.prompt_format});
    std::cout << "prompt tokens: " << counts.submitted << " submitted over " << counts.questions
              << " questions, " << counts.required << " must be computed at least once (" << counts.shared_prefix
              << " in shared subject prefixes)\n";

    double pp_rate = options.pp_rate;
    if (pp_rate <= 0) {
      const auto limit = mom::bench::run_llama_bench(options.model, options.threads, 512, 0, 3);
      pp_rate = limit.prompt_tokens_per_s.median;
      std::cout << "llama-bench pp512: " << mom::bench::format_summary(limit.prompt_tokens_per_s) << " tokens/s\n";
    }
    const double compute_limit_s = counts.required / pp_rate;
    std::printf("compute limit: %ld tokens / %.1f tokens/s = %.1f s (%.2f questions/s)\n\n", counts.required,
                pp_rate, compute_limit_s, counts.questions / compute_limit_s);

    std::optional<EvalRuns> embedded;
    if (!options.skip_embedded) {
      std::string miner = "model = " + toml_string(options.model) + "\nthreads = " + std::to_string(options.threads) +
                          "\n";
      if (options.local_parallel > 0) {
        miner += "parallel = " + std::to_string(options.local_parallel) + "\n";
      }
      if (options.local_batch > 0) {
        miner += "batch_size = " + std::to_string(options.local_batch) + "\n";
      }
      const fs::path dir = options.work_dir / "embedded";
      const fs::path config = write_config(options, dir, miner);
      std::cout << "embedded:" << std::endl;
      embedded = run_evals(options, config, dir);
      std::cout << "  command: " << embedded->command << '\n';
    }

    std::vector<ServerRun> server_runs;
    if (!options.skip_server) {
      for (const int slots : options.server_slots) {
        server_runs.push_back(run_against_server(options, slots));
      }
    }

    std::cout << "\nresults (median wall time of mom eval mmlu, including model load):\n";
    if (embedded && !embedded->failed) {
      print_eval_line("embedded", *embedded, counts, compute_limit_s);
    }
    const ServerRun* best = nullptr;
    for (const auto& run : server_runs) {
      if (run.runs.failed) {
        continue;
      }
      print_eval_line("llama-server -np " + std::to_string(run.slots), run.runs, counts, compute_limit_s);
      std::printf("%-28s computed %ld of %ld submitted prompt tokens per evaluation (server log)\n", "",
                  run.computed_tokens / options.repetitions, counts.submitted);
      if (best == nullptr || run.runs.wall_seconds.median < best->runs.wall_seconds.median) {
        best = &run;
      }
    }
    if (embedded && !embedded->failed && best != nullptr) {
      std::printf("embedded is %.2fx faster than llama-server at its best (%d slots)\n",
                  best->runs.wall_seconds.median / embedded->wall_seconds.median, best->slots);
    }
    const bool failed = (embedded && embedded->failed) ||
                        std::any_of(server_runs.begin(), server_runs.end(), [](const ServerRun& run) {
                          return run.runs.failed;
                        });
    return failed ? 1 : 0;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
}
