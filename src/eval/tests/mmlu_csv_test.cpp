#include "eval/mmlu_csv.h"

#include <gtest/gtest.h>

namespace mom {
namespace {

TEST(MmluCsv, ReadsPlainRows) {
  auto csv = parse_mmlu_csv("What is 1+1?,1,2,3,4,B\nWhat is 2+2?,1,2,3,4,D\n", "t.csv", false);
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  ASSERT_EQ(csv->rows.size(), 2u);
  EXPECT_EQ(csv->rows[0].question, "What is 1+1?");
  EXPECT_EQ(csv->rows[0].options[1], "2");
  EXPECT_EQ(csv->rows[0].answer, 'B');
  EXPECT_EQ(csv->rows[1].row, 1);
  EXPECT_EQ(csv->rows[1].line, 2);
}

TEST(MmluCsv, HandlesQuotesCommasAndNewlines) {
  std::string text =
      "\"Statement 1, with a comma.\nStatement 2 says \"\"hi\"\".\",\"True, True\",\"False, False\",x,y,C\r\n"
      "next,a,b,c,d,A";
  auto csv = parse_mmlu_csv(text, "t.csv", false);
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  ASSERT_EQ(csv->rows.size(), 2u);
  EXPECT_EQ(csv->rows[0].question, "Statement 1, with a comma.\nStatement 2 says \"hi\".");
  EXPECT_EQ(csv->rows[0].options[0], "True, True");
  EXPECT_EQ(csv->rows[0].options[1], "False, False");
  EXPECT_EQ(csv->rows[0].answer, 'C');
  EXPECT_EQ(csv->rows[1].line, 3);
  EXPECT_EQ(csv->rows[1].options[3], "d");
}

TEST(MmluCsv, KeepsEmptyFields) {
  auto csv = parse_mmlu_csv("q,,b,\"\",d,A\n", "t.csv", false);
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_EQ(csv->rows[0].options[0], "");
  EXPECT_EQ(csv->rows[0].options[2], "");
}

TEST(MmluCsv, RejectsWrongFieldCountWithFileAndLine) {
  auto csv = parse_mmlu_csv("q,a,b,c,d,A\n\"multi\nline\",a,b,c,A\n", "bio_test.csv", false);
  ASSERT_FALSE(csv.ok());
  EXPECT_NE(csv.error().message.find("bio_test.csv:2:"), std::string::npos) << csv.error().message;
  EXPECT_NE(csv.error().message.find("found 5"), std::string::npos) << csv.error().message;
}

TEST(MmluCsv, RejectsAnswerOutsideAToD) {
  auto csv = parse_mmlu_csv("q,a,b,c,d,A\nq,a,b,c,d,E\n", "x.csv", false);
  ASSERT_FALSE(csv.ok());
  EXPECT_NE(csv.error().message.find("x.csv:2:"), std::string::npos) << csv.error().message;
  EXPECT_NE(csv.error().message.find("'E'"), std::string::npos) << csv.error().message;
}

TEST(MmluCsv, RejectsUnclosedQuote) {
  auto csv = parse_mmlu_csv("q,a,b,c,d,A\n\"open,a,b,c,d,A\n", "x.csv", true);
  ASSERT_FALSE(csv.ok());
  EXPECT_NE(csv.error().message.find("x.csv:2:"), std::string::npos) << csv.error().message;
}

TEST(MmluCsv, SkipInvalidKeepsRowNumbers) {
  auto csv = parse_mmlu_csv("q0,a,b,c,d,A\nq1,a,b,c,d,b\nq2,a,b,c,d,C\n", "x.csv", true);
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_EQ(csv->skipped, 1);
  ASSERT_EQ(csv->rows.size(), 2u);
  EXPECT_EQ(csv->rows[1].question, "q2");
  EXPECT_EQ(csv->rows[1].row, 2);
}

TEST(MmluCsv, ReadsTheRealDevFile) {
  auto csv = read_mmlu_csv(std::string(MOM_SHARED_DIR) + "/data/mmlu/dev/abstract_algebra_dev.csv", false);
  if (!csv.ok() && csv.error().code == ErrorCode::kNotFound) {
    GTEST_SKIP() << csv.error().message;
  }
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_EQ(csv->rows.size(), 5u);
  EXPECT_EQ(csv->rows[1].options[0], "True, True");
}

TEST(MmluCsv, MissingFileIsNotFound) {
  auto csv = read_mmlu_csv("/nonexistent/x.csv", false);
  ASSERT_FALSE(csv.ok());
  EXPECT_EQ(csv.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mom
