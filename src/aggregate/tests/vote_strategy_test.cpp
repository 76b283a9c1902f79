#include "aggregate/vote_strategy.h"

#include <gtest/gtest.h>

#include "aggregate/scoreboard.h"

namespace mom {
namespace {

std::optional<std::string> vote(const std::vector<Ballot>& ballots, const Scoreboard* weights = nullptr,
                                const std::optional<std::string>& aggregator = std::nullopt) {
  VoteStrategy strategy(weights);
  return strategy.decide(ballots, {}, aggregator);
}

TEST(VoteStrategy, PicksMostCommonLabel) {
  EXPECT_EQ(vote({{"a", "B"}, {"b", "C"}, {"c", "B"}}), "B");
}

TEST(VoteStrategy, UnparsedAnswersAbstain) {
  EXPECT_EQ(vote({{"a", std::nullopt}, {"b", std::nullopt}, {"c", "D"}}), "D");
}

TEST(VoteStrategy, AllAbstainingGivesNoLabel) {
  EXPECT_EQ(vote({{"a", std::nullopt}, {"b", std::nullopt}}), std::nullopt);
  EXPECT_EQ(vote({}), std::nullopt);
}

TEST(VoteStrategy, TieGoesToAggregatorLabel) {
  EXPECT_EQ(vote({{"a", "C"}, {"b", "A"}}, nullptr, std::string("C")), "C");
}

TEST(VoteStrategy, AggregatorOutsideTieIsIgnored) {
  EXPECT_EQ(vote({{"a", "C"}, {"b", "C"}, {"c", "A"}}, nullptr, std::string("A")), "C");
}

TEST(VoteStrategy, TieGoesToMoreAccurateMiner) {
  Scoreboard board;
  for (int i = 0; i < 10; ++i) {
    board.record("strong", "", "", i < 9);
    board.record("weak", "", "", i < 5);
  }
  EXPECT_EQ(vote({{"weak", "A"}, {"strong", "D"}}, &board), "D");
  EXPECT_EQ(vote({{"strong", "A"}, {"weak", "D"}}, &board), "A");
}

TEST(VoteStrategy, TieWithoutHintsIgnoresMinerOrder) {
  EXPECT_EQ(vote({{"a", "C"}, {"b", "B"}}), "B");
  EXPECT_EQ(vote({{"b", "B"}, {"a", "C"}}), "B");
}

}  // namespace
}  // namespace mom
