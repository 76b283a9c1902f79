#include <gtest/gtest.h>

#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"
#include "miners/registry.h"
#include "mixture/mixture.h"
#include "scripted_miner.h"

namespace mom {
namespace {

using testing::Script;
using testing::ScriptedMiner;

// Records what the mixture hands to a strategy and returns a fixed label.
class RecordingStrategy final : public Strategy {
 public:
  explicit RecordingStrategy(std::optional<std::string> answer) : answer_(std::move(answer)) {}

  std::string name() const override { return "recording"; }
  bool uses_labels() const override { return false; }

  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>& aggregator_label) const override {
    ballots_ = ballots;
    question_ = question;
    aggregator_label_ = aggregator_label;
    return answer_;
  }

  std::optional<std::string> answer_;
  mutable std::vector<Ballot> ballots_;
  mutable QuestionInfo question_;
  mutable std::optional<std::string> aggregator_label_;
};

class VoteTest : public ::testing::Test {
 protected:
  std::shared_ptr<ScriptedMiner> add(const std::string& name, const std::string& text) {
    Script script;
    script.text = text;
    auto miner = std::make_shared<ScriptedMiner>(name, script);
    registry_.add(miner);
    return miner;
  }

  std::shared_ptr<ScriptedMiner> add_failing(const std::string& name) {
    Script script;
    script.error = Error{ErrorCode::kUpstream, "down"};
    auto miner = std::make_shared<ScriptedMiner>(name, script);
    registry_.add(miner);
    return miner;
  }

  Result<MixtureOutcome> run(const std::string& strategy, std::vector<std::string> layer,
                             std::string aggregator = "", MixtureOptions options = {},
                             const TokenSink& on_token = nullptr) {
    MixtureConfig config;
    config.name = "voters";
    config.layers = {std::move(layer)};
    config.aggregator = std::move(aggregator);
    config.strategy = strategy;
    auto mixture = Mixture::create(config, registry_, std::move(options));
    if (!mixture.ok()) {
      return mixture.error();
    }
    Request request;
    request.id = "q";
    request.question_id = "astronomy/3";
    request.messages = {{"user", "Which planet is largest? A) Mars B) Jupiter C) Venus D) Earth"}};
    return (*mixture)->run(request, on_token, {});
  }

  MinerRegistry registry_;
};

TEST_F(VoteTest, MostCommonLabelWins) {
  add("a", "The answer is B.");
  add("b", "Answer: B");
  add("c", "Answer: C");

  auto outcome = run("vote", {"a", "b", "c"});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->trace.vote_label, "B");
  EXPECT_EQ(outcome->completion.text, "The answer is B.");
  EXPECT_TRUE(outcome->trace.aggregators.empty());
}

TEST_F(VoteTest, UnparsableAndFailedAnswersAbstain) {
  add("a", "Answer: A");
  add("unsure", "I cannot tell from the information given.");
  add_failing("down");
  auto strategy = std::make_shared<RecordingStrategy>("A");
  MixtureOptions options;
  options.strategy = strategy;

  auto outcome = run("vote", {"a", "unsure", "down"}, "", options);

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_EQ(strategy->ballots_.size(), 3u);
  EXPECT_EQ(strategy->ballots_[0].miner, "a");
  EXPECT_EQ(strategy->ballots_[0].label, "A");
  EXPECT_EQ(strategy->ballots_[1].label, std::nullopt);
  EXPECT_EQ(strategy->ballots_[2].label, std::nullopt);
  EXPECT_EQ(strategy->question_.subject, "astronomy");
  EXPECT_EQ(strategy->aggregator_label_, std::nullopt);
}

TEST_F(VoteTest, AggregatorLabelIsPassedForTies) {
  add("a", "Answer: A");
  add("b", "Answer: B");
  auto agg = add("agg", "After checking both, the answer is B.");
  auto strategy = std::make_shared<RecordingStrategy>("B");
  MixtureOptions options;
  options.strategy = strategy;
  std::string streamed;

  auto outcome = run("vote", {"a", "b"}, "agg", options, [&](std::string_view piece) { streamed += piece; });

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(strategy->aggregator_label_, "B");
  EXPECT_EQ(outcome->completion.text, "After checking both, the answer is B.");
  EXPECT_EQ(streamed, outcome->completion.text);
  EXPECT_EQ(agg->call_count(), 1u);
}

TEST_F(VoteTest, TieGoesToAggregatorNotListOrder) {
  add("a", "Answer: A");
  add("b", "Answer: B");
  add("agg", "The answer is B.");

  for (const auto& order : {std::vector<std::string>{"a", "b"}, std::vector<std::string>{"b", "a"}}) {
    auto outcome = run("vote", order, "agg");

    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    EXPECT_EQ(outcome->trace.vote_label, "B") << "order " << order[0] << "," << order[1];
  }
}

