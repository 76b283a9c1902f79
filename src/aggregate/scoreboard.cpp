#include "aggregate/scoreboard.h"

#include <fstream>

#include <nlohmann/json.hpp>

namespace mom {
namespace {

using nlohmann::json;

json tally_to_json(const Tally& tally) {
  return {{"correct", tally.correct}, {"total", tally.total}, {"accuracy", tally.accuracy()}};
}

json tallies_to_json(const std::map<std::string, Tally>& tallies) {
  json object = json::object();
  for (const auto& [key, tally] : tallies) {
    object[key] = tally_to_json(tally);
  }
  return object;
}

// Throws json::exception on a missing or mistyped field; load() reports it.
Tally tally_from_json(const json& value) {
  Tally tally;
  tally.correct = value.at("correct").get<int>();
  tally.total = value.at("total").get<int>();
  return tally;
}

std::map<std::string, Tally> tallies_from_json(const json& object) {
  std::map<std::string, Tally> tallies;
  for (const auto& [key, value] : object.items()) {
    tallies[key] = tally_from_json(value);
  }
  return tallies;
}

double shrink(const Tally& tally, double parent_accuracy, double pseudo_count) {
  return (tally.correct + pseudo_count * parent_accuracy) / (tally.total + pseudo_count);
}

}  // namespace

void Scoreboard::record(const std::string& miner, const std::string& subject,
                        const std::string& category, bool correct) {
  MinerScores& scores = miners_[miner];
  auto count = [correct](Tally& tally) {
    tally.total += 1;
    tally.correct += correct ? 1 : 0;
  };
  count(scores.overall);
  if (!category.empty()) {
    count(scores.by_category[category]);
  }
  if (!subject.empty()) {
    count(scores.by_subject[subject]);
  }
}

const MinerScores* Scoreboard::find(const std::string& miner) const {
  auto it = miners_.find(miner);
  return it == miners_.end() ? nullptr : &it->second;
}

std::optional<Tally> Scoreboard::lookup(const std::string& miner, const std::string& subject,
                                        const std::string& category) const {
  const MinerScores* scores = find(miner);
  if (scores == nullptr || scores->overall.total == 0) {
    return std::nullopt;
  }
  if (auto it = scores->by_subject.find(subject); it != scores->by_subject.end() && it->second.total > 0) {
    return it->second;
  }
  if (auto it = scores->by_category.find(category);
      it != scores->by_category.end() && it->second.total > 0) {
    return it->second;
  }
  return scores->overall;
}

std::optional<double> Scoreboard::shrunk_accuracy(const std::string& miner, const std::string& subject,
                                                  const std::string& category,
                                                  double pseudo_count) const {
  const MinerScores* scores = find(miner);
  if (scores == nullptr || scores->overall.total == 0) {
    return std::nullopt;
  }
  double accuracy = scores->overall.accuracy();
  if (auto it = scores->by_category.find(category); it != scores->by_category.end()) {
    accuracy = shrink(it->second, accuracy, pseudo_count);
  }
  if (auto it = scores->by_subject.find(subject); it != scores->by_subject.end()) {
    accuracy = shrink(it->second, accuracy, pseudo_count);
  }
  return accuracy;
}

Result<Scoreboard> Scoreboard::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return Error::not_found("scoreboard file not found or unreadable: " + path.string());
  }
  Scoreboard board;
  try {
    const json document = json::parse(in);
    for (const auto& [name, value] : document.at("miners").items()) {
      MinerScores scores;
      scores.overall = tally_from_json(value.at("overall"));
      if (value.contains("by_category")) {
        scores.by_category = tallies_from_json(value.at("by_category"));
      }
      if (value.contains("by_subject")) {
        scores.by_subject = tallies_from_json(value.at("by_subject"));
      }
      board.miners_[name] = std::move(scores);
    }
  } catch (const json::exception& e) {
    return Error::invalid("invalid scoreboard file " + path.string() + ": " + e.what() +
                          " (expected {\"miners\": {NAME: {\"overall\": {\"correct\", \"total\"}, ...}}})");
  }
  return board;
}

Status Scoreboard::save(const std::filesystem::path& path) const {
  json miners = json::object();
  for (const auto& [name, scores] : miners_) {
    miners[name] = {{"overall", tally_to_json(scores.overall)},
                    {"by_category", tallies_to_json(scores.by_category)},
                    {"by_subject", tallies_to_json(scores.by_subject)}};
  }
  std::ofstream out(path, std::ios::trunc);
  if (!out) {
    return Error::invalid("cannot write scoreboard file " + path.string());
  }
  out << json{{"miners", miners}}.dump(2) << '\n';
  if (!out) {
    return Error::internal("failed writing scoreboard file " + path.string());
  }
  return {};
}

}  // namespace mom
