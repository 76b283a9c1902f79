// Readers for files of recorded answers, keyed by question id ("subject/row").
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>

#include "core/result.h"

namespace mom {

// Recorded answers of one system: question id ("subject/row") -> answer.
using RecordedAnswers = std::unordered_map<std::string, std::string>;

// Reads a TSV with the header "subject<TAB>index<TAB>predicted", one row per
// question; the value is the predicted label, empty when the model gave none.
// Errors name the file and the 1-based line (missing file, wrong header,
// wrong column count, a non-numeric index, a question listed twice).
Result<RecordedAnswers> load_answer_tsv(const std::filesystem::path& path);

// Reads an eval's results.jsonl and keeps the lines whose "system" equals
// system; the value is the line's "text". Errors name the file and the
// 1-based line (invalid JSON, missing or mistyped question_id, system or
// text), or list the systems present when none matches.
Result<RecordedAnswers> load_results_jsonl(const std::filesystem::path& path, const std::string& system);

}  // namespace mom
