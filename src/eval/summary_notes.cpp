#include "eval/summary_notes.h"

#include <algorithm>
#include <cstdio>

namespace mom {
namespace {

constexpr double kChance = 0.25;

std::string percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100 * value);
  return buffer;
}

std::string of(int count, int total) {
  return std::to_string(count) + " of " + std::to_string(total);
}

std::string questions_word(int count) {
  return count == 1 ? " question" : " questions";
}

// "context_exceeded on 3, timeout on 1"
std::string error_list(const std::map<std::string, int>& errors) {
  std::vector<std::pair<std::string, int>> sorted(errors.begin(), errors.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string text;
  for (const auto& [code, count] : sorted) {
    text += (text.empty() ? "" : ", ") + code + " on " + std::to_string(count);
  }
  return text;
}

void add_aggregator_note(std::vector<std::string>& notes, const SystemSummary& system) {
  if (system.kind != "mixture" || (system.aggregator_failed == 0 && system.best_proposal_answers == 0)) {
    return;
  }
  const int total = system.overall.total;
  std::string note;
  if (system.aggregator_failed > 0) {
    note = "The aggregator of " + system.name + " failed on " + of(system.aggregator_failed, total) +
           questions_word(total) + " (" + error_list(system.aggregator_errors) + ")";
    note += system.aggregator_failed == total ? ", so it never produced an answer." : ".";
  }
  if (system.best_proposal_answers > 0) {
    note += std::string(note.empty() ? "" : " ") + "The mixture " + system.name +
            " answered with its best proposal on " + of(system.best_proposal_answers, total) +
            questions_word(total) + ": there its answer is one miner's proposal, not an aggregated answer.";
  }
  int other_failures = system.aggregator_failed - system.best_proposal_answers;
  if (system.best_proposal_answers == 0 && system.errors > 0 && other_failures > 0) {
    note += " Those questions count as failed calls of the mixture, which are wrong.";
  }
  notes.push_back(note);
}

void add_unparsed_note(std::vector<std::string>& notes, const SystemSummary& system) {
  const int total = system.overall.total;
  const int missing = system.unparsed + system.errors;
  if (total == 0 || missing == 0) {
    return;
  }
  const bool below_chance = system.ci95.second < kChance;
  if (!below_chance && 2 * missing <= total) {
    return;
  }
  std::string note = system.name + (below_chance ? " is below chance (" : " scores ") +
                     percent(system.overall.accuracy()) + (below_chance ? ")" : "") + " because ";
  if (system.unparsed > 0) {
    note += of(system.unparsed, total) + " answers are unparsed (no letter found)";
  }
  if (system.errors > 0) {
    note += std::string(system.unparsed > 0 ? " and " : "") + of(system.errors, total) + " calls failed";
  }
  note += ", and those count as wrong.";
  const int lettered = total - missing;
  if (lettered > 0) {
    note += " On the " + std::to_string(lettered) + " questions it answered with a letter it is right on " +
            std::to_string(system.overall.correct) + " (" +
            percent(static_cast<double>(system.overall.correct) / lettered) + ").";
  }
  notes.push_back(note);
}

void add_letter_note(std::vector<std::string>& notes, const SystemSummary& system) {
  int lettered = 0;
  const std::pair<const std::string, int>* top = nullptr;
  for (const auto& entry : system.letters) {
    lettered += entry.second;
    if (top == nullptr || entry.second > top->second) {
      top = &entry;
    }
  }
  if (top == nullptr || lettered < kMinAnswersForLetterNote || top->second <= kDominantLetterShare * lettered) {
    return;
  }
  const std::string& letter = top->first;
  const int total = system.overall.total;
  auto right = system.right_letters.find(letter);
  const int right_count = right == system.right_letters.end() ? 0 : right->second;
  std::string share = of(right_count, total) + ", " + percent(total == 0 ? 0.0 : static_cast<double>(right_count) / total);
  std::string note = system.name + " answered " + letter + " on ";
  if (top->second == total) {
    note += of(top->second, total) + " questions, so its accuracy is the share of questions whose answer is " +
            letter + " (" + share + ").";
  } else {
    note += of(top->second, lettered) + " answers with a letter (" + std::to_string(total) +
            " questions), so its accuracy is close to the share of questions whose answer is " + letter + " (" +
            share + ").";
  }
  notes.push_back(note);
}

}  // namespace

std::vector<std::string> summary_notes(const Summary& summary) {
  std::vector<std::string> notes;
  for (const SystemSummary& system : summary.systems) {
    add_aggregator_note(notes, system);
    add_unparsed_note(notes, system);
    add_letter_note(notes, system);
  }
  return notes;
}

}  // namespace mom
