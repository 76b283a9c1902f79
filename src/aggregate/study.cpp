#include "aggregate/study.h"

#include "aggregate/cross_fit.h"

namespace mom {
namespace {

void score_miners(const std::vector<LabeledQuestion>& questions, StudyResult& result) {
  const size_t count = questions.front().ballots.size();
  std::vector<int> correct(count, 0);
  int oracle = 0;
  for (const LabeledQuestion& question : questions) {
    bool anyone = false;
    for (size_t m = 0; m < count; ++m) {
      const Ballot& ballot = question.ballots[m];
      if (ballot.label && *ballot.label == question.truth) {
        correct[m] += 1;
        anyone = true;
      }
    }
    oracle += anyone ? 1 : 0;
  }
  const double total = static_cast<double>(questions.size());
  double sum = 0;
  for (size_t m = 0; m < count; ++m) {
    MinerStudy miner{questions.front().ballots[m].miner, correct[m] / total};
    sum += miner.accuracy;
    if (m == 0 || miner.accuracy > result.best_single.accuracy) {
      result.best_single = miner;
    }
    result.miners.push_back(miner);
  }
  result.mean_of_miners = sum / count;
  result.oracle = oracle / total;
}

}  // namespace

Result<StudyResult> run_study(const std::vector<LabeledQuestion>& questions, const std::vector<int>& rows,
                              const StudyOptions& options) {
  if (options.folds < 2) {
    return Error::invalid("folds must be at least 2, got " + std::to_string(options.folds));
  }
  if (questions.empty()) {
    return Error::invalid("no questions to study");
  }
  for (const std::string& name : options.strategies) {
    if (auto made = make_strategy(name, nullptr); !made) {
      return made.error();
    }
  }

  StudyResult result;
  result.questions = static_cast<int>(questions.size());
  score_miners(questions, result);

  std::vector<bool> even(questions.size());
  std::vector<bool> odd(questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    even[i] = rows[i] % 2 == 0;
    odd[i] = !even[i];
  }

  auto run_halves = [&](const StrategyFactory& make, std::optional<double>& odd_half,
                        std::optional<double>& even_half) {
    odd_half = accuracy_of(fit_then_decide(make, questions, even), questions, odd);
    even_half = accuracy_of(fit_then_decide(make, questions, odd), questions, even);
  };

  if (options.split_halves) {
    auto best_miner = [] { return std::move(make_strategy("best-miner", nullptr).value()); };
    run_halves(best_miner, result.best_single_odd_half, result.best_single_even_half);
  }

  for (const std::string& name : options.strategies) {
    auto make = [&name] { return std::move(make_strategy(name, nullptr).value()); };
    StrategyStudy study;
    study.name = name;
    study.accuracy = accuracy_of(cross_fit(make, questions, options.folds), questions);
    if (options.split_halves) {
      run_halves(make, study.odd_half, study.even_half);
    }
    result.strategies.push_back(std::move(study));
  }
  return result;
}

}  // namespace mom
