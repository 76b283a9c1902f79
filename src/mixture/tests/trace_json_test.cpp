#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mixture/mixture.h"

namespace mom {
namespace {

TEST(TraceJson, WritesEveryCallField) {
  Trace trace;
  trace.mixture = "team";
  trace.strategy = "synthesize";
  CallTrace ok;
  ok.miner = "a";
  ok.layer = 1;
  ok.status = "ok";
  ok.latency_ms = 120.5;
  ok.first_token_ms = 30;
  ok.usage = Usage{12, 8, 4};
  ok.text = "proposal";
  ok.used_as_reference = true;
  ok.reference_shortened = true;
  CallTrace failed;
  failed.miner = "b";
  failed.layer = 1;
  failed.status = "timeout";
  failed.error = "timeout: no answer";
  CallTrace aggregator;
  aggregator.miner = "agg";
  aggregator.status = "ok";
  trace.layers = {{ok, failed}};
  trace.aggregators = {aggregator};
  trace.total_usage = Usage{20, 10, 4};
  trace.total_ms = 900;

  nlohmann::json json = trace_to_json(trace);

  EXPECT_EQ(json["mixture"], "team");
  EXPECT_EQ(json["strategy"], "synthesize");
  EXPECT_EQ(json["usage"]["prompt_tokens"], 20);
  EXPECT_EQ(json["usage"]["completion_tokens"], 10);
  EXPECT_EQ(json["usage"]["total_tokens"], 30);
  EXPECT_EQ(json["total_ms"], 900.0);
  EXPECT_EQ(json["answered_with_best_proposal"], false);
  EXPECT_TRUE(json["vote_label"].is_null());
  const auto& first = json["layers"][0][0];
  EXPECT_EQ(first["miner"], "a");
  EXPECT_EQ(first["layer"], 1);
  EXPECT_EQ(first["status"], "ok");
  EXPECT_EQ(first["latency_ms"], 120.5);
  EXPECT_EQ(first["first_token_ms"], 30.0);
  EXPECT_EQ(first["usage"]["cached_prompt_tokens"], 4);
  EXPECT_EQ(first["text"], "proposal");
  EXPECT_EQ(first["used_as_reference"], true);
  EXPECT_EQ(first["reference_shortened"], true);
  EXPECT_FALSE(first.contains("error"));
  EXPECT_EQ(json["layers"][0][1]["error"], "timeout: no answer");
  EXPECT_EQ(json["aggregators"][0]["miner"], "agg");
  EXPECT_EQ(json["aggregators"][0]["layer"], 0);
}

TEST(TraceJson, WritesVoteLabel) {
  Trace trace;
  trace.vote_label = "C";

  EXPECT_EQ(trace_to_json(trace)["vote_label"], "C");
}

}  // namespace
}  // namespace mom
