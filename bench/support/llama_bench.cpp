#include "support/llama_bench.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "support/child_process.h"
#include "support/run_header.h"

namespace mom::bench {

LlamaBenchResult run_llama_bench(const std::string& model, int threads, int prompt_tokens,
                                 int generated_tokens, int repetitions) {
  const std::vector<std::string> argv = {
      llama_prefix() + "/bin/llama-bench", "-m", model, "-t", std::to_string(threads),
      "-p", std::to_string(prompt_tokens), "-n", std::to_string(generated_tokens),
      "-r", std::to_string(repetitions), "-o", "json"};
  const std::string log_path = "/tmp/mom-bench-llama-bench.log";
  const ChildResult child = run_child(argv, log_path);
  if (child.exit_code != 0) {
    throw std::runtime_error("llama-bench failed with exit status " + std::to_string(child.exit_code) +
                             "; see " + log_path);
  }

  const nlohmann::json report = nlohmann::json::parse(child.output, nullptr, false);
  if (!report.is_array()) {
    throw std::runtime_error("llama-bench printed no JSON array; see " + log_path);
  }
  LlamaBenchResult result;
  result.command = command_line(argv);
  for (const auto& test : report) {
    const std::vector<double> samples = test.value("samples_ts", std::vector<double>{});
    result.model_type = test.value("model_type", "");
    if (test.value("n_prompt", 0) > 0 && test.value("n_gen", 0) == 0) {
      result.prompt_tokens_per_s = summarize(samples);
    } else if (test.value("n_gen", 0) > 0 && test.value("n_prompt", 0) == 0) {
      result.generated_tokens_per_s = summarize(samples);
    }
  }
  return result;
}

}  // namespace mom::bench
