// Log-probability scoring of MMLU prompts on a real local model (stories260K).
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "config/config.h"
#include "eval/prompt_builder.h"
#include "eval/mmlu_eval.h"
#include "miners/registry.h"
#include "mixture/mixture.h"

namespace mom {
namespace {

std::filesystem::path shared_dir() {
  const char* env = std::getenv("MOM_SHARED_DIR");
  return env != nullptr && *env != '\0' ? std::filesystem::path(env) : std::filesystem::path(MOM_SHARED_DIR);
}

TEST(LogprobScoring, GivesFourProbabilitiesOnALocalModel) {
  std::filesystem::path model = shared_dir() / "models" / "stories260K.gguf";
  if (!std::filesystem::exists(model)) {
    GTEST_SKIP() << "model not found: " << model;
  }
  auto config = parse_config("[miners.s]\nmodel = \"" + model.string() +
                                 "\"\ncontext_size = 512\nscoring = \"logprob\"\n",
                             "/");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto registry = MinerRegistry::create(*config);
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  auto miner = (*registry)->find("s");
  ASSERT_NE(miner, nullptr);

  MmluRow row;
  row.question = "Where does the little dog sleep?";
  row.options = {"in the park", "in a box", "on the bed", "under the tree"};
  Request request;
  request.prompt = PromptBuilder("stories", {}).completion(row);
  const std::vector<std::string> letters = {"A", "B", "C", "D"};

  auto first = miner->score_choices(request, letters, CancelToken());
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->logprobs.size(), 4u);
  double total = 0;
  for (double logprob : first->logprobs) {
    EXPECT_TRUE(std::isfinite(logprob));
    EXPECT_LE(logprob, 0.0);
    total += std::exp(logprob);
  }
  EXPECT_LE(total, 1.0 + 1e-6);
  EXPECT_GT(first->usage.prompt_tokens, 10);

  // Scoring is a forward pass, not sampling, so the same prompt scores the
  // same up to float rounding: a second call may reuse the cached prompt and
  // sum in another order (about 4e-4 apart on stories260K).
  auto second = miner->score_choices(request, letters, CancelToken());
  ASSERT_TRUE(second.ok()) << second.error().message;
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(first->logprobs[i], second->logprobs[i], 1e-2);
  }
}

std::string aggregator_config(const std::filesystem::path& model) {
  return "[miners.proposer]\nmodel = \"" + model.string() +
         "\"\ncontext_size = 1024\nthreads = 1\nscoring = \"logprob\"\nprompt_format = \"completion\"\n"
         "[miners.judge]\nmodel = \"" + model.string() +
         "\"\ncontext_size = 2048\nthreads = 1\nscoring = \"logprob\"\nprompt_format = \"completion\"\n"
         "[mixtures.mix]\nlayers = [[\"proposer\"]]\naggregator = \"judge\"\nstrategy = \"synthesize\"\n";
}

TEST(AggregatorRequest, HoldsQuestionAndReferences) {
  std::filesystem::path model = shared_dir() / "models" / "stories260K.gguf";
  if (!std::filesystem::exists(model)) {
    GTEST_SKIP() << "model not found: " << model;
  }
  auto config = parse_config(aggregator_config(model), "/");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto registry = MinerRegistry::create(*config);
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  auto mixture = Mixture::create(config->mixtures.at("mix"), **registry);
  ASSERT_TRUE(mixture.ok()) << mixture.error().message;

  Request request;
  request.id = "r1";
  request.question_id = "astronomy/0";
  request.prompt = "Where does the dog sleep?\nAnswer:";
  CallTrace proposal;
  proposal.miner = "proposer";
  proposal.status = "ok";
  proposal.text = "Answer: C";

  auto prepared = (*mixture)->prepare_aggregator_request(request, {proposal}, CancelToken());
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  std::string all_text;
  for (const Message& message : prepared->messages) {
    all_text += message.content + "\n";
  }
  EXPECT_NE(all_text.find("Answer: C"), std::string::npos);
  EXPECT_NE(all_text.find("Where does the dog sleep?"), std::string::npos);
  EXPECT_EQ(prepared->messages.back().content, "Where does the dog sleep?\nAnswer:");

  auto wrong_size = (*mixture)->prepare_aggregator_request(request, {proposal, proposal}, CancelToken());
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_EQ(wrong_size.error().code, ErrorCode::kInvalidRequest);

  proposal.status = "error";
  auto none_ok = (*mixture)->prepare_aggregator_request(request, {proposal}, CancelToken());
  ASSERT_FALSE(none_ok.ok());
  EXPECT_EQ(none_ok.error().code, ErrorCode::kUnavailable);
}

// A base-model aggregator that generated its answer wrote stories, so every
// mixture answer was unparsed; scored by log-probability, each has a letter.
TEST(LogprobAggregator, GivesEveryMixtureAnswerALetter) {
  std::filesystem::path model = shared_dir() / "models" / "stories260K.gguf";
  std::filesystem::path data = shared_dir() / "data" / "mmlu";
  if (!std::filesystem::exists(model) || !std::filesystem::exists(data / "test")) {
    GTEST_SKIP() << "model or MMLU data not found under " << shared_dir();
  }
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("mom-logprob-aggregator-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "mom.toml") << aggregator_config(model);
  }

  MmluEvalOptions options;
  options.config_path = dir / "mom.toml";
  options.data_dir = data;
  options.selection.subjects = {"astronomy", "virology"};
  options.selection.limit = 2;
  options.parallel = 2;
  options.out_dir = dir / "out";
  auto outcome = run_mmlu_eval(options);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;

  const SystemSummary* mix = nullptr;
  for (const SystemSummary& system : outcome->summary.systems) {
    if (system.name == "mix") {
      mix = &system;
    }
  }
  ASSERT_NE(mix, nullptr);
  EXPECT_EQ(mix->overall.total, 4);
  EXPECT_EQ(mix->unparsed, 0);
  EXPECT_EQ(mix->errors, 0);

  std::ifstream results(dir / "out" / "results.jsonl");
  int mixture_lines = 0;
  for (std::string line; std::getline(results, line);) {
    if (line.find("\"system\":\"mix\"") != std::string::npos) {
      ++mixture_lines;
      EXPECT_NE(line.find("\"text\":\"Answer: "), std::string::npos) << line;
    }
  }
  EXPECT_EQ(mixture_lines, 4);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mom
