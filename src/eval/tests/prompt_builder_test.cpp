#include "eval/prompt_builder.h"

#include <gtest/gtest.h>

namespace mom {
namespace {

MmluRow make_row(const std::string& question, char answer) {
  MmluRow row;
  row.question = question;
  row.options = {"one", "two", "three", "four"};
  row.answer = answer;
  return row;
}

std::vector<MmluRow> five_shots() {
  std::vector<MmluRow> shots;
  for (int i = 0; i < 5; ++i) {
    shots.push_back(make_row("Shot " + std::to_string(i) + "?", static_cast<char>('A' + i % 4)));
  }
  return shots;
}

const std::string kInstruction =
    "\n\nThink step by step if you need to, then finish with a line of the form \"Answer: <letter>\" "
    "where <letter> is one of A, B, C, D.";

TEST(PromptBuilder, CompletionZeroShot) {
  PromptBuilder builder("high_school_physics", {});
  EXPECT_EQ(builder.completion(make_row("Why?", 'C')),
            "The following are multiple choice questions (with answers) about high school physics.\n\n"
            "Why?\nA. one\nB. two\nC. three\nD. four\nAnswer:");
}

TEST(PromptBuilder, CompletionFiveShots) {
  PromptBuilder builder("anatomy", five_shots());
  std::string expected = "The following are multiple choice questions (with answers) about anatomy.\n\n";
  const char answers[] = {'A', 'B', 'C', 'D', 'A'};
  for (int i = 0; i < 5; ++i) {
    expected += "Shot " + std::to_string(i) + "?\nA. one\nB. two\nC. three\nD. four\nAnswer: " +
                std::string(1, answers[i]) + "\n\n";
  }
  expected += "Why?\nA. one\nB. two\nC. three\nD. four\nAnswer:";
  EXPECT_EQ(builder.completion(make_row("Why?", 'C')), expected);
}

TEST(PromptBuilder, ChatZeroShot) {
  PromptBuilder builder("anatomy", {});
  std::vector<Message> messages = builder.chat(make_row("Why?", 'C'));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].role, "user");
  EXPECT_EQ(messages[0].content,
            "The following is a multiple choice question about anatomy.\n\n"
            "Why?\nA. one\nB. two\nC. three\nD. four" + kInstruction);
}

TEST(PromptBuilder, ChatFiveShotsAreEarlierTurns) {
  PromptBuilder builder("anatomy", five_shots());
  std::vector<Message> messages = builder.chat(make_row("Why?", 'C'));
  ASSERT_EQ(messages.size(), 11u);
  const char answers[] = {'A', 'B', 'C', 'D', 'A'};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(messages[2 * i].role, "user");
    EXPECT_EQ(messages[2 * i].content, "The following is a multiple choice question about anatomy.\n\nShot " +
                                           std::to_string(i) + "?\nA. one\nB. two\nC. three\nD. four" +
                                           kInstruction);
    EXPECT_EQ(messages[2 * i + 1].role, "assistant");
    EXPECT_EQ(messages[2 * i + 1].content, std::string("Answer: ") + answers[i]);
  }
  EXPECT_EQ(messages[10].content,
            "The following is a multiple choice question about anatomy.\n\n"
            "Why?\nA. one\nB. two\nC. three\nD. four" + kInstruction);
}

TEST(PromptBuilder, FingerprintDiffersByFormat) {
  PromptBuilder builder("anatomy", {});
  MmluRow row = make_row("Why?", 'C');
  EXPECT_NE(prompt_fingerprint(builder.completion(row), {}), prompt_fingerprint(std::nullopt, builder.chat(row)));
}

TEST(PromptFormat, ParsesNames) {
  EXPECT_EQ(parse_prompt_format("chat"), PromptFormat::kChat);
  EXPECT_EQ(parse_prompt_format("completion"), PromptFormat::kCompletion);
  EXPECT_EQ(parse_prompt_format("raw"), std::nullopt);
}

}  // namespace
}  // namespace mom
