#include "eval/report_markdown.h"

#include <cstdio>
#include <set>

#include "eval/summary_notes.h"

namespace mom {
namespace {

const std::vector<std::string> kCategories = {"stem", "humanities", "social_sciences", "other"};

std::string percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100 * value);
  return buffer;
}

std::string points(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%+.1f points", 100 * value);
  return buffer;
}

std::string cell(const Count& count) {
  if (count.total == 0) {
    return "-";
  }
  return percent(count.accuracy()) + " (" + std::to_string(count.correct) + "/" + std::to_string(count.total) + ")";
}

std::string p_value_text(double p) {
  char buffer[32];
  if (p < 0.001) {
    return "< 0.001";
  }
  std::snprintf(buffer, sizeof buffer, "%.3f", p);
  return buffer;
}

Count category_count(const SystemSummary& system, const std::string& category) {
  auto it = system.by_category.find(category);
  return it == system.by_category.end() ? Count{} : it->second;
}

void append_main_table(std::string& out, const Summary& summary) {
  out += "| system | kind | accuracy (correct/total) | 95% interval | macro | stem | humanities | "
         "social sciences | other | unparsed | errors |\n";
  out += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const SystemSummary& system : summary.systems) {
    out += "| " + system.name + " | " + system.kind + " | " + cell(system.overall) + " | " +
           percent(system.ci95.first) + " to " + percent(system.ci95.second) + " | " +
           percent(system.macro_accuracy) + " |";
    for (const auto& category : kCategories) {
      out += " " + cell(category_count(system, category)) + " |";
    }
    out += " " + std::to_string(system.unparsed) + " | " + std::to_string(system.errors) + " |\n";
  }

  // Per category, the mean covers the miners with questions in it.
  int miners = 0;
  std::map<std::string, double> category_sums;
  std::map<std::string, int> category_miners;
  for (const SystemSummary& system : summary.systems) {
    if (system.kind != "miner") {
      continue;
    }
    ++miners;
    for (const auto& category : kCategories) {
      Count count = category_count(system, category);
      if (count.total > 0) {
        category_sums[category] += count.accuracy();
        category_miners[category] += 1;
      }
    }
  }
  if (miners > 0) {
    out += "| mean of the miners | | " + percent(summary.mean_miner_accuracy) + " | | |";
    for (const auto& category : kCategories) {
      int count = category_miners[category];
      out += " " + (count == 0 ? std::string("-") : percent(category_sums[category] / count)) + " |";
    }
    out += " | |\n";
  }
  out += "\n";
}

void append_gain(std::string& out, const Summary& summary) {
  const SystemSummary* mixture = summary.find(summary.mixture);
  const SystemSummary* best = summary.find(summary.best_miner);
  if (mixture == nullptr || best == nullptr) {
    return;
  }
  double accuracy = mixture->overall.accuracy();
  out += "The mixture " + mixture->name + " scores " + percent(accuracy) + ": " +
         points(accuracy - summary.mean_miner_accuracy) + " over the mean of its miners (" +
         percent(summary.mean_miner_accuracy) + ") and " + points(accuracy - best->overall.accuracy()) +
         " over the best miner, " + best->name + " (" + percent(best->overall.accuracy()) + ").\n\n";
}

void append_paired_tests(std::string& out, const Summary& summary) {
  if (summary.paired.empty()) {
    return;
  }
  out += "## Paired test: the mixture against each system\n\n";
  out += "Exact two-sided McNemar test on every question scored for both systems. A failed call or an "
         "unparsed answer counts as wrong, as in the accuracy, so each row adds up to those questions. Only "
         "the questions where exactly one of the two is right enter the test. A p-value above 0.05 means the "
         "difference may be chance.\n\n";
  out += "| " + summary.mixture + " against | both right | only the mixture right | only the system right | "
         "both wrong | p-value |\n";
  out += "| --- | --- | --- | --- | --- | --- |\n";
  for (const PairedTest& test : summary.paired) {
    out += "| " + test.system + " | " + std::to_string(test.both_correct) + " | " +
           std::to_string(test.only_mixture) + " | " + std::to_string(test.only_system) + " | " +
           std::to_string(test.both_wrong) + " | " + p_value_text(test.p_value) + " |\n";
  }
  out += "\n";
}

