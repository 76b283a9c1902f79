#include "mixture/context_budget.h"

#include <gtest/gtest.h>

#include "scripted_miner.h"

namespace mom {
namespace {

using testing::Script;
using testing::ScriptedMiner;

// One token per 4 bytes, standing in for a model's tokenizer.
int count_by_four(std::string_view text) { return static_cast<int>((text.size() + 3) / 4); }

std::string words(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    text += "word ";
  }
  return text;
}

const ReferenceLayout kLayout(ReferencePlacement::kSystem, "Combine these answers.");
const std::vector<Message> kConversation = {{"user", "Question?"}};

TEST(ContextBudget, LeavesFittingReferencesWhole) {
  ScriptedMiner miner("agg", Script{}, steady_time_source(), 4096);
  miner.set_token_counter(count_by_four);
  ContextBudget budget(miner);

  auto fitted = budget.fit(kLayout, kConversation, {{"short one", ""}, {"short two", ""}}, 256);

  ASSERT_TRUE(fitted.ok()) << fitted.error().message;
  EXPECT_EQ(fitted->shortened, (std::vector<bool>{false, false}));
  EXPECT_EQ(fitted->messages[0].content.find(kShortenedMarker), std::string::npos);
}

TEST(ContextBudget, ShortensLongReferencesToFairShare) {
  ScriptedMiner miner("agg", Script{}, steady_time_source(), 1024);
  miner.set_token_counter(count_by_four);
  ContextBudget budget(miner);
  std::string long_text = words(2000);  // 10,000 bytes, about 2,500 tokens

  auto fitted = budget.fit(kLayout, kConversation, {{"a short answer", ""}, {long_text, ""}, {long_text, ""}}, 256);

  ASSERT_TRUE(fitted.ok()) << fitted.error().message;
  EXPECT_EQ(fitted->shortened, (std::vector<bool>{false, true, true}));
  EXPECT_LE(fitted->prompt_tokens + 256, 1024);
  const std::string& system = fitted->messages[0].content;
  EXPECT_NE(system.find("a short answer"), std::string::npos);
  EXPECT_NE(system.find(std::string("word\n") + std::string(kShortenedMarker)), std::string::npos);
  // Both long references get about the same share.
  size_t first_cut = system.find(kShortenedMarker);
  size_t second_cut = system.find(kShortenedMarker, first_cut + 1);
  ASSERT_NE(second_cut, std::string::npos);
  size_t second_start = system.find("[Answer 3]");
  size_t first_start = system.find("[Answer 2]");
  long first_length = static_cast<long>(first_cut - first_start);
  long second_length = static_cast<long>(second_cut - second_start);
  EXPECT_NEAR(first_length, second_length, 20);
}

TEST(ContextBudget, EstimatesWhenMinerCannotCount) {
  ScriptedMiner miner("agg", Script{}, steady_time_source(), 1000);
  ContextBudget budget(miner);
  EXPECT_FALSE(budget.exact());
  EXPECT_EQ(budget.count_tokens("abcdef"), 2);
  EXPECT_EQ(budget.count_tokens("abcdefg"), 3);

  auto fitted = budget.fit(kLayout, kConversation, {{words(1000), ""}}, 100);

  ASSERT_TRUE(fitted.ok()) << fitted.error().message;
  EXPECT_TRUE(fitted->shortened[0]);
  // The estimate keeps a tenth of the context free.
  EXPECT_LE(fitted->prompt_tokens + 100, 900);
}

TEST(ContextBudget, NeverCutsWhenContextUnknown) {
  ScriptedMiner miner("agg", Script{}, steady_time_source(), 0);
  ContextBudget budget(miner);

  auto fitted = budget.fit(kLayout, kConversation, {{words(100000), ""}}, 256);

  ASSERT_TRUE(fitted.ok());
  EXPECT_FALSE(fitted->shortened[0]);
}

TEST(ContextBudget, RejectsPromptThatCannotFit) {
  ScriptedMiner miner("agg", Script{}, steady_time_source(), 512);
  miner.set_token_counter(count_by_four);
  ContextBudget budget(miner);
  std::vector<Message> long_conversation = {{"user", words(400)}};

  auto fitted = budget.fit(kLayout, long_conversation, {{"answer", ""}, {"answer", ""}}, 256);

  ASSERT_FALSE(fitted.ok());
  EXPECT_EQ(fitted.error().code, ErrorCode::kContextExceeded);
  EXPECT_NE(fitted.error().message.find("512 tokens"), std::string::npos);
}

TEST(ContextBudget, CutsOnCharacterBoundary) {
  ScriptedMiner miner("agg", Script{}, steady_time_source(), 600);
  miner.set_token_counter(count_by_four);
  ContextBudget budget(miner);
  std::string accented;
  for (int i = 0; i < 3000; ++i) {
    accented += "\xC3\xA9";  // é without spaces, so no word boundary helps
  }

  auto fitted = budget.fit(kLayout, kConversation, {{accented, ""}}, 100);

  ASSERT_TRUE(fitted.ok()) << fitted.error().message;
  const std::string& system = fitted->messages[0].content;
  size_t marker = system.find(kShortenedMarker);
  ASSERT_NE(marker, std::string::npos);
  // The byte before "\n[..." must end a whole two-byte character.
  size_t body_start = system.find("]\n", system.find("[Answer 1")) + 2;
  EXPECT_EQ((marker - 1 - body_start) % 2, 0u);
}

}  // namespace
}  // namespace mom
