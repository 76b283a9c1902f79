#include "eval/summary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mom {
namespace {

ResultRecord make_record(const std::string& subject, int row, const std::string& category,
                         const std::string& system, const std::string& kind, bool correct) {
  ResultRecord record;
  record.question_id = subject + "/" + std::to_string(row);
  record.subject = subject;
  record.row = row;
  record.category = category;
  record.system = system;
  record.kind = kind;
  record.answer = "A";
  record.letter = correct ? "A" : "B";
  record.correct = correct;
  return record;
}

// Five questions: s1 (stem) has rows 0-1, s2 (humanities) rows 0-2.
// miner m1 is right on s1/0 and s2/0; the mixture on all but s2/0.
std::vector<ResultRecord> hand_made_table() {
  std::vector<ResultRecord> records;
  const bool miner[] = {true, false, true, false, false};
  const bool mixture[] = {true, true, false, true, true};
  const std::pair<std::string, int> questions[] = {{"s1", 0}, {"s1", 1}, {"s2", 0}, {"s2", 1}, {"s2", 2}};
  for (int i = 0; i < 5; ++i) {
    const auto& [subject, row] = questions[i];
    std::string category = subject == "s1" ? "stem" : "humanities";
    records.push_back(make_record(subject, row, category, "m1", "miner", miner[i]));
    records.push_back(make_record(subject, row, category, "mix", "mixture", mixture[i]));
  }
  return records;
}

TEST(Summary, MicroAndMacroAccuracy) {
  Summary summary = summarize(hand_made_table(), {"m1", "mix"}, 0);
  ASSERT_EQ(summary.systems.size(), 2u);
  EXPECT_EQ(summary.questions, 5);
  const SystemSummary& miner = summary.systems[0];
  EXPECT_EQ(miner.name, "m1");
  EXPECT_EQ(miner.overall.correct, 2);
  EXPECT_EQ(miner.overall.total, 5);
  EXPECT_DOUBLE_EQ(miner.overall.accuracy(), 0.4);
  EXPECT_NEAR(miner.macro_accuracy, (0.5 + 1.0 / 3) / 2, 1e-12);
  EXPECT_EQ(miner.by_category.at("stem").total, 2);
  EXPECT_EQ(miner.by_category.at("humanities").correct, 1);
  EXPECT_EQ(summary.mixture, "mix");
  EXPECT_EQ(summary.best_miner, "m1");
  EXPECT_DOUBLE_EQ(summary.mean_miner_accuracy, 0.4);
}

TEST(Summary, WilsonIntervalMatchesPublishedValues) {
  auto [low, high] = wilson_interval(4, 5);
  EXPECT_NEAR(low, 0.3755, 1e-4);
  EXPECT_NEAR(high, 0.9638, 1e-4);
  auto [low50, high50] = wilson_interval(50, 100);
  EXPECT_NEAR(low50, 0.4038, 1e-4);
  EXPECT_NEAR(high50, 0.5962, 1e-4);
  auto [low0, high0] = wilson_interval(0, 0);
  EXPECT_EQ(low0, 0);
  EXPECT_EQ(high0, 0);
}

TEST(Summary, ExactMcNemarOnSmallTables) {
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(3, 1), 0.625);          // 2 * (1 + 4) / 16
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 10), 2.0 / 1024);    // 2 * (1/2)^10
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(5, 5), 1.0);            // capped at 1
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_LT(mcnemar_exact_p(1000, 1200), 0.001);           // large n stays finite
}

TEST(Summary, PairedTestCountsDiscordantQuestions) {
  Summary summary = summarize(hand_made_table(), {"m1", "mix"}, 0);
  ASSERT_EQ(summary.paired.size(), 1u);
  const PairedTest& test = summary.paired[0];
  EXPECT_EQ(test.system, "m1");
  EXPECT_EQ(test.both_correct, 1);
  EXPECT_EQ(test.only_mixture, 3);
  EXPECT_EQ(test.only_system, 1);
  EXPECT_EQ(test.both_wrong, 0);
  EXPECT_DOUBLE_EQ(test.p_value, 0.625);
}

