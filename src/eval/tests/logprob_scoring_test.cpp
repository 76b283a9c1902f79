// Log-probability scoring of MMLU prompts on a real local model (stories260K).
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "config/config.h"
#include "eval/prompt_builder.h"
#include "miners/registry.h"

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

}  // namespace
}  // namespace mom
