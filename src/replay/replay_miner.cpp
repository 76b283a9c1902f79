#include "replay/replay_miner.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "replay/recorded_answers.h"

namespace mom {
namespace {

// Answers from a table loaded once; complete() only reads it, so concurrent
// calls are safe.
class ReplayMiner : public Miner {
 public:
  ReplayMiner(MinerInfo info, std::filesystem::path path, RecordedAnswers answers)
      : info_(std::move(info)), path_(std::move(path)), answers_(std::move(answers)) {}

  const MinerInfo& info() const override { return info_; }

  Result<Completion> complete(const Request& request, const TokenSink& on_token,
                              const CancelToken& cancel) override {
    const auto start = Clock::now();
    if (cancel.cancelled()) {
      return Error::cancelled("request cancelled before replay");
    }
    auto it = answers_.find(request.question_id);
    if (request.question_id.empty() || it == answers_.end()) {
      Error error = Error::unavailable("replay miner '" + info_.name + "' has no recorded answer for question '" +
                                       request.question_id + "' in " + path_.string());
      return error;
    }
    Completion completion;
    completion.text = it->second;
    completion.model = info_.model;
    if (on_token && !completion.text.empty()) {
      on_token(completion.text);
    }
    completion.timings.total_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    return completion;
  }

 private:
  MinerInfo info_;
  std::filesystem::path path_;
  RecordedAnswers answers_;
};

// A TSV stores bare labels; replayed answers read like a model's "Answer: X".
void format_labels(RecordedAnswers& answers) {
  for (auto& [id, label] : answers) {
    if (!label.empty()) {
      label = "Answer: " + label;
    }
  }
}

}  // namespace

Result<std::shared_ptr<Miner>> make_replay_miner(const MinerConfig& config) {
  const std::filesystem::path& path = config.replay_path;
  if (path.empty()) {
    return Error::invalid("miner '" + config.name + "': replay file is not set");
  }

  const bool is_jsonl = path.extension() == ".jsonl";
  Result<RecordedAnswers> answers =
      is_jsonl ? load_results_jsonl(path, config.replay_system.empty() ? config.name : config.replay_system)
               : load_answer_tsv(path);
  if (!answers) {
    // The registry prefixes the miner's name to every construction error.
    return answers.error();
  }
  if (!is_jsonl) {
    format_labels(*answers);
  }
  spdlog::debug("replay miner={} file={} questions={}", config.name, path.string(), answers->size());

  MinerInfo info;
  info.name = config.name;
  info.kind = "replay";
  info.model = path.stem().string();
  return std::shared_ptr<Miner>(std::make_shared<ReplayMiner>(std::move(info), path, std::move(*answers)));
}

}  // namespace mom
