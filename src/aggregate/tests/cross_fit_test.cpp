#include "aggregate/cross_fit.h"

#include <memory>
#include <set>

#include <gtest/gtest.h>

namespace mom {
namespace {

// Records the truths it was fitted on and answers with the question's own
// truth label when it saw it, so a leak shows up as a decided label.
class RecordingStrategy : public Strategy {
 public:
  explicit RecordingStrategy(bool uses_labels) : uses_labels_(uses_labels) {}
  std::string name() const override { return "recording"; }
  bool uses_labels() const override { return uses_labels_; }
  void fit(const std::vector<LabeledQuestion>& questions) override {
    for (const LabeledQuestion& question : questions) {
      seen_.insert(question.truth);
    }
  }
  std::optional<std::string> decide(const std::vector<Ballot>& ballots, const QuestionInfo& question,
                                    const std::optional<std::string>&) const override {
    // The ballot carries the question's unique id; a strategy that saw that
    // id as a truth during fitting would be cheating.
    return seen_.count(*ballots.front().label) != 0 ? "leak" : "clean";
  }

 private:
  bool uses_labels_;
  std::set<std::string> seen_;
};

std::vector<LabeledQuestion> unique_questions(int count) {
  std::vector<LabeledQuestion> questions;
  for (int i = 0; i < count; ++i) {
    const std::string id = "q" + std::to_string(i);
    questions.push_back({{}, {{"m", id}}, id});
  }
  return questions;
}

TEST(CrossFit, NeverFitsOnDecidedQuestion) {
  const auto questions = unique_questions(25);
  for (int folds : {2, 3, 5, 10}) {
    auto decided = cross_fit([] { return std::make_unique<RecordingStrategy>(true); }, questions, folds);
    ASSERT_EQ(decided.size(), questions.size());
    for (size_t i = 0; i < decided.size(); ++i) {
      EXPECT_EQ(decided[i], "clean") << "folds=" << folds << " question=" << i;
    }
  }
}

TEST(CrossFit, UnsupervisedStrategySeesNoTruth) {
  const auto questions = unique_questions(10);
  auto decided = cross_fit([] { return std::make_unique<RecordingStrategy>(false); }, questions, 2);
  for (const auto& label : decided) {
    EXPECT_EQ(label, "clean");
  }
}

TEST(FitThenDecide, DecidesOnlyHeldOutQuestions) {
  const auto questions = unique_questions(6);
  const std::vector<bool> fit_on = {true, false, true, false, true, false};
  auto decided = fit_then_decide([] { return std::make_unique<RecordingStrategy>(true); }, questions, fit_on);
  for (size_t i = 0; i < decided.size(); ++i) {
    if (fit_on[i]) {
      EXPECT_EQ(decided[i], std::nullopt);
    } else {
      EXPECT_EQ(decided[i], "clean");
    }
  }
}

TEST(AccuracyOf, CountsOnlySelectedQuestions) {
  const auto questions = unique_questions(4);
  const std::vector<std::optional<std::string>> decided = {"q0", "x", std::nullopt, "q3"};
  EXPECT_DOUBLE_EQ(accuracy_of(decided, questions), 0.5);
  EXPECT_DOUBLE_EQ(accuracy_of(decided, questions, {true, true, false, false}), 0.5);
  EXPECT_DOUBLE_EQ(accuracy_of(decided, questions, {false, false, false, true}), 1.0);
}

}  // namespace
}  // namespace mom
