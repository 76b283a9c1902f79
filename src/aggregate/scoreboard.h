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
class Scoreboard {
 public:
  void record(const std::string& miner, const std::string& subject, const std::string& category,
              bool correct);

  const std::map<std::string, MinerScores>& miners() const { return miners_; }
  const MinerScores* find(const std::string& miner) const;

  static Result<Scoreboard> load(const std::filesystem::path& path);
  Status save(const std::filesystem::path& path) const;

 private:
  std::map<std::string, MinerScores> miners_;
};

}  // namespace mom