void append_chance_note(std::string& out, const Summary& summary) {
  std::vector<std::string> at_chance;
  for (const SystemSummary& system : summary.systems) {
    if (at_chance_level(system)) {
      at_chance.push_back(system.name);
    }
  }
  if (at_chance.empty()) {
    return;
  }
  std::string names;
  for (const auto& name : at_chance) {
    names += (names.empty() ? "" : ", ") + name;
  }
  bool all = at_chance.size() == summary.systems.size();
  bool plural = at_chance.size() > 1;
  out += std::string("**At chance level:** ") + (all ? "every system (" + names + ")" : names) +
         (plural && !all ? " answer" : " answers") + " no better than guessing: the 95% interval includes 25%, the accuracy of picking one of "
         "four options at random. These numbers say nothing about how well the mixture combines answers; "
         "evaluate models that know the subjects to measure that.\n\n";
}

// Findings the table would hide: an aggregator that failed, answers that
// are mostly unparsed, a system that gives one letter almost every time.
void append_notes(std::string& out, const Summary& summary) {
  std::vector<std::string> notes = summary_notes(summary);
  if (notes.empty()) {
    return;
  }
  out += "**Read with care:**\n\n";
  for (const std::string& note : notes) {
    out += "- " + note + "\n";
  }
  out += "\n";
}

void append_subject_table(std::string& out, const Summary& summary) {
  std::set<std::string> subjects;
  std::map<std::string, std::string> categories;
  for (const SystemSummary& system : summary.systems) {
    for (const auto& [subject, count] : system.by_subject) {
      subjects.insert(subject);
    }
  }
  out += "## Per subject\n\nEach cell is accuracy (correct/total).\n\n| subject |";
  std::string rule = "| --- |";
  for (const SystemSummary& system : summary.systems) {
    out += " " + system.name + " |";
    rule += " --- |";
  }
  out += "\n" + rule + "\n";
  for (const std::string& subject : subjects) {
    out += "| " + subject + " |";
    for (const SystemSummary& system : summary.systems) {
      auto it = system.by_subject.find(subject);
      out += " " + (it == system.by_subject.end() ? std::string("-") : cell(it->second)) + " |";
    }
    out += "\n";
  }
}

}  // namespace

std::string render_report_markdown(const Summary& summary, const ReportContext& context) {
  std::string out = "# MMLU evaluation\n\n";
  out += "Split " + context.split + ", " + std::to_string(summary.questions) + " questions";
  if (context.limit > 0) {
    out += " (at most " + std::to_string(context.limit) + " per subject)";
  }
  out += ", " + std::to_string(context.shots) + "-shot prompts.";
  if (!summary.mixture.empty()) {
    out += " Mixture " + summary.mixture + " (strategy " + context.strategy +
           "), scored on the same proposals as its miners.";
    if (context.aggregator_logprob) {
      out += " Its aggregator was scored by log-probability: the letter it found most likely after the "
             "question with the proposals as references, with no text generated.";
    }
    if (context.strategy_unfitted) {
      out += " The mixture runs its strategy " + context.strategy +
             " unfitted, as a deployed mixture does (a vote weighted by the scoreboard, or a plain vote "
             "without one); a strategy system of the same name below shows it cross-fitted.";
    }
  }
  if (summary.skipped_rows > 0) {
    out += " " + std::to_string(summary.skipped_rows) + " malformed CSV rows were skipped (--skip-invalid).";
  }
  out += "\n\n";
  out += "Accuracy is micro-averaged (each question counts once); macro is the mean over subjects. "
         "Unparsed answers (no letter found) and failed calls count as wrong. A miner whose call failed "
         "(for example a replay miner with no recorded answer to the question) is left out of the mixture's "
         "references and abstains in votes and label strategies, as does an unparsed answer; a question "
         "that no miner answered is wrong for every system.\n\n";
  if (!context.fold_note.empty()) {
    out += context.fold_note + "\n\n";
  }

  out += "## Overall and per category\n\n";
  append_main_table(out, summary);
  append_gain(out, summary);
  append_chance_note(out, summary);
  append_notes(out, summary);
  append_paired_tests(out, summary);
  append_subject_table(out, summary);
  return out;
}

}  // namespace mom
