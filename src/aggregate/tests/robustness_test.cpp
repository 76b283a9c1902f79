// Label extraction on hostile answers: long runs of one character that made
// std::regex overflow the stack, and repeated letters that made extraction
// quadratic. A miner's answer may be megabytes long, so each case must end
// with the right label and without a crash.
#include "aggregate/label.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace mom {
namespace {

constexpr size_t kLongRun = 1'000'000;

std::string repeat(std::string_view piece, size_t count) {
  std::string text;
  text.reserve(piece.size() * count);
  for (size_t i = 0; i < count; ++i) {
    text += piece;
  }
  return text;
}

TEST(ExtractChoice, SurvivesLongWhitespaceAfterMarker) {
  // "Answer:" followed by 30,000 spaces overflowed an 8 MB stack (SIGSEGV).
  std::string text = "Answer:" + std::string(kLongRun, ' ') + "C";

  EXPECT_EQ(extract_label(text, LabelKind::kChoice), "C");
}

TEST(ExtractChoice, SurvivesLongWhitespaceInsideParentheses) {
  std::string text = "(" + std::string(kLongRun, ' ') + "B";

  EXPECT_EQ(extract_label(text, LabelKind::kChoice), "B");
}

TEST(ExtractChoice, SurvivesLongBoxedContent) {
  std::string text = "\\boxed{" + std::string(kLongRun, 'x') + "} so the answer is D";

  EXPECT_EQ(extract_label(text, LabelKind::kChoice), "D");
}

TEST(ExtractChoice, UnwrapsNestedLatexCommands) {
  EXPECT_EQ(extract_label("$\\boxed{\\text{ (B) }}$", LabelKind::kChoice), "B");
  EXPECT_EQ(extract_label("\\textbf {C}", LabelKind::kChoice), "C");
}

TEST(ExtractChoice, RepeatedLettersStayFast) {
  // Each candidate letter searched the whole rest of the text, so 80 KB of
  // "A A A ..." took 40 s. The bound is far above the time now needed (well
  // under a second) and far below the time before.
  std::string letters = repeat("A ", 200'000);
  std::string parenthesized = repeat("(A", 200'000);

  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(extract_label(letters, LabelKind::kChoice), "A");
  EXPECT_EQ(extract_label(parenthesized, LabelKind::kChoice), "A");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  EXPECT_LT(seconds, 30.0);
}

TEST(ExtractNumber, SurvivesLongDigitRun) {
  std::string digits(kLongRun, '7');

  auto label = extract_label("The answer is " + digits, LabelKind::kNumber);

  ASSERT_TRUE(label.has_value());
  EXPECT_EQ(label->size(), kLongRun);
}

TEST(ExtractNumber, ReadsNumberAfterMarkerOrLastNumber) {
  EXPECT_EQ(extract_label("Answer: -1,250.50 and then 3", LabelKind::kNumber), "-1250.5");
  EXPECT_EQ(extract_label("first 12, then .5", LabelKind::kNumber), "0.5");
  EXPECT_EQ(extract_label("answer is +7.", LabelKind::kNumber), "7");
  EXPECT_EQ(extract_label("no digits here", LabelKind::kNumber), std::nullopt);
}

TEST(ExtractYesNo, SurvivesLongWhitespaceAfterMarker) {
  std::string text = "answer:" + std::string(kLongRun, '\t') + "yes";

  EXPECT_EQ(extract_label(text, LabelKind::kYesNo), "yes");
}

}  // namespace
}  // namespace mom
