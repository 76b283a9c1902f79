// The headline on ten real models' recorded MMLU answers: "agreement" is never
// below the best single miner and reaches 81% on the four comparable miners.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "aggregate/answer_key.h"
#include "aggregate/study.h"
#include "replay/recorded_answers.h"

namespace mom {
namespace {

namespace fs = std::filesystem;

fs::path shared_dir() {
  const char* from_env = std::getenv("MOM_SHARED_DIR");
  return from_env != nullptr ? fs::path(from_env) : fs::path(MOM_SHARED_DIR);
}

struct Table {
  std::vector<LabeledQuestion> questions;
  std::vector<int> rows;
};

Table load_table(const std::vector<std::string>& files) {
  const fs::path answers_dir = shared_dir() / "data" / "mmlu-answers";
  Result<AnswerKey> key = load_answer_key(shared_dir() / "data" / "mmlu");
  EXPECT_TRUE(key.ok()) << key.error().message;
  std::vector<RecordedAnswers> recorded;
  for (const std::string& file : files) {
    Result<RecordedAnswers> answers = load_answer_tsv(answers_dir / (file + ".tsv"));
    EXPECT_TRUE(answers.ok()) << answers.error().message;
    recorded.push_back(std::move(*answers));
  }

  Table table;
  for (const auto& [subject, answers] : key->answers) {
    for (size_t row = 0; row < answers.size(); ++row) {
      const std::string id = subject + "/" + std::to_string(row);
      LabeledQuestion question{{subject, key->categories[subject]}, {}, answers[row]};
      for (size_t m = 0; m < files.size(); ++m) {
        auto it = recorded[m].find(id);
        if (it == recorded[m].end()) {
          break;
        }
        question.ballots.push_back(
            {files[m], it->second.empty() ? std::nullopt : std::optional<std::string>(it->second)});
      }
      if (question.ballots.size() == files.size()) {
        table.questions.push_back(std::move(question));
        table.rows.push_back(static_cast<int>(row));
      }
    }
  }
  return table;
}

StudyResult study(const std::vector<std::string>& files) {
  const Table table = load_table(files);
  StudyOptions options;
  options.strategies = {"agreement"};
  options.folds = 2;
  Result<StudyResult> result = run_study(table.questions, table.rows, options);
  EXPECT_TRUE(result.ok());
  return *result;
}

class RecordedAnswersStudy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(shared_dir() / "data" / "mmlu-answers")) {
      GTEST_SKIP() << "no recorded answers under " << shared_dir();
    }
  }
};

TEST_F(RecordedAnswersStudy, ComparableSetReaches81Percent) {
  const StudyResult result = study({"meta_llama-3-70b", "mistralai_mixtral-8x22b",
                                    "google_gemini-1.5-flash-preview-0514", "google_text-unicorn-001"});
  EXPECT_EQ(result.questions, 14045);
  EXPECT_GE(result.strategies.front().accuracy, result.best_single.accuracy);
  EXPECT_GE(result.strategies.front().accuracy, 0.810);
}

TEST_F(RecordedAnswersStudy, AllTenNotBelowBestSingle) {
  const StudyResult result = study({"anthropic_claude-3-opus-20240229", "google_gemini-1.5-flash-preview-0514",
                                    "google_gemini-1.5-pro-preview-0409", "google_text-unicorn-001",
                                    "meta_llama-3-70b", "mistralai_mixtral-8x22b", "openai_gpt-4-0613",
                                    "openai_gpt-4-1106-preview", "openai_gpt-4o-2024-05-13",
                                    "writer_palmyra-x-v3"});
  EXPECT_GE(result.strategies.front().accuracy, result.best_single.accuracy);
}

TEST_F(RecordedAnswersStudy, FiveMixedNotBelowBestSingle) {
  const StudyResult result = study({"openai_gpt-4o-2024-05-13", "openai_gpt-4-1106-preview", "meta_llama-3-70b",
                                    "mistralai_mixtral-8x22b", "google_gemini-1.5-flash-preview-0514"});
  EXPECT_GE(result.strategies.front().accuracy, result.best_single.accuracy);
}

TEST_F(RecordedAnswersStudy, ThreeMixedNotBelowBestSingle) {
  const StudyResult result =
      study({"openai_gpt-4o-2024-05-13", "meta_llama-3-70b", "mistralai_mixtral-8x22b"});
  EXPECT_GE(result.strategies.front().accuracy, result.best_single.accuracy);
}

}  // namespace
}  // namespace mom
