// mom study: scores aggregation strategies offline on recorded MMLU answers.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "aggregate/answer_key.h"
#include "aggregate/scoreboard.h"
#include "aggregate/strategy.h"
#include "aggregate/study.h"
#include "cli/commands.h"
#include "replay/recorded_answers.h"

namespace mom::cli {
namespace {

namespace fs = std::filesystem;

struct StudyArgs {
  fs::path answers_dir;
  fs::path data_dir;
  std::vector<std::string> miners;
  std::vector<std::string> strategies;
  int folds = 2;
  bool split_halves = false;
  fs::path scoreboard_path;
};

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Finds the TSV of a miner: a file name, a file stem, or a unique substring
// of a stem ("gpt-4o" -> openai_gpt-4o-2024-05-13.tsv).
Result<fs::path> resolve_miner_file(const fs::path& dir, const std::string& name) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".tsv") {
      files.push_back(entry.path());
    }
  }
  if (error || files.empty()) {
    return Error::not_found("no recorded answer files (*.tsv) in " + dir.string() +
                            "; pass --answers with the folder of TSV files");
  }
  std::sort(files.begin(), files.end());

  std::vector<fs::path> matches;
  for (const fs::path& file : files) {
    if (file.filename() == name || file.stem() == name) {
      return file;
    }
    if (lowercase(file.stem().string()).find(lowercase(name)) != std::string::npos) {
      matches.push_back(file);
    }
  }
  if (matches.size() == 1) {
    return matches.front();
  }
  std::string listed;
  for (const fs::path& file : matches.empty() ? files : matches) {
    listed += "\n  " + file.filename().string();
  }
  return Error::invalid("miner '" + name + "' " +
                        (matches.empty() ? "matches no file; available:" : "is ambiguous; it matches:") + listed);
}

struct StudyData {
  std::vector<LabeledQuestion> questions;
  std::vector<int> rows;
};

// Builds one question per (subject, row) that the answer key and every
// miner's file cover, in subject then row order.
Result<StudyData> load_study_data(const StudyArgs& args, const AnswerKey& key) {
  std::vector<RecordedAnswers> recorded;
  for (const std::string& miner : args.miners) {
    Result<fs::path> file = resolve_miner_file(args.answers_dir, miner);
    if (!file) {
      return file.error();
    }
    Result<RecordedAnswers> answers = load_answer_tsv(*file);
    if (!answers) {
      return answers.error();
    }
    recorded.push_back(std::move(*answers));
  }

  StudyData data;
  for (const auto& [subject, answers] : key.answers) {
    auto category = key.categories.find(subject);
    for (size_t row = 0; row < answers.size(); ++row) {
      const std::string id = subject + "/" + std::to_string(row);
      LabeledQuestion question;
      question.info.subject = subject;
      question.info.category = category == key.categories.end() ? "" : category->second;
      question.truth = answers[row];
      bool covered = true;
      for (size_t m = 0; m < args.miners.size() && covered; ++m) {
        auto it = recorded[m].find(id);
        covered = it != recorded[m].end();
        if (covered) {
          question.ballots.push_back(
              {args.miners[m], it->second.empty() ? std::nullopt : std::optional<std::string>(it->second)});
        }
      }
      if (covered) {
        data.questions.push_back(std::move(question));
        data.rows.push_back(static_cast<int>(row));
      }
    }
  }
  if (data.questions.empty()) {
    return Error::not_found("no question is covered by every miner's file and the answer key in " +
                            args.data_dir.string() + "; check that --data and --answers hold the same benchmark");
  }
  return data;
}

Status save_scoreboard(const StudyData& data, const fs::path& path) {
  Scoreboard board;
  for (const LabeledQuestion& question : data.questions) {
    for (const Ballot& ballot : question.ballots) {
      board.record(ballot.miner, question.info.subject, question.info.category,
                   ballot.label && *ballot.label == question.truth);
    }
  }
  return board.save(path);
}

std::string percent(double fraction) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", 100.0 * fraction);
  return text;
}

std::string halves(const std::optional<double>& odd, const std::optional<double>& even) {
  if (!odd || !even) {
    return "";
  }
  return " | " + percent(*odd) + " | " + percent(*even);
}

