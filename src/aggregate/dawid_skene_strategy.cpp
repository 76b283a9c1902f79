#include "aggregate/dawid_skene_strategy.h"

#include <cmath>

#include "aggregate/label_scores.h"

namespace mom {
namespace {

constexpr double kInitialAccuracy = 0.7;
constexpr int kIterations = 50;
constexpr double kConvergence = 1e-6;
// Questions' worth of prior pulling a category estimate toward the overall one.
constexpr double kCategoryPseudoCount = 50.0;

struct Sums {
  double right = 0;  // expected number of right answers
  double total = 0;  // answers given
};

}  // namespace

double DawidSkeneStrategy::accuracy(const std::string& miner, const std::string& category) const {
  auto miner_it = by_category_.find(miner);
  if (miner_it != by_category_.end()) {
    auto it = miner_it->second.find(category);
    if (it != miner_it->second.end()) {
      return it->second;
    }
  }
  auto it = overall_.find(miner);
  return it == overall_.end() ? kInitialAccuracy : it->second;
}

void DawidSkeneStrategy::fit(const std::vector<LabeledQuestion>& questions) {
  choice_count_ = count_choices(questions);
  overall_.clear();
  by_category_.clear();
  const int k = choice_count_;

  for (int iteration = 0; iteration < kIterations; ++iteration) {
    std::map<std::string, Sums> overall_sums;
    std::map<std::string, std::map<std::string, Sums>> category_sums;

    // E-step: the posterior of each label on the ballot under the current
    // accuracies; labels nobody gave share the remaining mass at score 0.
    for (const LabeledQuestion& question : questions) {
      auto miner_weight = [&](const Ballot& ballot) {
        return accuracy_weight(accuracy(ballot.miner, question.info.category), k);
      };
      const std::vector<LabelScore> scores = score_labels(question.ballots, miner_weight);
      if (scores.empty()) {
        continue;
      }
      double best = 0;
      for (const LabelScore& entry : scores) {
        best = std::max(best, entry.score);
      }
      double normalizer = (k - static_cast<double>(scores.size())) * std::exp(-best);
      std::map<std::string, double> posterior;
      for (const LabelScore& entry : scores) {
        posterior[entry.label] = std::exp(entry.score - best);
        normalizer += posterior[entry.label];
      }
      for (const Ballot& ballot : question.ballots) {
        if (!ballot.label) {
          continue;
        }
        const double right = posterior[*ballot.label] / normalizer;
        overall_sums[ballot.miner].right += right;
        overall_sums[ballot.miner].total += 1;
        Sums& sums = category_sums[ballot.miner][question.info.category];
        sums.right += right;
        sums.total += 1;
      }
    }

    // M-step: accuracies from the expected counts.
    double change = 0;
    std::map<std::string, double> overall;
    std::map<std::string, std::map<std::string, double>> by_category;
    for (const auto& [miner, sums] : overall_sums) {
      const double p = sums.right / sums.total;
      overall[miner] = p;
      for (const auto& [category, category_sum] : category_sums[miner]) {
        by_category[miner][category] =
            (category_sum.right + kCategoryPseudoCount * p) / (category_sum.total + kCategoryPseudoCount);
      }
      change = std::max(change, std::abs(p - accuracy(miner, "")));
    }
    overall_ = std::move(overall);
    by_category_ = std::move(by_category);
    if (change < kConvergence) {
      break;
    }
  }
}

std::optional<std::string> DawidSkeneStrategy::decide(
    const std::vector<Ballot>& ballots, const QuestionInfo& question,
    const std::optional<std::string>& aggregator_label) const {
  auto miner_weight = [&](const Ballot& ballot) {
    return accuracy_weight(accuracy(ballot.miner, question.category), choice_count_);
  };
  return pick_label(score_labels(ballots, miner_weight, miner_weight), aggregator_label);
}

}  // namespace mom
