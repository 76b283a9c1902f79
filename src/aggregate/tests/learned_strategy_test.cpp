// Dawid-Skene, agreement patterns, best-miner and select on hand-made tables.
#include <gtest/gtest.h>

#include "aggregate/agreement_strategy.h"
#include "aggregate/best_miner_strategy.h"
#include "aggregate/dawid_skene_strategy.h"
#include "aggregate/select_strategy.h"
#include "aggregate/strategy.h"

namespace mom {
namespace {

const std::vector<std::string> kLabels = {"A", "B", "C", "D"};

// Three good miners (right 9 times in 10, wrong differently) and one that is
// always wrong.
std::vector<LabeledQuestion> good_and_wrong_table(int count) {
  std::vector<LabeledQuestion> questions;
  for (int i = 0; i < count; ++i) {
    LabeledQuestion question;
    const std::string truth = kLabels[i % 4];
    const std::string wrong = kLabels[(i + 1) % 4];
    question.truth = truth;
    question.ballots = {{"g1", i % 10 == 0 ? wrong : truth},
                        {"g2", i % 10 == 3 ? kLabels[(i + 2) % 4] : truth},
                        {"g3", i % 10 == 6 ? wrong : truth},
                        {"bad", wrong}};
    questions.push_back(question);
  }
  return questions;
}

// A strong miner right 85% of the time and two correlated weaker miners that
// copy each other: when they agree against the strong one, the strong one is
// still right more often.
std::vector<LabeledQuestion> correlated_table(int count) {
  std::vector<LabeledQuestion> questions;
  for (int i = 0; i < count; ++i) {
    LabeledQuestion question;
    const std::string truth = kLabels[i % 4];
    const std::string wrong = kLabels[(i + 1) % 4];
    const bool strong_right = i % 20 < 17;
    const bool pair_right = i % 20 < 10 || i % 20 >= 17;
    question.truth = truth;
    question.ballots = {{"strong", strong_right ? truth : wrong},
                        {"copy1", pair_right ? truth : wrong},
                        {"copy2", pair_right ? truth : wrong}};
    questions.push_back(question);
  }
  return questions;
}

TEST(DawidSkeneStrategy, LearnsAlwaysWrongMinerWithoutLabels) {
  std::vector<LabeledQuestion> questions = good_and_wrong_table(200);
  for (LabeledQuestion& question : questions) {
    question.truth.clear();
  }
  DawidSkeneStrategy strategy;
  strategy.fit(questions);
  EXPECT_GT(strategy.accuracy("g1", ""), 0.8);
  EXPECT_LT(strategy.accuracy("bad", ""), 0.1);
  EXPECT_EQ(strategy.decide({{"g1", "A"}, {"bad", "B"}}, {}, std::nullopt), "A");
  EXPECT_EQ(strategy.decide({{"bad", "B"}, {"g1", "B"}, {"g2", "A"}, {"g3", "A"}}, {}, std::nullopt), "A");
}

TEST(DawidSkeneStrategy, DoesNotUseLabels) {
  EXPECT_FALSE(DawidSkeneStrategy().uses_labels());
}

TEST(DawidSkeneStrategy, UnfittedIsPlainVote) {
  DawidSkeneStrategy strategy;
  EXPECT_EQ(strategy.decide({{"a", "C"}, {"b", "A"}, {"c", "C"}}, {}, std::nullopt), "C");
  EXPECT_EQ(strategy.decide({{"a", std::nullopt}}, {}, std::nullopt), std::nullopt);
}

TEST(AgreementStrategy, FollowsStrongMinerAgainstCorrelatedPair) {
  AgreementStrategy strategy(nullptr);
  strategy.fit(correlated_table(400));
  EXPECT_EQ(strategy.decide({{"strong", "A"}, {"copy1", "B"}, {"copy2", "B"}}, {}, std::nullopt), "A");
  EXPECT_EQ(strategy.decide({{"strong", "C"}, {"copy1", "C"}, {"copy2", "C"}}, {}, std::nullopt), "C");
}

TEST(AgreementStrategy, AlwaysWrongMinerNeverFlipsMajority) {
  AgreementStrategy strategy(nullptr);
  strategy.fit(good_and_wrong_table(200));
  EXPECT_EQ(strategy.decide({{"g1", "C"}, {"g2", "C"}, {"g3", "C"}, {"bad", "A"}}, {}, std::nullopt), "C");
  EXPECT_EQ(strategy.decide({{"g1", "C"}, {"g2", "C"}, {"g3", "B"}, {"bad", "B"}}, {}, std::nullopt), "C");
}

TEST(AgreementStrategy, UnseenPatternBacksOffToWeights) {
  AgreementStrategy strategy(nullptr);
  strategy.fit(good_and_wrong_table(200));
  // Every miner abstains but one: that pattern never occurred in fitting.
  EXPECT_EQ(strategy.decide({{"g2", "D"}, {"g1", std::nullopt}}, {}, std::nullopt), "D");
  EXPECT_EQ(strategy.decide({{"g1", std::nullopt}, {"bad", std::nullopt}}, {}, std::nullopt), std::nullopt);
}

TEST(BestMinerStrategy, FollowsMostAccurateMinerAndSkipsAbstention) {
  BestMinerStrategy strategy(nullptr);
  strategy.fit(correlated_table(200));
  ASSERT_FALSE(strategy.ranking().empty());
  EXPECT_EQ(strategy.ranking().front(), "strong");
  EXPECT_EQ(strategy.decide({{"strong", "A"}, {"copy1", "B"}, {"copy2", "B"}}, {}, std::nullopt), "A");
  EXPECT_EQ(strategy.decide({{"strong", std::nullopt}, {"copy1", "B"}}, {}, std::nullopt), "B");
}

TEST(SelectStrategy, KeepsBestMinerWhenNothingBeatsIt) {
  SelectStrategy strategy(nullptr, {"vote", "weighted-vote"});
  strategy.fit(correlated_table(400));
  EXPECT_EQ(strategy.chosen(), "best-miner");
}

TEST(SelectStrategy, PicksVoteWhenItBeatsBestMiner) {
  SelectStrategy strategy(nullptr, {"vote", "weighted-vote", "agreement"});
  strategy.fit(good_and_wrong_table(400));
  EXPECT_NE(strategy.chosen(), "best-miner");
  EXPECT_EQ(strategy.decide({{"g1", "B"}, {"g2", "B"}, {"g3", "C"}, {"bad", "C"}}, {}, std::nullopt), "B");
}

TEST(MakeStrategy, KnowsEveryListedName) {
  for (const std::string& name : strategy_names()) {
    auto strategy = make_strategy(name, nullptr);
    ASSERT_TRUE(strategy.ok()) << name;
    EXPECT_EQ((*strategy)->name(), name);
  }
}

TEST(MakeStrategy, UnknownNameIsInvalid) {
  auto strategy = make_strategy("majority", nullptr);
  ASSERT_FALSE(strategy.ok());
  EXPECT_EQ(strategy.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(strategy.error().message.find("majority"), std::string::npos);
  EXPECT_NE(strategy.error().message.find("weighted-vote"), std::string::npos);
}

}  // namespace
}  // namespace mom
