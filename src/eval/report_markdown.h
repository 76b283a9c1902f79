// OUT/report.md: the tables a user reads first, then accuracy per subject.
#pragma once

#include <string>

#include "eval/summary.h"

namespace mom {

// Context for the report's opening lines.
struct ReportContext {
  std::string split;
  int shots = 0;
  int limit = 0;           // questions per subject; 0: all
  std::string strategy;    // the mixture's strategy
  std::string fold_note;   // how strategy folds were assigned; empty when none
  bool aggregator_logprob = false;  // the aggregator scored letters instead of writing an answer
  // The mixture's strategy learns from the right answers but ran unfitted
  // (informed only by a scoreboard, when the config names one).
  bool strategy_unfitted = false;
};

// Renders the report: the overall and per-category table with the mean of
// the miners, the mixture's gain over that mean and over the best miner, the
// statement for systems at chance level, the notes of summary_notes(), the
// paired tests, then the per-subject table.
std::string render_report_markdown(const Summary& summary, const ReportContext& context);

}  // namespace mom
