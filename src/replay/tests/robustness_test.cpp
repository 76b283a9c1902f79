// Replay files that are not what a config promises: a directory in place of
// a file.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <unistd.h>

#include "replay/recorded_answers.h"

namespace mom {
namespace {

namespace fs = std::filesystem;

TEST(RecordedAnswers, DirectoryIsInvalidNotWrongHeader) {
  // An ifstream opens a directory and reads nothing, so a directory was
  // reported as "DIR:1: expected the header ..." or "no results".
  const fs::path dir = fs::temp_directory_path() / ("mom-replay-robustness-" + std::to_string(getpid()));
  fs::create_directories(dir / "answers.tsv");
  fs::create_directories(dir / "results.jsonl");

  auto tsv = load_answer_tsv(dir / "answers.tsv");
  auto jsonl = load_results_jsonl(dir / "results.jsonl", "m");
  fs::remove_all(dir);

  ASSERT_FALSE(tsv.ok());
  EXPECT_EQ(tsv.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(tsv.error().message.find("is a directory"), std::string::npos) << tsv.error().message;
  ASSERT_FALSE(jsonl.ok());
  EXPECT_EQ(jsonl.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(jsonl.error().message.find("is a directory"), std::string::npos) << jsonl.error().message;
}

}  // namespace
}  // namespace mom
