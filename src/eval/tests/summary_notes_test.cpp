#include "eval/summary_notes.h"

#include <gtest/gtest.h>

#include "eval/report_markdown.h"

namespace mom {
namespace {

// n questions of subject s; the right answer of question i is "ABCD"[i % 4].
// The system answers with letter_of(i); nullopt leaves the answer unparsed.
template <typename LetterOf>
std::vector<ResultRecord> answers(const std::string& system, const std::string& kind, int n, LetterOf letter_of) {
  std::vector<ResultRecord> records;
  for (int i = 0; i < n; ++i) {
    ResultRecord record;
    record.question_id = "s/" + std::to_string(i);
    record.subject = "s";
    record.row = i;
    record.category = "stem";
    record.system = system;
    record.kind = kind;
    record.answer = std::string(1, "ABCD"[i % 4]);
    record.letter = letter_of(i);
    record.unparsed = !record.letter;
    record.correct = record.letter && *record.letter == record.answer;
    records.push_back(record);
  }
  return records;
}

bool contains(const std::vector<std::string>& notes, const std::string& text) {
  for (const std::string& note : notes) {
    if (note.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> cycle(int i) { return std::string(1, "ABCD"[(i + 1) % 4]); }

TEST(SummaryNotes, SameLetterEveryTimeIsFlagged) {
  auto records = answers("tiny", "miner", 20, [](int) { return std::optional<std::string>("A"); });
  auto notes = summary_notes(summarize(records, {}, 0));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0],
            "tiny answered A on 20 of 20 questions, so its accuracy is the share of questions whose answer is A "
            "(5 of 20, 25.0%).");
}

TEST(SummaryNotes, VariedLettersAreNotFlagged) {
  auto records = answers("varied", "miner", 20, cycle);
  EXPECT_TRUE(summary_notes(summarize(records, {}, 0)).empty());
}

TEST(SummaryNotes, LetterShareJustOverThresholdIsFlagged) {
  // 19 of 20 is 95%, over the 90% threshold; 18 of 20 is 90%, not over it.
  auto nineteen = answers("m", "miner", 20, [](int i) { return std::optional<std::string>(i == 0 ? "B" : "C"); });
  EXPECT_TRUE(contains(summary_notes(summarize(nineteen, {}, 0)), "answered C on 19 of 20 answers with a letter"));
  auto eighteen = answers("m", "miner", 20, [](int i) { return std::optional<std::string>(i < 2 ? "B" : "C"); });
  EXPECT_TRUE(summary_notes(summarize(eighteen, {}, 0)).empty());
}

TEST(SummaryNotes, FewAnswersAreNotFlagged) {
  auto records = answers("m", "miner", kMinAnswersForLetterNote - 1,
                         [](int) { return std::optional<std::string>("A"); });
  EXPECT_TRUE(summary_notes(summarize(records, {}, 0)).empty());
}

TEST(SummaryNotes, MostlyUnparsedIsBelowChance) {
  // 40 questions; 36 unparsed, the other 4 right.
  auto records = answers("chatty", "miner", 40, [](int i) -> std::optional<std::string> {
    if (i < 4) {
      return std::string(1, "ABCD"[i % 4]);
    }
    return std::nullopt;
  });
  auto notes = summary_notes(summarize(records, {}, 0));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0],
            "chatty is below chance (10.0%) because 36 of 40 answers are unparsed (no letter found), and those "
            "count as wrong. On the 4 questions it answered with a letter it is right on 4 (100.0%).");
}

TEST(SummaryNotes, AggregatorThatAlwaysFailedIsStated) {
  auto records = answers("m", "miner", 12, cycle);
  auto mixture = answers("mix", "mixture", 12, cycle);
  for (ResultRecord& record : mixture) {
    record.aggregator_error = "context_exceeded: the references do not fit";
    record.answered_with_best_proposal = true;
  }
  records.insert(records.end(), mixture.begin(), mixture.end());
  auto notes = summary_notes(summarize(records, {"m", "mix"}, 0));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0],
            "The aggregator of mix failed on 12 of 12 questions (context_exceeded on 12), so it never produced an "
            "answer. The mixture mix answered with its best proposal on 12 of 12 questions: there its answer is "
            "one miner's proposal, not an aggregated answer.");
}

TEST(SummaryNotes, ReportListsTheNotes) {
  auto records = answers("tiny", "miner", 20, [](int) { return std::optional<std::string>("A"); });
  ReportContext context;
  context.split = "test";
  std::string report = render_report_markdown(summarize(records, {}, 0), context);
  EXPECT_NE(report.find("**Read with care:**\n\n- tiny answered A on 20 of 20 questions"), std::string::npos);
}

}  // namespace
}  // namespace mom
