// OUT/chart.svg: grouped bars of accuracy, overall and per category, for each system.
#pragma once

#include <string>

#include "eval/summary.h"

namespace mom {

// Renders a standalone SVG with one group of bars per column (overall, stem,
// humanities, social sciences, other) and one bar per system in a fixed
// colour. It has a y axis in percent with grid lines, a dashed line at 25%
// (chance), value labels on the bars and a legend.
std::string render_chart_svg(const Summary& summary, const std::string& title);

}  // namespace mom
