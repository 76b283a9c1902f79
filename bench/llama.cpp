// Raw limit: llama.cpp's own prompt-processing and generation throughput on a
// model, measured with llama-bench from the same llama.cpp build mom links.
//
//   bench_llama --model ~/.cache/mom/bench-models/qwen2.5-0.5b-q8_0.gguf --threads 2

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "support/llama_bench.h"
#include "support/run_header.h"

int main(int argc, char** argv) {
  CLI::App app{"Measures llama.cpp's prompt and generation throughput with llama-bench"};
  std::string model = mom::bench::bench_model_dir() + "/qwen2.5-0.5b-q8_0.gguf";
  int threads = 2;
  int prompt_tokens = 512;
  int generated_tokens = 128;
  int repetitions = 5;
  app.add_option("--model", model, "GGUF model file")->capture_default_str();
  app.add_option("--threads", threads, "CPU threads")->capture_default_str();
  app.add_option("--prompt-tokens", prompt_tokens, "prompt length of the pp test, in tokens")
      ->capture_default_str();
  app.add_option("--gen-tokens", generated_tokens, "tokens generated in the tg test")->capture_default_str();
  app.add_option("--repetitions", repetitions, "repetitions of each test (llama-bench -r)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!std::filesystem::exists(model)) {
    std::cerr << "error: model not found: " << model
              << "; create it with bench_make_model --preset qwen2.5-0.5b or pass --model\n";
    return 1;
  }
  mom::bench::print_run_header("bench_llama", {{"model", model},
                                               {"threads", std::to_string(threads)},
                                               {"repetitions", std::to_string(repetitions)}});
  try {
    // llama-bench runs its own warm-up before each test.
    const auto result =
        mom::bench::run_llama_bench(model, threads, prompt_tokens, generated_tokens, repetitions);
    std::cout << "command: " << result.command << '\n'
              << "model type: " << result.model_type << '\n'
              << "pp" << prompt_tokens << " tokens/s: "
              << mom::bench::format_summary(result.prompt_tokens_per_s) << '\n'
              << "tg" << generated_tokens << " tokens/s: "
              << mom::bench::format_summary(result.generated_tokens_per_s) << '\n';
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
