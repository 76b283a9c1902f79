#include "eval/mmlu_dataset.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "aggregate/mmlu_categories.h"

namespace mom {
namespace {

constexpr int kMaxShots = 5;  // the dev split has five rows per subject

const std::string kGetDataHint =
    "pass --data DIR or set MOM_MMLU_DIR to a folder with dev/, val/ and test/ holding "
    "SUBJECT_dev.csv, SUBJECT_val.csv and SUBJECT_test.csv; the official copy is the data.tar of "
    "https://github.com/hendrycks/test (https://people.eecs.berkeley.edu/~hendrycks/data.tar)";

}  // namespace

const std::map<std::string, std::string>& builtin_mmlu_categories() { return mmlu_subject_categories(); }

Result<std::map<std::string, std::string>> load_mmlu_categories(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / "categories.tsv";
  if (!std::filesystem::exists(path)) {
    return builtin_mmlu_categories();
  }
  std::ifstream in(path);
  if (!in) {
    return Error::not_found("cannot read " + path.string());
  }
  std::map<std::string, std::string> table;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line_number == 1 || line.empty()) {
      continue;
    }
    std::vector<std::string> fields;
    std::stringstream stream(line);
    for (std::string field; std::getline(stream, field, '\t');) {
      fields.push_back(field);
    }
    if (fields.size() != 3) {
      return Error::invalid(path.string() + ":" + std::to_string(line_number) +
                            ": expected 3 tab-separated fields (subject, subcategory, category)");
    }
    table[fields[0]] = fields[2];
  }
  return table;
}

Result<std::filesystem::path> resolve_mmlu_dir(const std::optional<std::filesystem::path>& option,
                                               const std::filesystem::path& fallback) {
  std::filesystem::path dir;
  std::string source;
  if (option) {
    dir = *option;
    source = "--data";
  } else if (const char* env = std::getenv("MOM_MMLU_DIR"); env != nullptr && *env != '\0') {
    dir = env;
    source = "MOM_MMLU_DIR";
  } else if (!fallback.empty() && std::filesystem::is_directory(fallback / "test")) {
    return fallback;
  } else {
    return Error::not_found("no MMLU data folder given: " + kGetDataHint);
  }
  if (!std::filesystem::is_directory(dir)) {
    return Error::not_found("MMLU data folder " + dir.string() + " (from " + source + ") not found: " +
                            kGetDataHint);
  }
  return dir;
}

Result<MmluDataset> MmluDataset::load(const std::filesystem::path& dir, const MmluSelection& selection) {
  if (selection.split != "test" && selection.split != "val") {
    return Error::invalid("invalid split '" + selection.split + "': use test or val");
  }
  if (selection.shots < 0 || selection.shots > kMaxShots) {
    return Error::invalid("invalid shot count " + std::to_string(selection.shots) + ": use 0 to 5");
  }
  if (selection.limit < 0) {
    return Error::invalid("invalid limit " + std::to_string(selection.limit) + ": use 0 (all) or more");
  }
  std::filesystem::path split_dir = dir / selection.split;
  if (!std::filesystem::is_directory(split_dir)) {
    return Error::not_found("MMLU folder " + split_dir.string() + " not found: " + kGetDataHint);
  }
  auto categories = load_mmlu_categories(dir);
  if (!categories.ok()) {
    return categories.error();
  }

  MmluDataset dataset;
  if (selection.subjects.empty()) {
    for (const auto& [subject, category] : *categories) {
      dataset.subjects_.push_back(subject);
    }
  } else {
    for (const auto& subject : selection.subjects) {
      if (!categories->contains(subject)) {
        return Error::invalid("unknown MMLU subject '" + subject +
                              "': use names such as abstract_algebra or high_school_physics");
      }
      dataset.subjects_.push_back(subject);
    }
  }

  for (const auto& subject : dataset.subjects_) {
    const std::string& category = categories->at(subject);
    auto csv = read_mmlu_csv(split_dir / (subject + "_" + selection.split + ".csv"), selection.skip_invalid);
    if (!csv.ok()) {
      return csv.error();
    }
    dataset.skipped_rows_ += csv->skipped;
    size_t count = csv->rows.size();
    if (selection.limit > 0) {
      count = std::min(count, static_cast<size_t>(selection.limit));
    }
    for (size_t i = 0; i < count; ++i) {
      dataset.questions_.push_back({subject, category, std::move(csv->rows[i])});
    }

    if (selection.shots > 0) {
      auto dev = read_mmlu_csv(dir / "dev" / (subject + "_dev.csv"), selection.skip_invalid);
      if (!dev.ok()) {
        return dev.error();
      }
      dataset.skipped_rows_ += dev->skipped;
      if (static_cast<int>(dev->rows.size()) < selection.shots) {
        return Error::invalid("dev split of " + subject + " has " + std::to_string(dev->rows.size()) +
                              " rows, fewer than --shots " + std::to_string(selection.shots));
      }
      dev->rows.resize(selection.shots);
      dataset.shots_[subject] = std::move(dev->rows);
    }
  }
  return dataset;
}

const std::vector<MmluRow>& MmluDataset::shots(const std::string& subject) const {
  static const std::vector<MmluRow> none;
  auto it = shots_.find(subject);
  return it == shots_.end() ? none : it->second;
}

}  // namespace mom
