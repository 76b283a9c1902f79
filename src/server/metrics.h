// Request counters and latency histograms in the Prometheus text format.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/chat.h"

namespace mom {

// Server metrics per model (miner or mixture name). The server counts requests
// naming an unknown model under the label "_unknown" and unparseable ones under
// "_invalid", so that clients cannot grow the label set without bound.
// Thread-safe.
class Metrics {
 public:
  // Records one finished chat request. status is the HTTP status sent (200 for
  // a stream that started, even if it later failed); error_code is empty on
  // success, else error_code_name() of the failure. Latencies are in seconds;
  // first_token_seconds < 0 means no token was produced.
  void record_request(const std::string& model, int status, const std::string& error_code, double seconds,
                      double first_token_seconds, const Usage& usage);

  void add_in_flight(int delta);

  // The metrics in the Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  // Upper bounds in seconds of the latency histogram buckets; +Inf is implied.
  static constexpr std::array<double, 12> kBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
    void observe(double seconds);
  };

  struct ModelStats {
    std::map<int, uint64_t> requests_by_status;
    std::map<std::string, uint64_t> errors_by_code;
    Histogram latency;
    Histogram first_token;
    uint64_t prompt_tokens = 0;
    uint64_t completion_tokens = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::string, ModelStats> models_;
  int64_t in_flight_ = 0;
};

}  // namespace mom
