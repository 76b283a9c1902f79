#include "eval/chart_svg.h"

#include <cstdio>

namespace mom {
namespace {

// Colour-blind-safe palette (Okabe and Ito, 2008), repeated past eight systems.
const char* const kColours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                "#56B4E9", "#D55E00", "#F0E442", "#000000"};

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

}  // namespace

std::string render_chart_svg(const Summary& summary, const std::string& title) {
  const std::vector<std::pair<std::string, std::string>> columns = {
      {"", "overall"}, {"stem", "STEM"}, {"humanities", "humanities"},
      {"social_sciences", "social sciences"}, {"other", "other"}};
  const size_t system_count = std::max<size_t>(summary.systems.size(), 1);
  const double bar_width = 18;
  const double group_gap = 30;
  const double group_width = bar_width * system_count + group_gap;
  const double left = 60;
  const double top = 50;
  const double plot_height = 300;
  const double plot_width = group_width * columns.size();
  const double legend_top = top + plot_height + 50;
  const double width = left + plot_width + 20;
  const double height = legend_top + 20.0 * system_count + 20;

  auto y_of = [&](double accuracy) { return top + plot_height * (1 - accuracy); };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width) + "\" height=\"" +
                    number(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + number(width / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">" +
         escape_xml(title) + "</text>\n";

  for (int tick = 0; tick <= 100; tick += 20) {
    double y = y_of(tick / 100.0);
    svg += "<line x1=\"" + number(left) + "\" x2=\"" + number(left + plot_width) + "\" y1=\"" + number(y) +
           "\" y2=\"" + number(y) + "\" stroke=\"#dddddd\"/>\n";
    svg += "<text x=\"" + number(left - 6) + "\" y=\"" + number(y + 4) + "\" text-anchor=\"end\">" +
           std::to_string(tick) + "%</text>\n";
  }
  svg += "<text transform=\"translate(16," + number(top + plot_height / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">accuracy</text>\n";
  svg += "<line x1=\"" + number(left) + "\" x2=\"" + number(left) + "\" y1=\"" + number(top) + "\" y2=\"" +
         number(top + plot_height) + "\" stroke=\"black\"/>\n";
  svg += "<line x1=\"" + number(left) + "\" x2=\"" + number(left + plot_width) + "\" y1=\"" +
         number(top + plot_height) + "\" y2=\"" + number(top + plot_height) + "\" stroke=\"black\"/>\n";

  for (size_t c = 0; c < columns.size(); ++c) {
    double group_left = left + c * group_width + group_gap / 2;
    for (size_t s = 0; s < summary.systems.size(); ++s) {
      const SystemSummary& system = summary.systems[s];
      Count count = system.overall;
      if (!columns[c].first.empty()) {
        auto it = system.by_category.find(columns[c].first);
        count = it == system.by_category.end() ? Count{} : it->second;
      }
      if (count.total == 0) {
        continue;
      }
      double x = group_left + s * bar_width;
      double y = y_of(count.accuracy());
      svg += "<rect x=\"" + number(x) + "\" y=\"" + number(y) + "\" width=\"" + number(bar_width - 2) +
             "\" height=\"" + number(top + plot_height - y) + "\" fill=\"" + kColours[s % 8] + "\"><title>" +
             escape_xml(system.name) + " " + columns[c].second + ": " + number(100 * count.accuracy()) + "% (" +
             std::to_string(count.correct) + "/" + std::to_string(count.total) + ")</title></rect>\n";
      svg += "<text x=\"" + number(x + bar_width / 2 - 1) + "\" y=\"" + number(y - 3) +
             "\" text-anchor=\"middle\" font-size=\"9\">" + number(100 * count.accuracy()) + "</text>\n";
    }
    svg += "<text x=\"" + number(group_left + bar_width * system_count / 2) + "\" y=\"" +
           number(top + plot_height + 18) + "\" text-anchor=\"middle\">" + columns[c].second + "</text>\n";
  }

  double chance_y = y_of(0.25);
  svg += "<line x1=\"" + number(left) + "\" x2=\"" + number(left + plot_width) + "\" y1=\"" + number(chance_y) +
         "\" y2=\"" + number(chance_y) + "\" stroke=\"#555555\" stroke-dasharray=\"6,4\"/>\n";
  svg += "<text x=\"" + number(left + plot_width - 4) + "\" y=\"" + number(chance_y - 4) +
         "\" text-anchor=\"end\" fill=\"#555555\">chance (25%)</text>\n";

  for (size_t s = 0; s < summary.systems.size(); ++s) {
    const SystemSummary& system = summary.systems[s];
    double y = legend_top + 20.0 * s;
    svg += "<rect x=\"" + number(left) + "\" y=\"" + number(y - 10) + "\" width=\"12\" height=\"12\" fill=\"" +
           kColours[s % 8] + "\"/>\n";
    svg += "<text x=\"" + number(left + 18) + "\" y=\"" + number(y) + "\">" + escape_xml(system.name) + " (" +
           system.kind + "): " + number(100 * system.overall.accuracy()) + "% of " +
           std::to_string(system.overall.total) + " questions</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace mom
