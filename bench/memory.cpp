// Peak resident memory of one local miner against several local miners that
// share one model file.
//
// Runs `mom eval mmlu` (logprob scoring, a few questions) with a config of one
// miner, then with a config of N miners whose model paths are the same file,
// and compares the peak resident set size (ru_maxrss) of the two processes.
// Miners that share the loaded weights add only their own KV cache and
// buffers. Miners that each load the file add the weights N times, because
// every mapping of the file counts in the process's resident set.
//
//   bench_memory --model ~/.cache/mom/bench-models/qwen2.5-0.5b-q8_0.gguf --miners 4

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "support/child_process.h"
#include "support/run_header.h"
#include "support/stats.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  std::string mom = MOM_BINARY;
  std::string model;
  int miners = 4;
  int threads = 2;
  fs::path data_dir = fs::path(MOM_SHARED_DIR) / "data" / "mmlu";
  std::string subject = "abstract_algebra";
  int questions = 2;
  int repetitions = 3;
  fs::path work_dir = "/tmp/mom-bench-memory";
};

fs::path write_config(const Options& options, int miners) {
  const fs::path dir = options.work_dir / (std::to_string(miners) + "-miners");
  fs::create_directories(dir);
  const fs::path path = dir / "mom.toml";
  std::ofstream config(path);
  std::string layer;
  for (int i = 0; i < miners; ++i) {
    const std::string name = "miner" + std::to_string(i + 1);
    config << "[miners." << name << "]\nmodel = \"" << options.model << "\"\nthreads = " << options.threads
           << "\nscoring = \"logprob\"\nprompt_format = \"completion\"\n\n";
    layer += (layer.empty() ? "\"" : ", \"") + name + "\"";
  }
  config << "[mixtures.shared]\nlayers = [[" << layer << "]]\nstrategy = \"vote\"\n";
  return path;
}

// Returns the peak RSS in MiB of each repetition, or an empty vector when a run fails.
std::vector<double> measure_peak_mib(const Options& options, int miners) {
  const fs::path config = write_config(options, miners);
  const fs::path dir = config.parent_path();
  std::vector<double> peaks;
  for (int repetition = 0; repetition < options.repetitions; ++repetition) {
    const fs::path out_dir = dir / ("run-" + std::to_string(repetition));
    fs::remove_all(out_dir);
    const std::vector<std::string> argv = {
        options.mom, "eval",   "mmlu",          "--config", config.string(), "--data", options.data_dir.string(),
        "--subjects", options.subject, "--limit", std::to_string(options.questions), "--shots", "5",
        "--out",     out_dir.string(), "--force"};
    if (repetition == 0) {
      std::cout << miners << " miner(s): " << mom::bench::command_line(argv) << std::endl;
    }
    const fs::path log = dir / ("run-" + std::to_string(repetition) + ".log");
    const auto result = mom::bench::run_child(argv, log.string());
    if (result.exit_code != 0) {
      std::cerr << "error: mom eval failed with exit status " << result.exit_code << "; see " << log.string()
                << '\n';
      return {};
    }
    peaks.push_back(static_cast<double>(result.max_rss_kib) / 1024.0);
  }
  return peaks;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.model = mom::bench::bench_model_dir() + "/qwen2.5-0.5b-q8_0.gguf";
  CLI::App app{"Compares the peak memory of one local miner with several sharing its model file"};
  app.add_option("--mom", options.mom, "mom binary")->capture_default_str();
  app.add_option("--model", options.model, "GGUF model file")->capture_default_str();
  app.add_option("--miners", options.miners, "miners sharing the model file")->capture_default_str();
  app.add_option("--threads", options.threads, "CPU threads per miner")->capture_default_str();
  app.add_option("--data", options.data_dir, "MMLU data folder")->capture_default_str();
  app.add_option("--subject", options.subject, "MMLU subject of the questions")->capture_default_str();
  app.add_option("--questions", options.questions, "questions per run")->capture_default_str();
  app.add_option("--repetitions", options.repetitions, "runs per configuration")->capture_default_str();
  app.add_option("--work-dir", options.work_dir, "folder for configs and logs")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  for (const auto& [what, path] : {std::pair{"model", options.model}, std::pair{"mom binary", options.mom}}) {
    if (!fs::exists(path)) {
      std::cerr << "error: " << what << " not found: " << path << '\n';
      return 1;
    }
  }
  mom::bench::print_run_header(
      "bench_memory", {{"model", options.model + " (" + std::to_string(fs::file_size(options.model) >> 20) + " MiB)"},
                       {"threads", std::to_string(options.threads) + " per miner"},
                       {"repetitions", std::to_string(options.repetitions)}});

  const auto one = measure_peak_mib(options, 1);
  const auto many = measure_peak_mib(options, options.miners);
  if (one.empty() || many.empty()) {
    return 1;
  }
  const auto one_summary = mom::bench::summarize(one);
  const auto many_summary = mom::bench::summarize(many);
  std::printf("\npeak resident memory (ru_maxrss of mom eval mmlu), MiB:\n");
  std::printf("  1 miner:   %s\n", mom::bench::format_summary(one_summary, 0).c_str());
  std::printf("  %d miners:  %s\n", options.miners, mom::bench::format_summary(many_summary, 0).c_str());
  const double ratio = many_summary.median / one_summary.median;
  std::printf("  ratio %.2f; target at most 1.20: %s\n", ratio, ratio <= 1.2 ? "met" : "missed");
  return 0;
}
