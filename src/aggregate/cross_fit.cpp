#include "aggregate/cross_fit.h"

#include <cassert>

namespace mom {
namespace {

std::vector<LabeledQuestion> without_truth(const std::vector<LabeledQuestion>& questions) {
  std::vector<LabeledQuestion> stripped = questions;
  for (LabeledQuestion& question : stripped) {
    question.truth.clear();
  }
  return stripped;
}

}  // namespace

std::vector<std::optional<std::string>> fit_then_decide(const StrategyFactory& make,
                                                        const std::vector<LabeledQuestion>& questions,
                                                        const std::vector<bool>& fit_on) {
  assert(fit_on.size() == questions.size());
  std::unique_ptr<Strategy> strategy = make();
  if (strategy->uses_labels()) {
    std::vector<LabeledQuestion> fitted;
    for (size_t i = 0; i < questions.size(); ++i) {
      if (fit_on[i]) {
        fitted.push_back(questions[i]);
      }
    }
    strategy->fit(fitted);
  } else {
    strategy->fit(without_truth(questions));
  }

  std::vector<std::optional<std::string>> decided(questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    if (!fit_on[i]) {
      decided[i] = strategy->decide(questions[i].ballots, questions[i].info, std::nullopt);
    }
  }
  return decided;
}

std::vector<std::optional<std::string>> cross_fit(const StrategyFactory& make,
                                                  const std::vector<LabeledQuestion>& questions,
                                                  int folds) {
  assert(folds >= 2);
  if (!make()->uses_labels()) {
    return fit_then_decide(make, questions, std::vector<bool>(questions.size(), false));
  }
  std::vector<std::optional<std::string>> decided(questions.size());
  for (int fold = 0; fold < folds; ++fold) {
    std::vector<bool> fit_on(questions.size());
    for (size_t i = 0; i < questions.size(); ++i) {
      fit_on[i] = static_cast<int>(i % folds) != fold;
    }
    std::vector<std::optional<std::string>> part = fit_then_decide(make, questions, fit_on);
    for (size_t i = 0; i < questions.size(); ++i) {
      if (!fit_on[i]) {
        decided[i] = std::move(part[i]);
      }
    }
  }
  return decided;
}

double accuracy_of(const std::vector<std::optional<std::string>>& decided,
                   const std::vector<LabeledQuestion>& questions, const std::vector<bool>& count_on) {
  int correct = 0;
  int total = 0;
  for (size_t i = 0; i < questions.size(); ++i) {
    if (!count_on.empty() && !count_on[i]) {
      continue;
    }
    total += 1;
    correct += decided[i] && *decided[i] == questions[i].truth ? 1 : 0;
  }
  return total == 0 ? 0.0 : static_cast<double>(correct) / total;
}

}  // namespace mom
