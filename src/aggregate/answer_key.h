// The right answers and categories of the MMLU test split, read from its CSV files.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace mom {

struct AnswerKey {
  std::map<std::string, std::vector<std::string>> answers;  // subject -> answer letter per row
  std::map<std::string, std::string> categories;            // subject -> "stem", "humanities", ...
};

// Reads data_dir/test/SUBJECT_test.csv (RFC 4180 CSV without a header, the
// answer letter in the last field) and data_dir/categories.tsv (header, then
// subject<TAB>subcategory<TAB>category). A missing categories.tsv leaves
// categories empty. Errors name the file and record.
Result<AnswerKey> load_answer_key(const std::filesystem::path& data_dir);

}  // namespace mom
