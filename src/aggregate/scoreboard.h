// Measured accuracy of each miner, overall, per category and per subject.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/result.h"

namespace mom {

struct Tally {
  int correct = 0;
  int total = 0;
  double accuracy() const { return total == 0 ? 0.0 : static_cast<double>(correct) / total; }
};

struct MinerScores {
  Tally overall;
  std::map<std::string, Tally> by_category;  // "stem", "humanities", "social_sciences", "other"
  std::map<std::string, Tally> by_subject;   // MMLU subject names
};

// Accuracy of each miner, built from evaluation results and saved as JSON
// ({"miners": {NAME: {"overall": {"correct","total","accuracy"},
//  "by_category": {...}, "by_subject": {...}}}}) so a mixture can load it.
// Not thread-safe while recording; const lookups may run concurrently.
class Scoreboard {
 public:
  // Counts one scored answer. An empty subject or category is not tallied
  // at that level (the overall tally still counts it).
  void record(const std::string& miner, const std::string& subject, const std::string& category,
              bool correct);

  const std::map<std::string, MinerScores>& miners() const { return miners_; }
  const MinerScores* find(const std::string& miner) const;

  // Returns the most specific tally that has answers for the miner: the
  // subject's, else the category's, else the overall one. nullopt when the
  // miner has no recorded answer. Used to show a miner's reliability.
  std::optional<Tally> lookup(const std::string& miner, const std::string& subject,
                              const std::string& category) const;

  // Returns the miner's accuracy on the subject shrunk toward its category
  // accuracy, which is itself shrunk toward its overall accuracy: with c
  // correct of n answers and a parent accuracy q, (c + m q) / (n + m) where
  // m = pseudo_count. Unknown subject or category levels are skipped.
  // nullopt when the miner has no recorded answer.
  std::optional<double> shrunk_accuracy(const std::string& miner, const std::string& subject,
                                        const std::string& category, double pseudo_count) const;

  // Reads a file written by save(). Errors name the file and the bad field.
  static Result<Scoreboard> load(const std::filesystem::path& path);

  // Writes the JSON form, replacing the file. Errors name the file.
  Status save(const std::filesystem::path& path) const;

 private:
  std::map<std::string, MinerScores> miners_;
};

}  // namespace mom
