#include "support/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mom::bench {

double percentile(std::vector<double> samples, double percent) {
  if (samples.empty()) {
    return 0;
  }
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(percent / 100.0 * static_cast<double>(samples.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(samples.size()))) - 1;
  return samples[index];
}

Summary summarize(std::vector<double> samples) {
  Summary summary;
  if (samples.empty()) {
    return summary;
  }
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  summary.count = static_cast<int>(n);
  summary.median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  summary.min = samples.front();
  summary.max = samples.back();
  summary.p99 = percentile(samples, 99);
  summary.spread = summary.median != 0 ? (summary.max - summary.min) / summary.median : 0;
  return summary;
}

std::string format_summary(const Summary& summary, int decimals) {
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer), "%.*f (%.*f .. %.*f, spread %.0f%%, n=%d)", decimals, summary.median,
                decimals, summary.min, decimals, summary.max, summary.spread * 100, summary.count);
  return buffer;
}

}  // namespace mom::bench
