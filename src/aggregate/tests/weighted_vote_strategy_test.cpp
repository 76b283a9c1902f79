#include "aggregate/weighted_vote_strategy.h"

#include <cmath>

#include <gtest/gtest.h>

#include "aggregate/label_scores.h"
#include "aggregate/scoreboard.h"

namespace mom {
namespace {

void record_many(Scoreboard& board, const std::string& miner, const std::string& category, int correct,
                 int total) {
  for (int i = 0; i < total; ++i) {
    board.record(miner, "", category, i < correct);
  }
}

TEST(AccuracyWeight, ZeroAtOrBelowChance) {
  EXPECT_EQ(accuracy_weight(0.25, 4), 0.0);
  EXPECT_EQ(accuracy_weight(0.0, 4), 0.0);
  EXPECT_EQ(accuracy_weight(0.5, 2), 0.0);
  EXPECT_GT(accuracy_weight(0.3, 4), 0.0);
  EXPECT_NEAR(accuracy_weight(0.75, 4), std::log(9.0), 1e-12);
  EXPECT_TRUE(std::isfinite(accuracy_weight(1.0, 4)));
}

TEST(WeightedVoteStrategy, StrongMinerOutweighsTwoWeakOnes) {
  Scoreboard board;
  record_many(board, "strong", "", 98, 100);
  record_many(board, "weak1", "", 40, 100);
  record_many(board, "weak2", "", 40, 100);
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kCategory, &board);
  EXPECT_EQ(strategy.decide({{"strong", "A"}, {"weak1", "B"}, {"weak2", "B"}}, {}, std::nullopt), "A");
}

TEST(WeightedVoteStrategy, UsesCategoryAccuracyWhenKnown) {
  Scoreboard board;
  record_many(board, "x", "stem", 95, 100);
  record_many(board, "x", "humanities", 30, 100);
  record_many(board, "y", "stem", 60, 100);
  record_many(board, "y", "humanities", 90, 100);
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kCategory, &board);
  const std::vector<Ballot> ballots = {{"x", "A"}, {"y", "B"}};
  EXPECT_EQ(strategy.decide(ballots, {"", "stem"}, std::nullopt), "A");
  EXPECT_EQ(strategy.decide(ballots, {"", "humanities"}, std::nullopt), "B");
}

TEST(WeightedVoteStrategy, AlwaysWrongMinerNeverFlipsMajority) {
  Scoreboard board;
  record_many(board, "good1", "", 70, 100);
  record_many(board, "good2", "", 70, 100);
  record_many(board, "wrong", "", 0, 100);
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kCategory, &board);
  EXPECT_EQ(strategy.weight("wrong", {}), 0.0);
  EXPECT_EQ(strategy.decide({{"good1", "C"}, {"wrong", "A"}, {"good2", "C"}}, {}, std::nullopt), "C");
  // Alone against one good miner, the wrong miner still adds nothing.
  EXPECT_EQ(strategy.decide({{"wrong", "A"}, {"good1", "C"}}, {}, std::nullopt), "C");
}

TEST(WeightedVoteStrategy, FitMeasuresAccuracyFromLabels) {
  std::vector<LabeledQuestion> questions;
  for (int i = 0; i < 40; ++i) {
    LabeledQuestion question;
    question.truth = "A";
    question.ballots = {{"right", "A"}, {"wrong1", "B"}, {"wrong2", i % 2 == 0 ? "C" : "D"}};
    questions.push_back(question);
  }
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kCategory, nullptr);
  strategy.fit(questions);
  EXPECT_GT(strategy.weight("right", {}), 0.0);
  EXPECT_EQ(strategy.weight("wrong1", {}), 0.0);
  EXPECT_EQ(strategy.decide({{"right", "D"}, {"wrong1", "B"}, {"wrong2", "B"}}, {}, std::nullopt), "D");
}

TEST(WeightedVoteStrategy, UnknownMinersAddNothing) {
  Scoreboard board;
  record_many(board, "known", "", 80, 100);
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kCategory, &board);
  EXPECT_EQ(strategy.decide({{"stranger", "B"}, {"other", "B"}, {"known", "A"}}, {}, std::nullopt), "A");
}

TEST(WeightedVoteStrategy, AllWeightsZeroFallsBackToVotes) {
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kCategory, nullptr);
  EXPECT_EQ(strategy.decide({{"a", "C"}, {"b", "A"}, {"c", "C"}}, {}, std::nullopt), "C");
  EXPECT_EQ(strategy.decide({{"a", "C"}, {"b", "A"}}, {}, std::string("C")), "C");
  EXPECT_EQ(strategy.decide({{"a", std::nullopt}}, {}, std::nullopt), std::nullopt);
}

TEST(SubjectWeights, SmallSubjectShrinksTowardOverall) {
  Scoreboard board;
  record_many(board, "x", "", 80, 100);
  // Two questions in a subject, both wrong: the raw subject accuracy is 0.
  board.record("x", "tiny", "", false);
  board.record("x", "tiny", "", false);
  const double shrunk = *board.shrunk_accuracy("x", "tiny", "", 20.0);
  EXPECT_NEAR(shrunk, (0 + 20.0 * 80.0 / 102.0) / 22.0, 1e-12);
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kSubject, &board);
  EXPECT_GT(strategy.weight("x", {"tiny", ""}), 0.0);
}

TEST(SubjectWeights, LargeSubjectFollowsItsOwnAccuracy) {
  std::vector<LabeledQuestion> questions;
  // x is right on every law question and wrong on every math one; y the reverse.
  for (int i = 0; i < 200; ++i) {
    LabeledQuestion question;
    question.info.subject = i % 2 == 0 ? "law" : "math";
    question.truth = "A";
    const bool law = i % 2 == 0;
    question.ballots = {{"x", law ? "A" : "B"}, {"y", law ? "C" : "A"}};
    questions.push_back(question);
  }
  WeightedVoteStrategy strategy(WeightedVoteStrategy::Level::kSubject, nullptr);
  strategy.fit(questions);
  EXPECT_EQ(strategy.decide({{"x", "D"}, {"y", "B"}}, {"law", ""}, std::nullopt), "D");
  EXPECT_EQ(strategy.decide({{"x", "D"}, {"y", "B"}}, {"math", ""}, std::nullopt), "B");
}

}  // namespace
}  // namespace mom
