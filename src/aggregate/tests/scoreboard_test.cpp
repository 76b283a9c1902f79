#include "aggregate/scoreboard.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

namespace mom {
namespace {

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".json");
}

TEST(Scoreboard, RecordCountsEveryLevel) {
  Scoreboard board;
  board.record("m", "anatomy", "other", true);
  board.record("m", "anatomy", "other", false);
  board.record("m", "virology", "other", true);
  const MinerScores* scores = board.find("m");
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->overall.total, 3);
  EXPECT_EQ(scores->overall.correct, 2);
  EXPECT_EQ(scores->by_category.at("other").total, 3);
  EXPECT_EQ(scores->by_subject.at("anatomy").correct, 1);
  EXPECT_EQ(board.find("absent"), nullptr);
}

TEST(Scoreboard, SaveThenLoadRoundTrips) {
  Scoreboard board;
  board.record("a", "anatomy", "other", true);
  board.record("a", "algebra", "stem", false);
  board.record("b", "algebra", "stem", true);
  const auto path = temp_file("scoreboard");
  ASSERT_TRUE(board.save(path).ok());

  Result<Scoreboard> loaded = Scoreboard::load(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->miners().size(), 2u);
  const MinerScores* a = loaded->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->overall.correct, 1);
  EXPECT_EQ(a->overall.total, 2);
  EXPECT_EQ(a->by_category.at("stem").correct, 0);
  EXPECT_EQ(a->by_subject.at("anatomy").total, 1);
}

TEST(Scoreboard, LoadMissingFileIsNotFound) {
  Result<Scoreboard> loaded = Scoreboard::load("/nonexistent/scoreboard.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
}

TEST(Scoreboard, LoadMalformedFileNamesIt) {
  const auto path = temp_file("bad-scoreboard");
  std::ofstream(path) << R"({"miners": {"a": {"overall": {"correct": "x"}}}})";
  Result<Scoreboard> loaded = Scoreboard::load(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(loaded.error().message.find(path.string()), std::string::npos);
}

TEST(Scoreboard, LookupFallsBackToWiderTally) {
  Scoreboard board;
  board.record("m", "anatomy", "other", true);
  board.record("m", "algebra", "stem", false);
  EXPECT_EQ(board.lookup("m", "anatomy", "other")->correct, 1);
  EXPECT_EQ(board.lookup("m", "virology", "stem")->total, 1);
  EXPECT_EQ(board.lookup("m", "virology", "humanities")->total, 2);
  EXPECT_FALSE(board.lookup("absent", "anatomy", "other").has_value());
}

}  // namespace
}  // namespace mom
