// The MMLU data folder: subjects, their categories, and the questions of a split.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "eval/mmlu_csv.h"

namespace mom {

// One question to evaluate.
struct MmluQuestion {
  std::string subject;   // "abstract_algebra"
  std::string category;  // "stem", "humanities", "social_sciences" or "other"
  MmluRow row;

  // "subject/row", the id results.jsonl and replay miners use.
  std::string id() const { return subject + "/" + std::to_string(row.row); }
};

// What to load from the data folder.
struct MmluSelection {
  std::string split = "test";         // "test" or "val"
  std::vector<std::string> subjects;  // empty: all 57
  int limit = 0;                      // questions per subject, first rows first; 0: all
  int shots = 0;                      // dev examples per subject, 0 to 5
  bool skip_invalid = false;
};

// The questions of one split and the few-shot examples of each subject.
class MmluDataset {
 public:
  // Loads the selection from dir (which holds dev/, val/, test/ and
  // optionally categories.tsv). Errors: kNotFound for a missing folder or
  // file, naming it; kInvalidRequest for an unknown subject or split, a shot
  // count outside 0..5, or a malformed row (naming file and line).
  static Result<MmluDataset> load(const std::filesystem::path& dir, const MmluSelection& selection);

  const std::vector<MmluQuestion>& questions() const { return questions_; }

  // The first `shots` dev rows of a subject (empty when shots is 0).
  const std::vector<MmluRow>& shots(const std::string& subject) const;

  const std::vector<std::string>& subjects() const { return subjects_; }

  // Malformed rows skipped with skip_invalid, over every file read.
  int skipped_rows() const { return skipped_rows_; }

 private:
  std::vector<MmluQuestion> questions_;
  std::map<std::string, std::vector<MmluRow>> shots_;
  std::vector<std::string> subjects_;
  int skipped_rows_ = 0;
};

// The 57 subjects and their reporting categories, as compiled into mom (from
// the categories.py of the MMLU authors' repository hendrycks/test). The
// table lives in aggregate/mmlu_categories.h so that mixtures can use it too.
const std::map<std::string, std::string>& builtin_mmlu_categories();

// Reads categories.tsv (header, then subject<TAB>subcategory<TAB>category).
// Returns the compiled-in table when the file does not exist.
Result<std::map<std::string, std::string>> load_mmlu_categories(const std::filesystem::path& dir);

// Picks the data folder: the option, else $MOM_MMLU_DIR, else fallback when it
// exists. The error names what was tried and how to get the data.
Result<std::filesystem::path> resolve_mmlu_dir(const std::optional<std::filesystem::path>& option,
                                               const std::filesystem::path& fallback);

}  // namespace mom
