// Reader for the MMLU CSV files: question, four options and the answer letter.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace mom {

// One row of an MMLU CSV file.
struct MmluRow {
  std::string question;
  std::array<std::string, 4> options;  // the texts of options A to D
  char answer = 'A';                   // 'A'..'D'
  int row = 0;                         // 0-based row among the file's valid and invalid rows
  int line = 0;                        // 1-based line where the row starts
};

// Rows of one file and the malformed rows skipped.
struct MmluCsv {
  std::vector<MmluRow> rows;
  int skipped = 0;  // malformed rows dropped because skip_invalid was set
};

// Parses RFC 4180 CSV text (quoted fields may hold commas, doubled quotes and
// newlines; CRLF or LF line ends) into MMLU rows of six fields. A malformed
// row (wrong field count, answer not A-D, an unterminated quote) fails with
// kInvalidRequest naming source_name and the row's first line, unless
// skip_invalid is set, in which case it is counted in MmluCsv::skipped. An
// unterminated quote always fails, because the rest of the file cannot be split.
Result<MmluCsv> parse_mmlu_csv(std::string_view text, const std::string& source_name, bool skip_invalid);

// Reads and parses a file; a missing or unreadable file is kNotFound.
Result<MmluCsv> read_mmlu_csv(const std::filesystem::path& path, bool skip_invalid);

}  // namespace mom
