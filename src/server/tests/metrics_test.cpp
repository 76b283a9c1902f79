#include "server/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mom {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, CountsRequestsErrorsAndTokens) {
  Metrics metrics;
  metrics.record_request("tiny", 200, "", 0.02, 0.005, Usage{10, 4, 0});
  metrics.record_request("tiny", 200, "", 3.0, -1, Usage{1, 1, 0});
  metrics.record_request("tiny", 504, "timeout", 0.5, -1, Usage{});

  std::string text = metrics.render();
  EXPECT_THAT(text, HasSubstr("mom_requests_total{model=\"tiny\",status=\"200\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("mom_requests_total{model=\"tiny\",status=\"504\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("mom_request_errors_total{model=\"tiny\",code=\"timeout\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("mom_tokens_total{model=\"tiny\",kind=\"prompt\"} 11\n"));
  EXPECT_THAT(text, HasSubstr("mom_tokens_total{model=\"tiny\",kind=\"completion\"} 5\n"));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics metrics;
  metrics.record_request("m", 200, "", 0.02, 0.005, Usage{});
  metrics.record_request("m", 200, "", 3.0, -1, Usage{});

  std::string text = metrics.render();
  EXPECT_THAT(text, HasSubstr("mom_request_duration_seconds_bucket{model=\"m\",le=\"0.01\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("mom_request_duration_seconds_bucket{model=\"m\",le=\"0.025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("mom_request_duration_seconds_bucket{model=\"m\",le=\"5\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("mom_request_duration_seconds_bucket{model=\"m\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("mom_request_duration_seconds_count{model=\"m\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("mom_time_to_first_token_seconds_count{model=\"m\"} 1\n"));
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics;
  metrics.record_request("a\"b\\c\nd", 200, "", 0.1, -1, Usage{});
  EXPECT_THAT(metrics.render(), HasSubstr("model=\"a\\\"b\\\\c\\nd\""));
}

TEST(Metrics, TracksRequestsInFlight) {
  Metrics metrics;
  metrics.add_in_flight(1);
  metrics.add_in_flight(1);
  metrics.add_in_flight(-1);
  EXPECT_THAT(metrics.render(), HasSubstr("mom_requests_in_flight 1\n"));
  EXPECT_THAT(metrics.render(), HasSubstr("# TYPE mom_requests_in_flight gauge\n"));
}

}  // namespace
}  // namespace mom
