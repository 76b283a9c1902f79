#include "eval/mmlu_csv.h"

#include <fstream>
#include <sstream>

namespace mom {
namespace {

// One CSV record and the line it started on.
struct Record {
  std::vector<std::string> fields;
  int line = 0;
};

// Splits the text into records. Returns an error for a quote that is never
// closed, since the rest of the file cannot be split reliably.
Result<std::vector<Record>> split_records(std::string_view text, const std::string& source_name) {
  std::vector<Record> records;
  Record current;
  std::string field;
  bool in_quotes = false;
  bool field_started = false;  // the record has any content, so an empty line is skipped
  int line = 1;
  int quote_line = 0;
  current.line = 1;

  auto end_field = [&] {
    current.fields.push_back(std::move(field));
    field.clear();
  };
  auto end_record = [&] {
    if (field_started || !current.fields.empty()) {
      end_field();
      records.push_back(std::move(current));
    }
    current = Record{};
    field_started = false;
  };

  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        field.push_back(c);
      }
      continue;
    }
    if (!field_started && current.fields.empty()) {
      current.line = line;
    }
    if (c == '"') {
      in_quotes = true;
      quote_line = line;
      field_started = true;
    } else if (c == ',') {
      end_field();
      field_started = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      end_record();
      ++line;
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (in_quotes) {
    return Error::invalid(source_name + ":" + std::to_string(quote_line) +
                          ": quoted field is never closed; check the file's quoting");
  }
  end_record();
  return records;
}

}  // namespace

Result<MmluCsv> parse_mmlu_csv(std::string_view text, const std::string& source_name, bool skip_invalid) {
  auto records = split_records(text, source_name);
  if (!records.ok()) {
    return records.error();
  }

  MmluCsv csv;
  int row_index = 0;
  for (Record& record : *records) {
    int row = row_index++;
    std::string problem;
    if (record.fields.size() != 6) {
      problem = "expected 6 fields (question, A, B, C, D, answer), found " + std::to_string(record.fields.size());
    } else if (record.fields[5].size() != 1 || record.fields[5][0] < 'A' || record.fields[5][0] > 'D') {
      problem = "answer must be one of A, B, C, D, found '" + shorten(record.fields[5], 40) + "'";
    }
    if (!problem.empty()) {
      if (skip_invalid) {
        ++csv.skipped;
        continue;
      }
      return Error::invalid(source_name + ":" + std::to_string(record.line) + ": " + problem +
                            " (use --skip-invalid to skip malformed rows)");
    }
    MmluRow parsed;
    parsed.question = std::move(record.fields[0]);
    for (size_t i = 0; i < 4; ++i) {
      parsed.options[i] = std::move(record.fields[i + 1]);
    }
    parsed.answer = record.fields[5][0];
    parsed.row = row;
    parsed.line = record.line;
    csv.rows.push_back(std::move(parsed));
  }
  return csv;
}

Result<MmluCsv> read_mmlu_csv(const std::filesystem::path& path, bool skip_invalid) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::not_found("cannot read MMLU file " + path.string());
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_mmlu_csv(buffer.str(), path.string(), skip_invalid);
}

}  // namespace mom
