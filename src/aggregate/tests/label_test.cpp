#include "aggregate/label.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mom {
namespace {

struct ChoiceCase {
  std::string text;
  std::optional<std::string> expected;
  std::vector<std::string> choices;
};

const std::vector<std::string> kCapitals = {"Paris", "London", "Rome", "None of the above"};
const std::vector<std::string> kStatements = {"True, True", "False, False", "True, False", "False, True"};
const std::vector<std::string> kNumbers = {"0", "1", "2", "3"};

std::vector<ChoiceCase> choice_cases() {
  return {
      // Bare letters and their punctuation.
      {"C", "C", {}},
      {"  B\n", "B", {}},
      {"(C)", "C", {}},
      {"C.", "C", {}},
      {"C)", "C", {}},
      {"[D]", "D", {}},
      {"c", "C", {}},
      {"(b)", "B", {}},
      {"a", "A", {}},
      // Explicit answer markers.
      {"Answer: C", "C", {}},
      {"Answer:C", "C", {}},
      {"answer: d", "D", {}},
      {"The answer is C", "C", {}},
      {"The answer is (B).", "B", {}},
      {"The correct answer is: D", "D", {}},
      {"Final answer: b", "B", {}},
      {"The correct option is A because the others are false.", "A", {}},
      {"I would choose option B.", "B", {}},
      {"The answer is A because it is larger.", "A", {}},
      // Several answer lines: the last one wins.
      {"Answer: A\nWait, let me check again.\nAnswer: C", "C", {}},
      {"First I thought the answer is B, but the answer is D.", "D", {}},
      // Reasoning blocks are ignored.
      {"<think>The answer is A? No.</think>\nAnswer: B", "B", {}},
      {"<think>Option A looks right. Answer: A</think>C", "C", {}},
      {"<think>still thinking, answer: A", std::nullopt, {}},
      // Markdown and LaTeX wrappers.
      {"**C**", "C", {}},
      {"The answer is **B**.", "B", {}},
      {"$C$", "C", {}},
      {"$\\boxed{D}$", "D", {}},
      {"Answer: $\\text{(A)}$", "A", {}},
      {"\\boxed{\\textbf{B}}", "B", {}},
      {"`C`", "C", {}},
      // A leading letter followed by the option text.
      {"C. 2", "C", kNumbers},
      {"B) False, False", "B", kStatements},
      // The option's text instead of its letter.
      {"Rome", "C", kCapitals},
      {"rome.", "C", kCapitals},
      {"The capital is London.", "B", kCapitals},
      {"None of the above", "D", kCapitals},
      {"False, True", "D", kStatements},
      {"It is True, False in my view.", "C", kStatements},
      // English words that look like letters never vote.
      {"I think", std::nullopt, {}},
      {"I think so.", std::nullopt, {}},
      {"A good question, hard to say.", std::nullopt, {}},
      {"The answer is a bit unclear.", std::nullopt, {}},
      {"A is wrong", std::nullopt, {}},
      {"Option A is incorrect.", std::nullopt, {}},
      {"A is wrong, so the answer is C.", "C", {}},
      {"A is wrong and C is right.", "C", {}},
      // Traps: several options quoted, or none.
      {"Paris or London, hard to say.", std::nullopt, kCapitals},
      {"Neither Paris nor London nor Rome; none of the above fits less.", std::nullopt, kCapitals},
      {"", std::nullopt, {}},
      {"Once upon a time there was a little dog.", std::nullopt, {}},
      {"Cats", std::nullopt, {}},
      // Letters beyond the number of choices are not answers.
      {"Answer: E", std::nullopt, {}},
      {"E", std::nullopt, {}},
      {"Answer: E", "E", {"1", "2", "3", "4", "5"}},
      // A lone capital letter in the last line.
      {"After weighing everything, B.", "B", {}},
      {"Looking at the options,\nI pick D", "D", {}},
      {"Between (A) and (C), I pick (C)", "C", {}},
  };
}

TEST(ExtractChoice, HandlesWhatModelsWrite) {
  std::vector<ChoiceCase> cases = choice_cases();
  ASSERT_GE(cases.size(), 40u);
  for (const ChoiceCase& c : cases) {
    EXPECT_EQ(extract_label(c.text, LabelKind::kChoice, c.choices), c.expected) << "text: " << c.text;
  }
}

TEST(ExtractNumber, NormalizesTheLastNumber) {
  EXPECT_EQ(extract_label("The answer is 3.50", LabelKind::kNumber), "3.5");
  EXPECT_EQ(extract_label("1,000 apples", LabelKind::kNumber), "1000");
  EXPECT_EQ(extract_label("Answer: -0.0", LabelKind::kNumber), "0");
  EXPECT_EQ(extract_label("2 plus 3 is 5", LabelKind::kNumber), "5");
  EXPECT_EQ(extract_label("Answer: 12\nthat is 12 of 40", LabelKind::kNumber), "12");
  EXPECT_EQ(extract_label("007", LabelKind::kNumber), "7");
  EXPECT_EQ(extract_label("$\\boxed{42}$", LabelKind::kNumber), "42");
  EXPECT_EQ(extract_label("no number here", LabelKind::kNumber), std::nullopt);
}

TEST(ExtractYesNo, ReadsMarkerFirstWordOrLastWord) {
  EXPECT_EQ(extract_label("Yes, it is.", LabelKind::kYesNo), "yes");
  EXPECT_EQ(extract_label("No.", LabelKind::kYesNo), "no");
  EXPECT_EQ(extract_label("Hmm. Yes and no. Answer: no", LabelKind::kYesNo), "no");
  EXPECT_EQ(extract_label("I believe the claim holds, so yes", LabelKind::kYesNo), "yes");
  EXPECT_EQ(extract_label("<think>no</think>**Yes**", LabelKind::kYesNo), "yes");
  EXPECT_EQ(extract_label("Maybe", LabelKind::kYesNo), std::nullopt);
  EXPECT_EQ(extract_label("nobody knows", LabelKind::kYesNo), std::nullopt);
}

TEST(ParseLabelKind, KnowsThreeNames) {
  EXPECT_EQ(parse_label_kind("choice"), LabelKind::kChoice);
  EXPECT_EQ(parse_label_kind("number"), LabelKind::kNumber);
  EXPECT_EQ(parse_label_kind("yes-no"), LabelKind::kYesNo);
  EXPECT_EQ(parse_label_kind("letter"), std::nullopt);
}

}  // namespace
}  // namespace mom
