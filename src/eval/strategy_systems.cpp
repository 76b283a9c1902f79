#include "eval/strategy_systems.h"

#include <map>

#include "aggregate/strategy.h"
#include "eval/summary.h"
#include "eval/text_hash.h"

namespace mom {
namespace {

int fold_of(const std::string& question_id, int folds) {
  return static_cast<int>(std::stoull(text_hash(question_id), nullptr, 16) % static_cast<unsigned long long>(folds));
}

}  // namespace

std::string fold_note(int folds) {
  return "Strategies that learn from the right answers are cross-fitted over " + std::to_string(folds) +
         " folds: a question's fold is a stable hash of its id (FNV-1a of \"subject/row\") modulo " +
         std::to_string(folds) + ", and each question is decided by a strategy fitted only on the other folds.";
}

Result<std::vector<ResultRecord>> score_strategies(const std::vector<std::string>& strategies, int folds,
                                                   const std::vector<MmluQuestion>& questions,
                                                   const std::vector<std::string>& miners,
                                                   const std::string& mixture,
                                                   const std::vector<ResultRecord>& records) {
  std::map<std::string, std::map<std::string, const ResultRecord*>> by_question;  // question -> system -> record
  for (const ResultRecord& record : records) {
    by_question[record.question_id][record.system] = &record;
  }

  // Ballots of every question that has at least one miner record.
  std::vector<const MmluQuestion*> scored;
  std::vector<LabeledQuestion> labeled;
  std::vector<std::optional<std::string>> aggregator_labels;
  for (const MmluQuestion& question : questions) {
    auto it = by_question.find(question.id());
    if (it == by_question.end()) {
      continue;
    }
    LabeledQuestion item;
    item.info = {question.subject, question.category};
    item.truth = std::string(1, question.row.answer);
    bool any_miner = false;
    for (const std::string& miner : miners) {
      auto record = it->second.find(miner);
      if (record == it->second.end()) {
        item.ballots.push_back({miner, std::nullopt});
        continue;
      }
      any_miner = true;
      item.ballots.push_back({miner, record->second->letter});
    }
    if (!any_miner) {
      continue;
    }
    auto aggregator = it->second.find(mixture);
    aggregator_labels.push_back(aggregator == it->second.end() ? std::nullopt : aggregator->second->letter);
    scored.push_back(&question);
    labeled.push_back(std::move(item));
  }

  std::vector<ResultRecord> out;
  for (const std::string& name : strategies) {
    auto probe = make_strategy(name, nullptr);
    if (!probe.ok()) {
      return probe.error();
    }
    bool cross_fit = (*probe)->uses_labels();
    if (cross_fit && folds < 2) {
      return Error::invalid("strategy '" + name + "' learns from the right answers, so it needs --folds 2 or more");
    }
    int fold_count = cross_fit ? folds : 1;

    std::vector<std::optional<std::string>> decisions(labeled.size());
    for (int fold = 0; fold < fold_count; ++fold) {
      auto strategy = make_strategy(name, nullptr);
      if (!strategy.ok()) {
        return strategy.error();
      }
      std::vector<LabeledQuestion> training;
      for (size_t i = 0; i < labeled.size(); ++i) {
        if (!cross_fit) {
          LabeledQuestion unlabeled = labeled[i];
          unlabeled.truth.clear();
          training.push_back(std::move(unlabeled));
        } else if (fold_of(scored[i]->id(), fold_count) != fold) {
          training.push_back(labeled[i]);
        }
      }
      (*strategy)->fit(training);
      for (size_t i = 0; i < labeled.size(); ++i) {
        if (cross_fit && fold_of(scored[i]->id(), fold_count) != fold) {
          continue;
        }
        decisions[i] = (*strategy)->decide(labeled[i].ballots, labeled[i].info, aggregator_labels[i]);
      }
    }

    for (size_t i = 0; i < labeled.size(); ++i) {
      const MmluQuestion& question = *scored[i];
      ResultRecord record;
      record.question_id = question.id();
      record.subject = question.subject;
      record.row = question.row.row;
      record.category = question.category;
      record.system = name;
      record.kind = "strategy";
      record.text = decisions[i] ? "Answer: " + *decisions[i] : "";
      record.letter = decisions[i];
      record.answer = labeled[i].truth;
      record.correct = decisions[i] && *decisions[i] == record.answer;
      record.unparsed = !decisions[i];
      out.push_back(std::move(record));
    }
  }
  return out;
}

}  // namespace mom
