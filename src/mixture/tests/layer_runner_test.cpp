#include "mixture/layer_runner.h"

#include <gtest/gtest.h>

#include "manual_time_source.h"
#include "scripted_miner.h"
#include "time_driver.h"

namespace mom {
namespace {

using namespace std::chrono_literals;
using testing::ManualTimeSource;
using testing::Script;
using testing::ScriptedMiner;

struct Timed {
  std::vector<CallTrace> traces;
  double elapsed_ms = 0;
};

class LayerRunnerTest : public ::testing::Test {
 protected:
  std::shared_ptr<ScriptedMiner> miner(const std::string& name, std::chrono::milliseconds delay) {
    Script script;
    script.text = "answer from " + name;
    script.delay = delay;
    return std::make_shared<ScriptedMiner>(name, script, time_);
  }

  Timed run(const std::vector<std::shared_ptr<ScriptedMiner>>& miners, const LayerRules& rules,
            CancelToken cancel = {}) {
    std::vector<LayerCall> calls;
    for (const auto& scripted : miners) {
      Request request;
      request.messages = {{"user", "Question?"}};
      calls.push_back(LayerCall{scripted, request});
    }
    LayerRunner runner(time_);
    return testing::run_with_time(*time_, [&] {
      Clock::time_point start = time_->now();
      Timed timed;
      timed.traces = runner.run(calls, rules, cancel);
      timed.elapsed_ms = std::chrono::duration<double, std::milli>(time_->now() - start).count();
      return timed;
    });
  }

  std::shared_ptr<ManualTimeSource> time_ = std::make_shared<ManualTimeSource>();
};

TEST_F(LayerRunnerTest, WaitsForEveryMinerWithoutDeadline) {
  auto fast = miner("fast", 100ms);
  auto slow = miner("slow", 3000ms);

  Timed timed = run({fast, slow}, LayerRules{});

  ASSERT_EQ(timed.traces.size(), 2u);
  EXPECT_EQ(timed.traces[0].status, "ok");
  EXPECT_EQ(timed.traces[1].status, "ok");
  EXPECT_EQ(timed.traces[1].text, "answer from slow");
  EXPECT_GE(timed.elapsed_ms, 3000);
}

TEST_F(LayerRunnerTest, DeadlineCutsStragglerOnceQuorumIsIn) {
  auto fast = miner("fast", 100ms);
  auto stalled = miner("stalled", 600000ms);
  LayerRules rules;
  rules.quorum = 1;
  rules.deadline = 1000ms;
  rules.quorum_grace = 1000ms;

  Timed timed = run({fast, stalled}, rules);

  EXPECT_EQ(timed.traces[0].status, "ok");
  EXPECT_EQ(timed.traces[1].status, "timeout");
  EXPECT_NE(timed.traces[1].error.find("1000 ms"), std::string::npos);
  EXPECT_GE(timed.elapsed_ms, 1000);
  EXPECT_LT(timed.elapsed_ms, 1900);
}

TEST_F(LayerRunnerTest, StragglersAreCancelled) {
  auto fast = miner("fast", 100ms);
  auto stalled = miner("stalled", 600000ms);
  LayerRules rules;
  rules.deadline = 500ms;
  // A long grace keeps the straggler's own request deadline far away, so the
  // layer's cut at 500 ms is what stops it.
  rules.quorum_grace = 60000ms;

  Timed timed = run({fast, stalled}, rules);

  ASSERT_EQ(timed.traces[1].status, "timeout");
  // The straggler's thread finds its child token cancelled and returns.
  for (int i = 0; i < 2000 && !stalled->was_cancelled(); ++i) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(stalled->was_cancelled());
  EXPECT_FALSE(fast->was_cancelled());
}

TEST_F(LayerRunnerTest, WaitsPastDeadlineUntilQuorum) {
  auto fast = miner("fast", 100ms);
  auto late = miner("late", 1500ms);
  auto stalled = miner("stalled", 600000ms);
  LayerRules rules;
  rules.quorum = 2;
  rules.deadline = 1000ms;
  rules.quorum_grace = 5000ms;

  Timed timed = run({fast, late, stalled}, rules);

  EXPECT_EQ(timed.traces[0].status, "ok");
  EXPECT_EQ(timed.traces[1].status, "ok");
  EXPECT_EQ(timed.traces[2].status, "timeout");
  EXPECT_GE(timed.elapsed_ms, 1500);
  EXPECT_LT(timed.elapsed_ms, 3000);
}

TEST_F(LayerRunnerTest, UsesWhatItHasWhenQuorumNeverComes) {
  auto fast = miner("fast", 100ms);
  auto stalled = miner("stalled", 600000ms);
  auto also_stalled = miner("also_stalled", 600000ms);
  LayerRules rules;
  rules.quorum = 2;
  rules.deadline = 1000ms;
  rules.quorum_grace = 1000ms;

  Timed timed = run({fast, stalled, also_stalled}, rules);

  EXPECT_EQ(timed.traces[0].status, "ok");
  EXPECT_EQ(timed.traces[1].status, "timeout");
  EXPECT_EQ(timed.traces[2].status, "timeout");
  EXPECT_GE(timed.elapsed_ms, 2000);
  EXPECT_LT(timed.elapsed_ms, 3000);
}

TEST_F(LayerRunnerTest, EndsEarlyWhenAllAnswerBeforeDeadline) {
  auto first = miner("first", 100ms);
  auto second = miner("second", 200ms);
  LayerRules rules;
  rules.deadline = 5000ms;

  Timed timed = run({first, second}, rules);

  EXPECT_EQ(timed.traces[0].status, "ok");
  EXPECT_EQ(timed.traces[1].status, "ok");
  EXPECT_LT(timed.elapsed_ms, 2000);
}

TEST_F(LayerRunnerTest, CallerCancelStopsLayer) {
  auto stalled = miner("stalled", 600000ms);
  CancelToken cancel;
  cancel.cancel();

  Timed timed = run({stalled}, LayerRules{}, cancel);

  ASSERT_EQ(timed.traces.size(), 1u);
  EXPECT_EQ(timed.traces[0].status, "cancelled");
}

TEST_F(LayerRunnerTest, GivesEachCallTheHardDeadline) {
  auto fast = miner("fast", 0ms);
  LayerRules rules;
  rules.deadline = 1000ms;
  rules.quorum_grace = 500ms;
  Clock::time_point start = time_->now();

  run({fast}, rules);

  ASSERT_EQ(fast->requests().size(), 1u);
  ASSERT_TRUE(fast->requests()[0].deadline.has_value());
  EXPECT_GE(*fast->requests()[0].deadline, start + 1500ms);
  EXPECT_LE(*fast->requests()[0].deadline, start + 1600ms);
}

TEST(ClassifyCall, NamesEachOutcome) {
  Completion stop;
  stop.text = "fine";
  Completion length = stop;
  length.finish_reason = FinishReason::kLength;
  Completion blank;
  blank.text = " \n\t";

  EXPECT_EQ(classify_call(stop).status, "ok");
  EXPECT_EQ(classify_call(length).status, "truncated");
  EXPECT_EQ(classify_call(blank).status, "empty");
  EXPECT_EQ(classify_call(Error::timeout("slow")).status, "timeout");
  EXPECT_EQ(classify_call(Error::cancelled("gone")).status, "cancelled");
  CallTrace failed = classify_call(Error{ErrorCode::kUpstream, "HTTP 500"});
  EXPECT_EQ(failed.status, "error");
  EXPECT_EQ(failed.error, "upstream: HTTP 500");
}

}  // namespace
}  // namespace mom
