#include "eval/mmlu_eval.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "aggregate/strategy.h"
#include "config/config.h"
#include "eval/atomic_file.h"
#include "eval/chart_svg.h"
#include "eval/eval_log.h"
#include "eval/progress.h"
#include "eval/prompt_builder.h"
#include "eval/report_markdown.h"
#include "eval/results_log.h"
#include "eval/run_manifest.h"
#include "eval/strategy_systems.h"
#include "eval/system_calls.h"
#include "eval/text_hash.h"
#include "miners/registry.h"
#include "mixture/mixture.h"

namespace mom {
namespace {

using eval::logger;

using RecordKey = std::pair<std::string, std::string>;  // question id, system

Result<const MixtureConfig*> pick_mixture(const Config& config, const std::string& name) {
  if (!name.empty()) {
    auto it = config.mixtures.find(name);
    if (it == config.mixtures.end()) {
      return Error::not_found("mixture '" + name + "' is not in " + config.path.string());
    }
    return &it->second;
  }
  if (config.mixtures.size() != 1) {
    std::string names;
    for (const auto& [mixture_name, mixture] : config.mixtures) {
      names += (names.empty() ? "" : ", ") + mixture_name;
    }
    return Error::invalid(config.path.string() + " has " + std::to_string(config.mixtures.size()) +
                          " mixtures" + (names.empty() ? "" : " (" + names + ")") +
                          ": pick one with --mixture NAME, or add a [mixtures.NAME] table");
  }
  return &config.mixtures.begin()->second;
}

bool strategy_learns_from_labels(const std::string& name) {
  if (name == "synthesize") {
    return false;
  }
  auto strategy = make_strategy(name, nullptr);
  return strategy.ok() && (*strategy)->uses_labels();
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

Result<MmluEvalOutcome> run_mmlu_eval(const MmluEvalOptions& options) {
  if (options.parallel < 1) {
    return Error::invalid("invalid --parallel " + std::to_string(options.parallel) + ": use 1 or more");
  }
  auto config = load_config(options.config_path);
  if (!config.ok()) {
    return config.error();
  }
  auto mixture_config = pick_mixture(*config, options.mixture);
  if (!mixture_config.ok()) {
    return mixture_config.error();
  }
  auto dataset = MmluDataset::load(options.data_dir, options.selection);
  if (!dataset.ok()) {
    return dataset.error();
  }
  if (dataset->questions().empty()) {
    return Error::invalid("no questions selected from " + options.data_dir.string());
  }

  auto registry = MinerRegistry::create(*config);
  if (!registry.ok()) {
    return registry.error();
  }
  auto mixture = Mixture::create(**mixture_config, **registry);
  if (!mixture.ok()) {
    return mixture.error();
  }
  auto plans = plan_miners(*config, **mixture_config, **registry);
  if (!plans.ok()) {
    return plans.error();
  }
  auto aggregator_plan = plan_aggregator(*config, **mixture_config, **registry);
  if (!aggregator_plan.ok()) {
    return aggregator_plan.error();
  }
  AggregatorPlan& aggregator = **aggregator_plan;
  FailureCounter failures;
  aggregator.failures = &failures;
  for (auto& plan : *plans) {
    plan->failures = &failures;
  }
  const std::string mixture_name = (*mixture_config)->name;

  RunManifest manifest;
  manifest.config_hash = text_hash(read_text(options.config_path));
  manifest.mixture = mixture_name;
  manifest.split = options.selection.split;
  manifest.shots = options.selection.shots;
  for (const auto& plan : *plans) {
    manifest.prompt_formats[plan->name] = prompt_format_name(plan->format);
    manifest.scoring[plan->name] = plan->logprob ? "logprob" : "generate";
  }
  if (aggregator.miner) {
    manifest.prompt_formats[mixture_name] = prompt_format_name(aggregator.format);
    manifest.scoring[mixture_name] = "logprob";
  }
  manifest.strategies = options.strategies;
  manifest.folds = options.strategies.empty() ? 0 : options.folds;

  std::error_code dir_error;
  std::filesystem::create_directories(options.out_dir, dir_error);
  if (dir_error) {
    return Error::internal("cannot create " + options.out_dir.string() + ": " + dir_error.message());
  }
  if (auto status = check_run_manifest(options.out_dir, manifest, options.force); !status.ok()) {
    return status.error();
  }
  auto log = ResultsLog::open(options.out_dir / "results.jsonl");
  if (!log.ok()) {
    return log.error();
  }
  if ((*log)->dropped_torn_line()) {
    logger()->warn("dropped a half-written last line of {}; that question is asked again",
                   (options.out_dir / "results.jsonl").string());
  }

  std::map<RecordKey, ResultRecord> existing;
  for (const ResultRecord& record : (*log)->existing()) {
    existing[{record.question_id, record.system}] = record;
  }

  // Work: questions with a miner or the mixture still missing. A recorded
  // answer counts only when it was given to the same prompt.
  const auto& questions = dataset->questions();
  std::vector<std::string> systems;
  for (const auto& plan : *plans) {
    systems.push_back(plan->name);
  }
  systems.push_back(mixture_name);

  MmluEvalOutcome outcome;
  std::mutex records_mutex;  // guards new_records and first_error
  std::vector<ResultRecord> new_records;
  std::optional<Error> first_error;
  std::atomic<size_t> next{0};
  std::atomic<int> asked{0};
  std::atomic<int> resumed{0};

  auto lookup = [&](const std::string& question_id, const std::string& system,
                    const std::string& prompt_hash) -> const ResultRecord* {
    auto it = existing.find({question_id, system});
    if (it == existing.end() || it->second.prompt_hash != prompt_hash) {
      return nullptr;
    }
    return &it->second;
  };

  int already_done = 0;
  std::vector<size_t> work;
  for (size_t i = 0; i < questions.size(); ++i) {
    bool complete = std::all_of(systems.begin(), systems.end(), [&](const std::string& system) {
      return existing.contains({questions[i].id(), system});
    });
    // Prompt hashes are checked again per question; this first pass only
    // sizes the progress bar.
    if (complete) {
      ++already_done;
    }
    work.push_back(i);
  }
  Progress progress(static_cast<int>(questions.size()) - already_done, already_done, systems);

  auto process = [&](const MmluQuestion& question) {
    PromptBuilder builder(question.subject, dataset->shots(question.subject));
    std::vector<ResultRecord> fresh;
    std::vector<CallTrace> first_layer;
    std::map<std::string, bool> correct;
    for (auto& plan : *plans) {
      Request request = miner_request(*plan, builder, question);
      std::string hash = text_hash(prompt_fingerprint(request.prompt, request.messages));
      const ResultRecord* stored = lookup(question.id(), plan->name, hash);
      ResultRecord record = stored ? *stored : ask_miner(*plan, request, question);
      if (!stored) {
        fresh.push_back(record);
      }
      correct[plan->name] = record.correct;
      first_layer.push_back(trace_from_record(record));
    }

    Request request;
    request.id = "mmlu:" + question.id() + ":" + mixture_name;
    request.question_id = question.id();
    request.sampling.temperature = 0.0;
    const bool scoring = aggregator.miner && !aggregator.generate_instead.load();
    if (scoring && aggregator.format == PromptFormat::kCompletion) {
      request.prompt = builder.completion(question.row);
    } else {
      request.messages = builder.chat(question.row);
    }
    std::string hash = text_hash(prompt_fingerprint(request.prompt, request.messages));
    const ResultRecord* stored = lookup(question.id(), mixture_name, hash);
    std::optional<ResultRecord> answered;
    if (stored) {
      answered = *stored;
    } else if (scoring) {
      answered = score_mixture(**mixture, aggregator, request, first_layer, question);
    }
    if (!answered) {
      request.prompt.reset();
      request.messages = builder.chat(question.row);
      answered = ask_mixture(**mixture, request, std::move(first_layer), question, failures);
    }
    ResultRecord record = std::move(*answered);
    if (!stored) {
      fresh.push_back(record);
    }
    correct[mixture_name] = record.correct;

    if (fresh.empty()) {
      ++resumed;
      return;
    }
    ++asked;
    Status status = (*log)->append(fresh);
    std::lock_guard lock(records_mutex);
    if (!status.ok() && !first_error) {
      first_error = status.error();
    }
    new_records.insert(new_records.end(), fresh.begin(), fresh.end());
    progress.question_done(correct);
  };

  auto worker = [&] {
    while (true) {
      if (options.stop != nullptr && options.stop->load()) {
        return;
      }
      {
        std::lock_guard lock(records_mutex);
        if (first_error) {
          return;
        }
      }
      size_t index = next.fetch_add(1);
      if (index >= work.size()) {
        return;
      }
      try {
        process(questions[work[index]]);
      } catch (const std::exception& e) {
        std::lock_guard lock(records_mutex);
        if (!first_error) {
          first_error = Error::internal(std::string("evaluating ") + questions[work[index]].id() + ": " + e.what());
        }
        return;
      }
    }
  };

  logger()->info("eval start questions={} resumable={} miners={} mixture={} parallel={}", questions.size(),
                 already_done, plans->size(), mixture_name, options.parallel);
  std::vector<std::thread> threads;
  size_t thread_count = std::min<size_t>(options.parallel, work.size());
  for (size_t i = 0; i < thread_count; ++i) {
    threads.emplace_back(worker);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  progress.finish();
  failures.log_totals();
  if (first_error) {
    return *first_error;
  }
  outcome.asked = asked.load();
  outcome.resumed = resumed.load();
  outcome.stopped = next.load() < work.size();

  // Every record of the selected questions and the current systems, newest last.
  std::set<std::string> selected;
  for (const auto& question : questions) {
    selected.insert(question.id());
  }
  std::vector<ResultRecord> records;
  for (const ResultRecord& record : latest_records((*log)->existing())) {
    if (selected.contains(record.question_id)) {
      records.push_back(record);
    }
  }
  records.insert(records.end(), new_records.begin(), new_records.end());
  records = latest_records(records);

  std::vector<std::string> order = systems;
  if (!options.strategies.empty()) {
    std::vector<std::string> miner_names(systems.begin(), systems.end() - 1);
    auto strategy_records =
        score_strategies(options.strategies, options.folds, questions, miner_names, mixture_name, records);
    if (!strategy_records.ok()) {
      return strategy_records.error();
    }
    std::map<RecordKey, const ResultRecord*> current;
    for (const ResultRecord& record : records) {
      current[{record.question_id, record.system}] = &record;
    }
    std::vector<ResultRecord> changed;
    for (const ResultRecord& record : *strategy_records) {
      auto it = current.find({record.question_id, record.system});
      if (it == current.end() || it->second->letter != record.letter) {
        changed.push_back(record);
      }
    }
    if (auto status = (*log)->append(changed); !status.ok()) {
      return status.error();
    }
    records.insert(records.end(), changed.begin(), changed.end());
    records = latest_records(records);
    order.insert(order.end(), options.strategies.begin(), options.strategies.end());
  }

  std::set<std::string> known(order.begin(), order.end());
  std::erase_if(records, [&](const ResultRecord& record) { return !known.contains(record.system); });
  outcome.summary = summarize(records, order, dataset->skipped_rows());

  nlohmann::json config_json = manifest.to_json();
  config_json["config_path"] = options.config_path.string();
  config_json["strategy"] = (*mixture_config)->strategy;
  config_json["limit"] = options.selection.limit;
  config_json["subjects"] = dataset->subjects().size();
  nlohmann::json miners_json = nlohmann::json::object();
  for (const auto& plan : *plans) {
    miners_json[plan->name] = {{"kind", plan->miner->info().kind}, {"model", plan->miner->info().model}};
  }
  config_json["miners"] = miners_json;

  ReportContext context;
  context.split = options.selection.split;
  context.shots = options.selection.shots;
  context.limit = options.selection.limit;
  context.strategy = (*mixture_config)->strategy;
  context.aggregator_logprob = aggregator.miner != nullptr && !aggregator.generate_instead.load();
  context.strategy_unfitted = strategy_learns_from_labels(context.strategy);
  if (!options.strategies.empty()) {
    context.fold_note = fold_note(options.folds);
  }

  const auto& out = options.out_dir;
  for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
           {"summary.json", summary_to_json(outcome.summary, config_json).dump(2) + "\n"},
           {"report.md", render_report_markdown(outcome.summary, context)},
           {"chart.svg", render_chart_svg(outcome.summary, "MMLU " + options.selection.split + " accuracy, " +
                                                               std::to_string(outcome.summary.questions) +
                                                               " questions")}}) {
    if (auto status = write_file_atomically(out / name, content); !status.ok()) {
      return status.error();
    }
  }
  outcome.report_path = out / "report.md";
  logger()->info("eval done questions={} asked={} resumed={} out={}", outcome.summary.questions, outcome.asked,
                 outcome.resumed, out.string());
  return outcome;
}

}  // namespace mom
