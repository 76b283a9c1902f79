#include "mixture/mixture.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "aggregate/scoreboard.h"
#include "miners/registry.h"
#include "mixture/context_budget.h"
#include "scripted_miner.h"

namespace mom {
namespace {

using testing::Script;
using testing::ScriptedMiner;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Script answering(const std::string& text) {
  Script script;
  script.text = text;
  return script;
}

Script failing(ErrorCode code, const std::string& message) {
  Script script;
  script.error = Error{code, message};
  return script;
}

class MixtureTest : public ::testing::Test {
 protected:
  std::shared_ptr<ScriptedMiner> add(const std::string& name, Script script, int context_size = 0) {
    auto miner = std::make_shared<ScriptedMiner>(name, std::move(script), steady_time_source(), context_size);
    registry_.add(miner);
    return miner;
  }

  MixtureConfig config(std::vector<std::vector<std::string>> layers, std::string aggregator = "agg") {
    MixtureConfig config;
    config.name = "team";
    config.layers = std::move(layers);
    config.aggregator = std::move(aggregator);
    return config;
  }

  std::unique_ptr<Mixture> create(const MixtureConfig& config, MixtureOptions options = {}) {
    auto mixture = Mixture::create(config, registry_, std::move(options));
    EXPECT_TRUE(mixture.ok()) << mixture.error().message;
    return mixture.ok() ? std::move(*mixture) : nullptr;
  }

  Request question(const std::string& text = "What is the capital of France?") {
    Request request;
    request.id = "req-1";
    request.messages = {{"user", text}};
    return request;
  }