TEST(Summary, PairedTestCountsFailedAndUnparsedAsWrong) {
  std::vector<ResultRecord> records = hand_made_table();
  // The miner's call on s1/0 failed and its answer to s2/1 had no letter.
  records[0].error = "timeout: no answer";
  records[0].letter.reset();
  records[0].correct = false;
  records[6].letter.reset();
  records[6].unparsed = true;
  // The mixture's call on s2/0 failed too; the miner was right there.
  records[5].error = "unavailable: no proposal";
  records[5].letter.reset();
  // A question only the miner has is not paired.
  records.push_back(make_record("s3", 0, "other", "m1", "miner", true));

  Summary summary = summarize(records, {"m1", "mix"}, 0);
  ASSERT_EQ(summary.paired.size(), 1u);
  const PairedTest& test = summary.paired[0];
  EXPECT_EQ(test.both_correct, 0);  // s1/0 moved here from both right
  EXPECT_EQ(test.only_mixture, 4);  // s1/0, s1/1, s2/1, s2/2
  EXPECT_EQ(test.only_system, 1);   // s2/0
  EXPECT_EQ(test.both_wrong, 0);
  EXPECT_EQ(test.both_correct + test.only_mixture + test.only_system + test.both_wrong, 5);
  EXPECT_DOUBLE_EQ(test.p_value, 0.375);  // 2 * (1 + 5) / 32
  EXPECT_EQ(summary.systems[0].errors, 1);
  EXPECT_EQ(summary.systems[0].unparsed, 1);
}

TEST(Summary, CountsLettersAndRightLetters) {
  std::vector<ResultRecord> records = hand_made_table();
  records[2].answer = "C";
  Summary summary = summarize(records, {"m1", "mix"}, 0);
  const SystemSummary& miner = summary.systems[0];
  EXPECT_EQ(miner.letters.at("A"), 2);
  EXPECT_EQ(miner.letters.at("B"), 3);
  EXPECT_EQ(miner.right_letters.at("A"), 4);
  EXPECT_EQ(miner.right_letters.at("C"), 1);
}

TEST(Summary, CountsAggregatorFailuresOfTheMixture) {
  std::vector<ResultRecord> records = hand_made_table();
  records[1].aggregator_error = "context_exceeded: the references do not fit";
  records[1].answered_with_best_proposal = true;
  records[3].aggregator_error = "context_exceeded: the references do not fit";
  records[3].answered_with_best_proposal = true;
  records[5].aggregator_error = "aggregator threw";
  Summary summary = summarize(records, {"m1", "mix"}, 0);
  const SystemSummary& mixture = summary.systems[1];
  EXPECT_EQ(mixture.aggregator_failed, 3);
  EXPECT_EQ(mixture.aggregator_errors.at("context_exceeded"), 2);
  EXPECT_EQ(mixture.aggregator_errors.at("error"), 1);
  EXPECT_EQ(mixture.best_proposal_answers, 2);

  nlohmann::json json = summary_to_json(summary, nlohmann::json::object());
  EXPECT_EQ(json["systems"]["mix"]["aggregator_failed"], 3);
  EXPECT_EQ(json["systems"]["mix"]["answered_with_best_proposal"], 2);
  EXPECT_EQ(json["systems"]["mix"]["aggregator_errors"]["context_exceeded"], 2);
  EXPECT_FALSE(json["systems"]["m1"].contains("aggregator_failed"));
  ASSERT_FALSE(json["notes"].empty());
}

TEST(Summary, LaterRecordOfAPairReplacesEarlier) {
  std::vector<ResultRecord> records = hand_made_table();
  records.push_back(make_record("s1", 1, "stem", "m1", "miner", true));
  Summary summary = summarize(records, {"m1", "mix"}, 0);
  EXPECT_EQ(summary.systems[0].overall.total, 5);
  EXPECT_EQ(summary.systems[0].overall.correct, 3);
}

TEST(Summary, ChanceLevelWhenIntervalHoldsQuarter) {
  SystemSummary system;
  system.overall = {30, 114};
  system.ci95 = wilson_interval(30, 114);
  EXPECT_TRUE(at_chance_level(system));
  system.overall = {90, 114};
  system.ci95 = wilson_interval(90, 114);
  EXPECT_FALSE(at_chance_level(system));
}

TEST(Summary, JsonHasTheDocumentedFields) {
  Summary summary = summarize(hand_made_table(), {"m1", "mix"}, 2);
  nlohmann::json json = summary_to_json(summary, {{"split", "test"}});
  EXPECT_EQ(json["questions"], 5);
  EXPECT_EQ(json["skipped_rows"], 2);
  const auto& mixture = json["systems"]["mix"];
  EXPECT_DOUBLE_EQ(mixture["accuracy"].get<double>(), 0.8);
  EXPECT_EQ(mixture["correct"], 4);
  EXPECT_EQ(mixture["total"], 5);
  EXPECT_EQ(mixture["unparsed"], 0);
  EXPECT_EQ(mixture["ci95"].size(), 2u);
  EXPECT_EQ(mixture["by_category"]["stem"]["total"], 2);
  EXPECT_EQ(mixture["by_subject"]["s2"]["total"], 3);
  EXPECT_EQ(mixture["letters"]["A"], 4);
  EXPECT_TRUE(json["notes"].is_array());
  EXPECT_EQ(json["config"]["split"], "test");
}

}  // namespace
}  // namespace mom