TEST_F(VoteTest, TieWithoutAggregatorGoesToHigherWeightedMiner) {
  add("weak", "Answer: A");
  add("strong", "Answer: C");
  auto scoreboard = std::make_shared<Scoreboard>();
  for (int i = 0; i < 10; ++i) {
    scoreboard->record("weak", "astronomy", "stem", i < 3);
    scoreboard->record("strong", "astronomy", "stem", i < 9);
  }
  MixtureOptions options;
  options.scoreboard = scoreboard;

  for (const auto& order : {std::vector<std::string>{"weak", "strong"}, std::vector<std::string>{"strong", "weak"}}) {
    auto outcome = run("vote", order, "", options);

    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    EXPECT_EQ(outcome->trace.vote_label, "C") << "order " << order[0] << "," << order[1];
  }
}

TEST_F(VoteTest, WeightedVoteLetsAccurateMinerOutvoteWeakOnes) {
  add("weak1", "Answer: A");
  add("weak2", "Answer: A");
  add("strong", "The answer is D");
  auto scoreboard = std::make_shared<Scoreboard>();
  for (int i = 0; i < 20; ++i) {
    scoreboard->record("weak1", "astronomy", "stem", i < 5);
    scoreboard->record("weak2", "astronomy", "stem", i < 5);
    scoreboard->record("strong", "astronomy", "stem", i < 19);
  }
  MixtureOptions options;
  options.scoreboard = scoreboard;

  auto plain = run("vote", {"weak1", "weak2", "strong"}, "", options);
  auto weighted = run("weighted-vote", {"weak1", "weak2", "strong"}, "", options);

  ASSERT_TRUE(plain.ok()) << plain.error().message;
  ASSERT_TRUE(weighted.ok()) << weighted.error().message;
  EXPECT_EQ(plain->trace.vote_label, "A");
  EXPECT_EQ(weighted->trace.vote_label, "D");
  EXPECT_EQ(weighted->completion.text, "The answer is D");
}

TEST_F(VoteTest, StrategySeesSubjectAndCategoryOfQuestionId) {
  add("a", "Answer: A");
  auto strategy = std::make_shared<RecordingStrategy>("A");
  MixtureOptions options;
  options.strategy = strategy;

  auto outcome = run("vote", {"a"}, "", options);

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(strategy->question_.subject, "astronomy");
  EXPECT_EQ(strategy->question_.category, "stem");
}

// A Request carries no category, so weighted votes used to fall back to
// each miner's overall accuracy even for MMLU questions.
TEST_F(VoteTest, WeightedVoteUsesCategoryAccuracyOfSubject) {
  add("weak1", "Answer: A");
  add("weak2", "Answer: A");
  add("strong", "The answer is D");
  auto scoreboard = std::make_shared<Scoreboard>();
  // Good at humanities and at chance on STEM, so strong overall.
  for (const char* miner : {"weak1", "weak2"}) {
    for (int i = 0; i < 40; ++i) {
      scoreboard->record(miner, "philosophy", "humanities", i < 38);
    }
    for (int i = 0; i < 20; ++i) {
      scoreboard->record(miner, "college_physics", "stem", i < 5);
    }
  }
  // Good at STEM only, so near chance overall.
  for (int i = 0; i < 40; ++i) {
    scoreboard->record("strong", "philosophy", "humanities", i < 2);
  }
  for (int i = 0; i < 20; ++i) {
    scoreboard->record("strong", "college_physics", "stem", i < 19);
  }
  MixtureOptions options;
  options.scoreboard = scoreboard;

  auto weighted = run("weighted-vote", {"weak1", "weak2", "strong"}, "", options);

  ASSERT_TRUE(weighted.ok()) << weighted.error().message;
  EXPECT_EQ(weighted->trace.vote_label, "D");
  EXPECT_EQ(weighted->completion.text, "The answer is D");
}

TEST_F(VoteTest, NoLabelAnywhereFallsBackToBestProposal) {
  add("a", "I do not know.");
  add("b", "Hard to say.");

  auto outcome = run("vote", {"a", "b"});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->trace.vote_label, std::nullopt);
  EXPECT_TRUE(outcome->trace.answered_with_best_proposal);
  EXPECT_EQ(outcome->completion.text, "I do not know.");
}

TEST_F(VoteTest, VoteNeedsNoAggregator) {
  add("a", "Answer: A");

  auto outcome = run("vote", {"a"});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->trace.strategy, "vote");
}

}  // namespace
}  // namespace mom