  MinerRegistry registry_;
};

TEST_F(MixtureTest, AggregatorReceivesOnlySuccessfulProposals) {
  add("a", answering("Paris, says a."));
  add("b", answering("Paris, says b."));
  add("broken", failing(ErrorCode::kUpstream, "HTTP 500 from upstream"));
  Script cut = answering("Paris, says cut, and then");
  cut.finish_reason = FinishReason::kLength;
  add("cut", cut);
  add("blank", answering("   "));
  auto agg = add("agg", answering("Paris."));
  auto mixture = create(config({{"a", "b", "broken", "cut", "blank"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->completion.text, "Paris.");
  EXPECT_EQ(outcome->completion.model, "team");
  std::string prompt = agg->last_prompt();
  EXPECT_TRUE(contains(prompt, "[Answer 1]\nParis, says a."));
  EXPECT_TRUE(contains(prompt, "[Answer 2]\nParis, says b."));
  EXPECT_FALSE(contains(prompt, "[Answer 3]"));
  EXPECT_FALSE(contains(prompt, "HTTP 500"));
  EXPECT_FALSE(contains(prompt, "says cut"));
  EXPECT_FALSE(contains(prompt, "None"));

  const auto& layer = outcome->trace.layers.at(0);
  ASSERT_EQ(layer.size(), 5u);
  EXPECT_EQ(layer[0].status, "ok");
  EXPECT_TRUE(layer[0].used_as_reference);
  EXPECT_EQ(layer[2].status, "error");
  EXPECT_EQ(layer[2].error, "upstream: HTTP 500 from upstream");
  EXPECT_FALSE(layer[2].used_as_reference);
  EXPECT_EQ(layer[3].status, "truncated");
  EXPECT_FALSE(layer[3].used_as_reference);
  EXPECT_EQ(layer[4].status, "empty");
  ASSERT_EQ(outcome->trace.aggregators.size(), 1u);
  EXPECT_EQ(outcome->trace.aggregators[0].status, "ok");
  EXPECT_EQ(outcome->trace.aggregators[0].layer, 0);
}

TEST_F(MixtureTest, UsageIsSumOverEveryCall) {
  add("a", answering("one"));
  add("b", answering("two"));
  add("agg", answering("both"));
  auto mixture = create(config({{"a", "b"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok());
  // Three calls of 10 prompt and 5 completion tokens each.
  EXPECT_EQ(outcome->completion.usage.prompt_tokens, 30);
  EXPECT_EQ(outcome->completion.usage.completion_tokens, 15);
  EXPECT_EQ(outcome->trace.total_usage.prompt_tokens, 30);
}

TEST_F(MixtureTest, OnlyAggregatorTextStreams) {
  add("a", answering("proposal text"));
  add("agg", answering("final streamed answer"));
  auto mixture = create(config({{"a"}}));
  std::string streamed;

  auto outcome = mixture->run(question(), [&](std::string_view piece) { streamed += piece; }, {});

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(streamed, "final streamed answer");
}

TEST_F(MixtureTest, AllMinersFailingSkipsAggregator) {
  add("a", failing(ErrorCode::kUpstream, "connection refused"));
  add("b", failing(ErrorCode::kTimeout, "too slow"));
  auto agg = add("agg", answering("never"));
  auto mixture = create(config({{"a", "b"}}));
  Trace trace;

  auto outcome = mixture->run(question(), nullptr, {}, &trace);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(outcome.error().message, "connection refused"));
  EXPECT_TRUE(contains(outcome.error().message, "aggregator was not called"));
  EXPECT_EQ(agg->call_count(), 0u);
  ASSERT_EQ(trace.layers.size(), 1u);
  EXPECT_EQ(trace.layers[0][0].status, "error");
  EXPECT_EQ(trace.layers[0][1].status, "timeout");
  EXPECT_TRUE(trace.aggregators.empty());
}

TEST_F(MixtureTest, FallbackAggregatorAnswersWhenAggregatorFails) {
  add("a", answering("proposal"));
  add("agg", failing(ErrorCode::kUpstream, "aggregator down"));
  add("backup", answering("backup answer"));
  MixtureConfig mixture_config = config({{"a"}});
  mixture_config.fallback_aggregator = "backup";
  auto mixture = create(mixture_config);

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->completion.text, "backup answer");
  ASSERT_EQ(outcome->trace.aggregators.size(), 2u);
  EXPECT_EQ(outcome->trace.aggregators[0].status, "error");
  EXPECT_EQ(outcome->trace.aggregators[1].miner, "backup");
  EXPECT_FALSE(outcome->trace.answered_with_best_proposal);
}

TEST_F(MixtureTest, BestProposalWhenEveryAggregatorFails) {
  add("weak", answering("weak answer"));
  add("strong", answering("strong answer"));
  add("agg", failing(ErrorCode::kUpstream, "aggregator down"));
  add("backup", failing(ErrorCode::kTimeout, "backup slow"));
  MixtureConfig mixture_config = config({{"weak", "strong"}});
  mixture_config.fallback_aggregator = "backup";
  auto scoreboard = std::make_shared<Scoreboard>();
  scoreboard->record("weak", "biology", "stem", false);
  scoreboard->record("strong", "biology", "stem", true);
  MixtureOptions options;
  options.scoreboard = scoreboard;
  auto mixture = create(mixture_config, options);
  std::string streamed;

  auto outcome = mixture->run(question(), [&](std::string_view piece) { streamed += piece; }, {});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->completion.text, "strong answer");
  EXPECT_EQ(streamed, "strong answer");
  EXPECT_TRUE(outcome->trace.answered_with_best_proposal);
  EXPECT_EQ(outcome->trace.aggregators.size(), 2u);
}

TEST_F(MixtureTest, BestProposalDefaultsToConfigOrder) {
  add("first", answering("first answer"));
  add("second", answering("second answer"));
  add("agg", failing(ErrorCode::kUpstream, "aggregator down"));
  auto mixture = create(config({{"first", "second"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->completion.text, "first answer");
  EXPECT_TRUE(outcome->trace.answered_with_best_proposal);
}

TEST_F(MixtureTest, ThreeLayersPassProposalsForward) {
  add("a", answering("layer one from a"));
  add("b", answering("layer one from b"));
  auto c = add("c", answering("layer two from c"));
  auto d = add("d", answering("layer two from d"));
  auto e = add("e", answering("layer three from e"));
  auto agg = add("agg", answering("final"));
  auto mixture = create(config({{"a", "b"}, {"c", "d"}, {"e"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  for (const auto& layer_two : {c, d}) {
    std::string prompt = layer_two->last_prompt();
    EXPECT_TRUE(contains(prompt, "[Answer 1]\nlayer one from a"));
    EXPECT_TRUE(contains(prompt, "[Answer 2]\nlayer one from b"));
    EXPECT_TRUE(contains(prompt, "What is the capital of France?"));
  }
  EXPECT_TRUE(contains(e->last_prompt(), "[Answer 1]\nlayer two from c"));
  EXPECT_TRUE(contains(e->last_prompt(), "[Answer 2]\nlayer two from d"));
  EXPECT_FALSE(contains(e->last_prompt(), "layer one"));
  EXPECT_TRUE(contains(agg->last_prompt(), "[Answer 1]\nlayer three from e"));
  EXPECT_FALSE(contains(agg->last_prompt(), "layer two"));
  ASSERT_EQ(outcome->trace.layers.size(), 3u);
  EXPECT_EQ(outcome->trace.layers[1][0].layer, 2);
  EXPECT_EQ(outcome->completion.usage.prompt_tokens, 60);
}

TEST_F(MixtureTest, UserPlacementPutsReferencesInLastUserTurn) {
  add("a", answering("proposal a"));
  auto agg = add("agg", answering("final"));
  MixtureConfig mixture_config = config({{"a"}});
  mixture_config.references = "user";
  mixture_config.aggregation_prompt = "Custom instructions.";
  auto mixture = create(mixture_config);

  auto outcome = mixture->run(question("Q?"), nullptr, {});

  ASSERT_TRUE(outcome.ok());
  std::vector<Message> sent = agg->requests().at(0).messages;
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].content, "Custom instructions.\n\n[Answer 1]\nproposal a\n\nQ?");
}

TEST_F(MixtureTest, ContextBudgetCutIsMarkedInTrace) {
  std::string long_text;
  for (int i = 0; i < 3000; ++i) {
    long_text += "word ";
  }
  add("a", answering(long_text));
  add("b", answering("short"));
  auto agg = add("agg", answering("final"), 1024);
  auto mixture = create(config({{"a", "b"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_TRUE(outcome->trace.layers[0][0].reference_shortened);
  EXPECT_FALSE(outcome->trace.layers[0][1].reference_shortened);
  EXPECT_TRUE(contains(agg->last_prompt(), std::string(kShortenedMarker)));
  // The trace keeps the whole proposal.
  EXPECT_EQ(outcome->trace.layers[0][0].text, long_text);
}

TEST_F(MixtureTest, AggregatorWithTooSmallContextFallsBack) {
  add("a", answering("proposal a"));
  auto agg = add("agg", answering("final"), 64);
  auto mixture = create(config({{"a"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(agg->call_count(), 0u);
  EXPECT_EQ(outcome->trace.aggregators.at(0).status, "error");
  EXPECT_TRUE(contains(outcome->trace.aggregators[0].error, "context_exceeded"));
  EXPECT_TRUE(outcome->trace.answered_with_best_proposal);
}

TEST_F(MixtureTest, TokenizerExceptionFailsOnlyThatCall) {
  // A llama.cpp vocabulary without a byte fallback throws std::out_of_range
  // for characters it cannot encode; that used to end the whole process.
  add("a", answering("proposal a"));
  auto agg = add("agg", answering("final"), 4096);
  agg->set_token_counter([](std::string_view) -> int { throw std::out_of_range("unordered_map::at"); });
  auto mixture = create(config({{"a"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(agg->call_count(), 0u);
  EXPECT_TRUE(contains(outcome->trace.aggregators.at(0).error, "counting tokens failed: unordered_map::at"));
  EXPECT_TRUE(outcome->trace.answered_with_best_proposal);
  EXPECT_EQ(outcome->completion.text, "proposal a");
}

TEST_F(MixtureTest, PromptTooLongForLaterLayerMarksCall) {
  add("a", answering("proposal a"));
  add("small", answering("never sent"), 64);
  add("b", answering("layer two from b"));
  auto agg = add("agg", answering("final"));
  auto mixture = create(config({{"a"}, {"small", "b"}}));

  auto outcome = mixture->run(question(), nullptr, {});

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  const auto& layer_two = outcome->trace.layers.at(1);
  EXPECT_EQ(layer_two[0].status, "error");
  EXPECT_TRUE(contains(layer_two[0].error, "context_exceeded"));
  EXPECT_EQ(layer_two[1].status, "ok");
  EXPECT_TRUE(contains(agg->last_prompt(), "layer two from b"));
}

TEST_F(MixtureTest, ReliabilityNotesShowSubjectAccuracy) {
  add("a", answering("proposal a"));
  auto agg = add("agg", answering("final"));
  auto scoreboard = std::make_shared<Scoreboard>();
  for (int i = 0; i < 4; ++i) {
    scoreboard->record("a", "anatomy", "stem", i < 3);
  }
  MixtureConfig mixture_config = config({{"a"}});
  mixture_config.show_reliability = true;
  MixtureOptions options;
  options.scoreboard = scoreboard;
  auto mixture = create(mixture_config, options);
  Request request = question();
  request.question_id = "anatomy/12";

  auto outcome = mixture->run(request, nullptr, {});

  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(contains(agg->last_prompt(), "[Answer 1: from a model with 75% measured accuracy on anatomy questions]"));
}

TEST_F(MixtureTest, RunFromFirstLayerUsesGivenProposals) {
  auto a = add("a", answering("not called"));
  auto agg = add("agg", answering("final"));
  auto mixture = create(config({{"a"}}));
  CallTrace given;
  given.miner = "a";
  given.status = "ok";
  given.text = "precomputed proposal";
  given.usage = Usage{7, 3, 0};

  auto outcome = mixture->run_from_first_layer(question(), {given}, nullptr, {});

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(a->call_count(), 0u);
  EXPECT_TRUE(contains(agg->last_prompt(), "precomputed proposal"));
  EXPECT_EQ(outcome->completion.usage.prompt_tokens, 17);
}

TEST_F(MixtureTest, RunFromFirstLayerRejectsWrongCount) {
  add("a", answering("x"));
  add("agg", answering("final"));
  auto mixture = create(config({{"a"}}));

  auto outcome = mixture->run_from_first_layer(question(), {}, nullptr, {});

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidRequest);
}

TEST_F(MixtureTest, CancelledRequestReturnsCancelled) {
  add("a", answering("x"));
  auto agg = add("agg", answering("final"));
  auto mixture = create(config({{"a"}}));
  CancelToken cancel;
  cancel.cancel();

  auto outcome = mixture->run(question(), nullptr, cancel);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(agg->call_count(), 0u);
}

TEST_F(MixtureTest, EmptyRequestIsInvalid) {
  add("a", answering("x"));
  add("agg", answering("final"));
  auto mixture = create(config({{"a"}}));

  auto outcome = mixture->run(Request{}, nullptr, {});

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidRequest);
}

TEST_F(MixtureTest, CreateRejectsBadConfigs) {
  add("a", answering("x"));
  add("agg", answering("final"));

  struct Case {
    std::string what;
    MixtureConfig config;
    std::string message_part;
  };

  MixtureConfig unknown = config({{"a", "ghost"}});
  MixtureConfig no_aggregator = config({{"a"}}, "");
  MixtureConfig bad_references = config({{"a"}});
  bad_references.references = "assistant";
  MixtureConfig big_quorum = config({{"a"}});
  big_quorum.quorum = 2;
  MixtureConfig no_layers = config({});
  MixtureConfig bad_strategy = config({{"a"}});
  bad_strategy.strategy = "coin-flip";
  MixtureConfig reliability_without_scores = config({{"a"}});
  reliability_without_scores.show_reliability = true;

  std::vector<Case> cases = {
      {"unknown miner", unknown, "unknown miner 'ghost' in layer 1; known miners: a, agg"},
      {"no aggregator", no_aggregator, "needs an aggregator"},
      {"bad references", bad_references, "\"assistant\" is invalid"},
      {"quorum over layer size", big_quorum, "quorum 2 is invalid"},
      {"no layers", no_layers, "has no layers"},
      {"unknown strategy", bad_strategy, "coin-flip"},
      {"reliability without scores", reliability_without_scores, "weights_path"},
  };

  for (const Case& c : cases) {
    auto mixture = Mixture::create(c.config, registry_);
    ASSERT_FALSE(mixture.ok()) << c.what;
    EXPECT_TRUE(contains(mixture.error().message, c.message_part)) << c.what << ": " << mixture.error().message;
  }
}

}  // namespace
}  // namespace mom
