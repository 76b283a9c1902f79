#include "replay/recorded_answers.h"

#include <charconv>
#include <fstream>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mom {
namespace {

std::string where(const std::filesystem::path& path, int line) {
  return path.string() + ":" + std::to_string(line);
}

// Opens a recorded-answers file. An ifstream opens a directory without an
// error and then reads nothing, which read as a wrong header or no results.
Result<std::ifstream> open_answers(const std::filesystem::path& path, const char* what) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Error::invalid(std::string(what) + " " + path.string() + " is a directory; set replay to a file in it");
  }
  std::ifstream in(path);
  if (!in) {
    return Error::not_found(std::string(what) + " not found or unreadable: " + path.string());
  }
  return in;
}

}  // namespace

Result<RecordedAnswers> load_answer_tsv(const std::filesystem::path& path) {
  Result<std::ifstream> opened = open_answers(path, "recorded answers file");
  if (!opened) {
    return opened.error();
  }
  std::ifstream& in = *opened;
  std::string line;
  if (!std::getline(in, line) || (line != "subject\tindex\tpredicted" && line != "subject\tindex\tpredicted\r")) {
    return Error::invalid(where(path, 1) + ": expected the header 'subject<TAB>index<TAB>predicted'");
  }

  RecordedAnswers answers;
  answers.reserve(16384);
  int number = 1;
  while (std::getline(in, line)) {
    number += 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty()) {
      continue;
    }
    const size_t first = line.find('\t');
    const size_t second = first == std::string::npos ? std::string::npos : line.find('\t', first + 1);
    if (second == std::string::npos || line.find('\t', second + 1) != std::string::npos) {
      return Error::invalid(where(path, number) + ": expected 3 tab-separated columns, got '" +
                            shorten(line, 80) + "'");
    }
    const std::string_view index(line.data() + first + 1, second - first - 1);
    int row = 0;
    auto [end, error] = std::from_chars(index.data(), index.data() + index.size(), row);
    if (error != std::errc() || end != index.data() + index.size() || row < 0) {
      return Error::invalid(where(path, number) + ": index '" + std::string(index) +
                            "' is not a non-negative integer");
    }
    std::string id = line.substr(0, first) + "/" + std::to_string(row);
    auto [it, inserted] = answers.emplace(std::move(id), line.substr(second + 1));
    if (!inserted) {
      return Error::invalid(where(path, number) + ": question " + it->first + " is listed twice");
    }
  }
  return answers;
}

Result<RecordedAnswers> load_results_jsonl(const std::filesystem::path& path, const std::string& system) {
  Result<std::ifstream> opened = open_answers(path, "results file");
  if (!opened) {
    return opened.error();
  }
  std::ifstream& in = *opened;
  RecordedAnswers answers;
  std::set<std::string> systems;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    number += 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    try {
      const nlohmann::json record = nlohmann::json::parse(line);
      const std::string line_system = record.at("system").get<std::string>();
      systems.insert(line_system);
      if (line_system == system) {
        answers[record.at("question_id").get<std::string>()] = record.at("text").get<std::string>();
      }
    } catch (const nlohmann::json::exception& e) {
      return Error::invalid(where(path, number) + ": invalid result line (" + e.what() +
                            "); expected JSON with string fields question_id, system and text");
    }
  }
  if (answers.empty()) {
    std::string present;
    for (const std::string& name : systems) {
      present += (present.empty() ? "" : ", ") + name;
    }
    return Error::not_found("no results for system '" + system + "' in " + path.string() +
                            " (systems present: " + (present.empty() ? "none" : present) +
                            "); set replay_system to one of them");
  }
  return answers;
}

}  // namespace mom
