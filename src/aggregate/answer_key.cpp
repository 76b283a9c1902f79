#include "aggregate/answer_key.h"

#include <fstream>
#include <sstream>

namespace mom {
namespace {

// Returns the last field of every record of an RFC 4180 CSV text: quoted
// fields may hold commas, doubled quotes and newlines.
std::vector<std::string> last_fields(const std::string& text) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  bool record_open = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      record_open = true;
    } else if (c == ',') {
      field.clear();
      record_open = true;
    } else if (c == '\n' || c == '\r') {
      if (record_open) {
        fields.push_back(field);
      }
      field.clear();
      record_open = false;
    } else {
      field += c;
      record_open = true;
    }
  }
  if (record_open) {
    fields.push_back(field);
  }
  return fields;
}

}  // namespace

Result<AnswerKey> load_answer_key(const std::filesystem::path& data_dir) {
  const std::filesystem::path test_dir = data_dir / "test";
  std::error_code error;
  std::filesystem::directory_iterator entries(test_dir, error);
  if (error) {
    return Error::not_found("MMLU test folder not found: " + test_dir.string() +
                            " (pass the folder that holds test/ and categories.tsv)");
  }

  AnswerKey key;
  const std::string suffix = "_test.csv";
  for (const auto& entry : entries) {
    const std::string file = entry.path().filename().string();
    if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> answers = last_fields(text.str());
    for (size_t row = 0; row < answers.size(); ++row) {
      if (answers[row].size() != 1 || answers[row][0] < 'A' || answers[row][0] > 'Z') {
        return Error::invalid(entry.path().string() + ": record " + std::to_string(row + 1) +
                              " ends in '" + shorten(answers[row], 40) + "', expected an answer letter");
      }
    }
    key.answers[file.substr(0, file.size() - suffix.size())] = std::move(answers);
  }
  if (key.answers.empty()) {
    return Error::not_found("no SUBJECT_test.csv files in " + test_dir.string());
  }

  std::ifstream categories(data_dir / "categories.tsv");
  std::string line;
  std::getline(categories, line);
  while (std::getline(categories, line)) {
    std::istringstream fields(line);
    std::string subject;
    std::string subcategory;
    std::string category;
    if (std::getline(fields, subject, '\t') && std::getline(fields, subcategory, '\t') &&
        std::getline(fields, category, '\t')) {
      if (!category.empty() && category.back() == '\r') {
        category.pop_back();
      }
      key.categories[subject] = category;
    }
  }
  return key;
}

}  // namespace mom
