// Summary statistics of repeated measurements.
#pragma once

#include <string>
#include <vector>

namespace mom::bench {

struct Summary {
  int count = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  double p99 = 0;     // nearest-rank 99th percentile
  double spread = 0;  // (max - min) / median, 0 when median is 0
};

// Summarises samples; an empty input gives an all-zero Summary.
Summary summarize(std::vector<double> samples);

// Nearest-rank percentile (0 < percent <= 100) of samples; 0 when empty.
double percentile(std::vector<double> samples, double percent);

// Formats "median (min .. max, spread N%, n=K)" with the given decimals.
std::string format_summary(const Summary& summary, int decimals = 2);

}  // namespace mom::bench