void print_report(const StudyArgs& args, const StudyResult& result) {
  std::printf("questions: %d, miners: %zu, cross-fitting: %d folds (question i in fold i mod %d)\n\n",
              result.questions, result.miners.size(), args.folds, args.folds);
  std::printf("| miner | accuracy %% |\n| --- | --- |\n");
  for (const MinerStudy& miner : result.miners) {
    std::printf("| %s | %s |\n", miner.name.c_str(), percent(miner.accuracy).c_str());
  }

  const bool split = args.split_halves;
  std::printf("\n| system | accuracy %%%s |\n| --- | ---%s |\n",
              split ? " | odd rows (fit on even) | even rows (fit on odd)" : "", split ? " | --- | ---" : "");
  std::printf("| best single (%s) | %s%s |\n", result.best_single.name.c_str(),
              percent(result.best_single.accuracy).c_str(),
              halves(result.best_single_odd_half, result.best_single_even_half).c_str());
  std::printf("| mean of miners | %s%s |\n", percent(result.mean_of_miners).c_str(), split ? " |  |" : "");
  for (const StrategyStudy& strategy : result.strategies) {
    std::printf("| %s | %s%s |\n", strategy.name.c_str(), percent(strategy.accuracy).c_str(),
                halves(strategy.odd_half, strategy.even_half).c_str());
  }
  std::printf("| oracle (any miner right) | %s%s |\n", percent(result.oracle).c_str(), split ? " |  |" : "");
}

int run_study_command(const StudyArgs& args) {
  Result<AnswerKey> key = load_answer_key(args.data_dir);
  if (!key) {
    std::fprintf(stderr, "mom study: %s\n", key.error().message.c_str());
    return 1;
  }
  Result<StudyData> data = load_study_data(args, *key);
  if (!data) {
    std::fprintf(stderr, "mom study: %s\n", data.error().message.c_str());
    return 1;
  }
  if (!args.scoreboard_path.empty()) {
    if (Status saved = save_scoreboard(*data, args.scoreboard_path); !saved) {
      std::fprintf(stderr, "mom study: %s\n", saved.error().message.c_str());
      return 1;
    }
  }

  StudyOptions options;
  options.strategies = args.strategies;
  options.folds = args.folds;
  options.split_halves = args.split_halves;
  Result<StudyResult> result = run_study(data->questions, data->rows, options);
  if (!result) {
    std::fprintf(stderr, "mom study: %s\n", result.error().message.c_str());
    return 1;
  }
  print_report(args, *result);
  return 0;
}

}  // namespace

void add_study_command(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<StudyArgs>();
  const fs::path shared = std::getenv("MOM_SHARED_DIR") ? std::getenv("MOM_SHARED_DIR") : MOM_SHARED_DIR;
  args->answers_dir = shared / "data" / "mmlu-answers";
  args->data_dir = shared / "data" / "mmlu";
  args->strategies = strategy_names();

  CLI::App* study = app.add_subcommand(
      "study", "Score aggregation strategies offline on recorded MMLU answers (cross-fitted)");
  study->add_option("--answers", args->answers_dir,
                    "Folder of recorded answer TSVs (subject, index, predicted)")
      ->capture_default_str();
  study->add_option("--data", args->data_dir, "MMLU folder with test/*.csv and categories.tsv")
      ->capture_default_str();
  study->add_option("--miners", args->miners,
                    "Miners as file names or unique parts of them, comma-separated (gpt-4o,llama-3-70b)")
      ->delimiter(',')
      ->required();
  study->add_option("--strategies", args->strategies, "Strategies to score, comma-separated")
      ->delimiter(',')
      ->check(CLI::IsMember(strategy_names()))
      ->capture_default_str();
  study->add_option("--folds", args->folds, "Cross-fitting folds for strategies fitted on labels")
      ->check(CLI::Range(2, 100))
      ->capture_default_str();
  study->add_flag("--split-halves", args->split_halves,
                  "Also fit on even rows and score odd rows, then the reverse");
  study->add_option("--save-scoreboard", args->scoreboard_path,
                    "Write the miners' accuracies (overall, per category, per subject) to this JSON file");

  commands.push_back({study, [args] { return run_study_command(*args); }});
}

}  // namespace mom::cli
