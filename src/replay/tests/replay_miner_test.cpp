#include "replay/replay_miner.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "replay/recorded_answers.h"

namespace mom {
namespace {

namespace fs = std::filesystem;

class ReplayMinerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mom-replay-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }

  static MinerConfig config(const std::string& name, const fs::path& path, const std::string& system = "") {
    MinerConfig miner;
    miner.name = name;
    miner.replay_path = path;
    miner.replay_system = system;
    return miner;
  }

  static Result<Completion> ask(Miner& miner, const std::string& question_id) {
    Request request;
    request.question_id = question_id;
    return miner.complete(request, nullptr, CancelToken());
  }

  fs::path dir_;
};

TEST_F(ReplayMinerTest, AnswersFromTsv) {
  const auto path = write("m.tsv", "subject\tindex\tpredicted\nanatomy\t0\tB\nanatomy\t1\t\n");
  auto miner = make_replay_miner(config("m", path));
  ASSERT_TRUE(miner.ok()) << miner.error().message;
  EXPECT_EQ((*miner)->info().kind, "replay");

  auto answered = ask(**miner, "anatomy/0");
  ASSERT_TRUE(answered.ok());
  EXPECT_EQ(answered->text, "Answer: B");

  auto empty = ask(**miner, "anatomy/1");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->text, "");
}

TEST_F(ReplayMinerTest, UnknownQuestionIsUnavailable) {
  const auto path = write("m.tsv", "subject\tindex\tpredicted\nanatomy\t0\tB\n");
  auto miner = make_replay_miner(config("m", path));
  ASSERT_TRUE(miner.ok());
  auto missing = ask(**miner, "virology/7");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(missing.error().message.find("virology/7"), std::string::npos);
  EXPECT_NE(missing.error().message.find(path.string()), std::string::npos);

  auto chat = ask(**miner, "");
  ASSERT_FALSE(chat.ok());
  EXPECT_EQ(chat.error().code, ErrorCode::kUnavailable);
}

TEST_F(ReplayMinerTest, AnswersFromResultsJsonl) {
  const auto path = write("results.jsonl",
                          R"({"question_id":"anatomy/0","system":"small","text":"The answer is C","letter":"C"})"
                          "\n"
                          R"({"question_id":"anatomy/0","system":"mix","text":"D","letter":"D"})"
                          "\n");
  auto by_name = make_replay_miner(config("small", path));
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(ask(**by_name, "anatomy/0")->text, "The answer is C");

  auto by_system = make_replay_miner(config("other", path, "mix"));
  ASSERT_TRUE(by_system.ok());
  EXPECT_EQ(ask(**by_system, "anatomy/0")->text, "D");
}

TEST_F(ReplayMinerTest, UnknownSystemListsPresentOnes) {
  const auto path = write("results.jsonl", R"({"question_id":"anatomy/0","system":"small","text":"C"})" "\n");
  auto miner = make_replay_miner(config("absent", path));
  ASSERT_FALSE(miner.ok());
  EXPECT_NE(miner.error().message.find("small"), std::string::npos);
  EXPECT_NE(miner.error().message.find("absent"), std::string::npos);
}

TEST_F(ReplayMinerTest, BadLinesNameFileAndLine) {
  const auto tsv = write("bad.tsv", "subject\tindex\tpredicted\nanatomy\t0\tB\nanatomy\tx\tC\n");
  auto from_tsv = make_replay_miner(config("m", tsv));
  ASSERT_FALSE(from_tsv.ok());
  EXPECT_NE(from_tsv.error().message.find(tsv.string() + ":3"), std::string::npos);

  const auto header = write("header.tsv", "question\tanswer\n");
  EXPECT_FALSE(make_replay_miner(config("m", header)).ok());

  const auto jsonl = write("bad.jsonl", R"({"question_id":"a/0","system":"m","text":"A"})" "\n{broken\n");
  auto from_jsonl = make_replay_miner(config("m", jsonl));
  ASSERT_FALSE(from_jsonl.ok());
  EXPECT_NE(from_jsonl.error().message.find(jsonl.string() + ":2"), std::string::npos);
}

TEST_F(ReplayMinerTest, MissingFileIsNotFound) {
  auto miner = make_replay_miner(config("m", dir_ / "absent.tsv"));
  ASSERT_FALSE(miner.ok());
  EXPECT_EQ(miner.error().code, ErrorCode::kNotFound);
}

TEST(RecordedAnswers, RealTsvLoadsQuickly) {
  const char* from_env = std::getenv("MOM_SHARED_DIR");
  const fs::path path = fs::path(from_env != nullptr ? from_env : MOM_SHARED_DIR) / "data" / "mmlu-answers" /
                        "openai_gpt-4o-2024-05-13.tsv";
  if (!fs::exists(path)) {
    GTEST_SKIP() << "no recorded answers at " << path;
  }
  const auto start = std::chrono::steady_clock::now();
  auto answers = load_answer_tsv(path);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(answers.ok()) << answers.error().message;
  EXPECT_EQ(answers->size(), 14045u);
  EXPECT_LT(seconds, 1.0);
}

}  // namespace
}  // namespace mom
