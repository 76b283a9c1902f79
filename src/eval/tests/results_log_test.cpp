#include "eval/results_log.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace mom {
namespace {

class ResultsLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mom_results_log_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "results.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static ResultRecord make_record(int row, const std::string& system) {
    ResultRecord record;
    record.question_id = "anatomy/" + std::to_string(row);
    record.subject = "anatomy";
    record.row = row;
    record.category = "other";
    record.system = system;
    record.kind = "miner";
    record.text = "Answer: B\n\"quoted\"";
    record.letter = "B";
    record.answer = "B";
    record.correct = true;
    return record;
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
};

TEST_F(ResultsLogTest, RoundTripsRecords) {
  {
    auto log = ResultsLog::open(path_);
    ASSERT_TRUE(log.ok()) << log.error().message;
    ASSERT_TRUE((*log)->append({make_record(0, "m1"), make_record(0, "m2")}).ok());
  }
  auto log = ResultsLog::open(path_);
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_EQ((*log)->existing().size(), 2u);
  const ResultRecord& record = (*log)->existing()[1];
  EXPECT_EQ(record.system, "m2");
  EXPECT_EQ(record.text, "Answer: B\n\"quoted\"");
  EXPECT_EQ(record.letter, "B");
  EXPECT_FALSE(record.error.has_value());
  EXPECT_FALSE((*log)->dropped_torn_line());
}

TEST_F(ResultsLogTest, RoundTripsMixtureAggregatorFields) {
  ResultRecord mixture = make_record(0, "mix");
  mixture.kind = "mixture";
  mixture.aggregator_error = "context_exceeded: the references do not fit";
  mixture.answered_with_best_proposal = true;
  {
    auto log = ResultsLog::open(path_);
    ASSERT_TRUE(log.ok()) << log.error().message;
    ASSERT_TRUE((*log)->append({make_record(0, "m1"), mixture}).ok());
  }
  std::ifstream in(path_);
  std::string miner_line;
  std::getline(in, miner_line);
  EXPECT_EQ(miner_line.find("aggregator_error"), std::string::npos);

  auto log = ResultsLog::open(path_);
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_EQ((*log)->existing().size(), 2u);
  const ResultRecord& read = (*log)->existing()[1];
  EXPECT_EQ(read.aggregator_error, "context_exceeded: the references do not fit");
  EXPECT_TRUE(read.answered_with_best_proposal);
  EXPECT_FALSE((*log)->existing()[0].answered_with_best_proposal);
}

TEST_F(ResultsLogTest, ResumeDropsTornLastLine) {
  {
    auto log = ResultsLog::open(path_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->append({make_record(0, "m1"), make_record(1, "m1")}).ok());
  }
  auto size_before = std::filesystem::file_size(path_);
  {
    std::ofstream out(path_, std::ios::app);
    out << R"({"question_id":"anatomy/2","subject":"anat)";
  }

  {
    auto log = ResultsLog::open(path_);
    ASSERT_TRUE(log.ok()) << log.error().message;
    EXPECT_TRUE((*log)->dropped_torn_line());
    EXPECT_EQ((*log)->existing().size(), 2u);
    EXPECT_EQ(std::filesystem::file_size(path_), size_before);
    ASSERT_TRUE((*log)->append({make_record(2, "m1")}).ok());
  }
  auto log = ResultsLog::open(path_);
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_FALSE((*log)->dropped_torn_line());
  ASSERT_EQ((*log)->existing().size(), 3u);
  EXPECT_EQ((*log)->existing()[2].question_id, "anatomy/2");
}

TEST_F(ResultsLogTest, CompleteLastLineWithoutNewlineIsTorn) {
  // A write cut exactly before its newline still lacks the end marker, so it
  // is asked again rather than trusted.
  {
    std::ofstream out(path_);
    out << R"({"question_id":"a/0","subject":"a","row":0,"system":"m","answer":"A","correct":true})";
  }
  auto log = ResultsLog::open(path_);
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_TRUE((*log)->dropped_torn_line());
  EXPECT_TRUE((*log)->existing().empty());
}

TEST_F(ResultsLogTest, RejectsMalformedMiddleLine) {
  {
    std::ofstream out(path_);
    out << "not json\n"
        << R"({"question_id":"a/0","subject":"a","row":0,"system":"m","answer":"A","correct":true})" << "\n";
  }
  auto log = ResultsLog::open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message.find("results.jsonl:1:"), std::string::npos) << log.error().message;
}

}  // namespace
}  // namespace mom
