// Strategies that combine miners' answer labels into one label.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace mom {

class Scoreboard;

// One miner's vote on a question; label is nullopt when its answer held no
// label (it abstains).
struct Ballot {
  std::string miner;
  std::optional<std::string> label;
};

struct QuestionInfo {
  std::string subject;   // empty when unknown
  std::string category;  // empty when unknown
};

// A question with every miner's ballot and, for fitting, the right label
// (empty when unknown: unsupervised strategies fit on such questions too).
struct LabeledQuestion {
  QuestionInfo info;
  std::vector<Ballot> ballots;
  std::string truth;
};

// Combines ballots into one label. fit() is called before decide(), on
// questions other than those decided when the strategy uses labels
// (uses_labels()); decide() is const and thread-safe after fitting.
class Strategy {
 public:
  virtual ~Strategy() = default;

  virtual std::string name() const = 0;

  // True when fit() reads LabeledQuestion::truth, so an honest evaluation must
  // fit on other questions than those it scores (cross-fitting).
  virtual bool uses_labels() const = 0;

  virtual void fit(const std::vector<LabeledQuestion>& questions) {}

  // Returns the chosen label, or nullopt when every miner abstained.
  // aggregator_label, when set, breaks ties (see each strategy's tie rule).
  virtual std::optional<std::string> decide(const std::vector<Ballot>& ballots,
                                            const QuestionInfo& question,
                                            const std::optional<std::string>& aggregator_label) const = 0;
};

// Names of the strategies make_strategy() knows, for help text and checks.
std::vector<std::string> strategy_names();

// Creates a strategy by name ("vote", "weighted-vote", ...). weights, when
// given, seeds weighted strategies with measured accuracies; may be null.
Result<std::unique_ptr<Strategy>> make_strategy(const std::string& name, const Scoreboard* weights);

}  // namespace mom
