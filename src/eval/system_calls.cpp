#include "eval/system_calls.h"

#include <algorithm>

#include "aggregate/label.h"
#include "eval/eval_log.h"
#include "eval/text_hash.h"
#include "miners/registry.h"

namespace mom {
namespace {

const std::vector<std::string> kLetters = {"A", "B", "C", "D"};

using eval::logger;

std::vector<std::string> option_texts(const MmluRow& row) {
  return {row.options.begin(), row.options.end()};
}

ResultRecord base_record(const MmluQuestion& question, const std::string& system, const std::string& kind) {
  ResultRecord record;
  record.question_id = question.id();
  record.subject = question.subject;
  record.row = question.row.row;
  record.category = question.category;
  record.system = system;
  record.kind = kind;
  record.answer = std::string(1, question.row.answer);
  return record;
}

void score_text(ResultRecord& record, const MmluRow& row) {
  record.letter = extract_label(record.text, LabelKind::kChoice, option_texts(row));
  record.unparsed = !record.letter;
  record.correct = record.letter && *record.letter == record.answer;
}

ResultRecord ask_miner_unguarded(MinerPlan& plan, const Request& request, const MmluQuestion& question) {
  ResultRecord record = base_record(question, plan.name, "miner");
  record.prompt_hash = text_hash(prompt_fingerprint(request.prompt, request.messages));
  CancelToken cancel;

  if (plan.logprob && !plan.generate_instead.load()) {
    auto scores = plan.miner->score_choices(request, kLetters, cancel);
    if (scores.ok() && scores->logprobs.size() == kLetters.size()) {
      size_t best = std::max_element(scores->logprobs.begin(), scores->logprobs.end()) - scores->logprobs.begin();
      record.text = "Answer: " + kLetters[best];
      record.letter = kLetters[best];
      record.correct = kLetters[best] == record.answer;
      record.latency_ms = scores->timings.total_ms;
      record.prompt_tokens = scores->usage.prompt_tokens;
      return record;
    }
    if (!scores.ok() && scores.error().code != ErrorCode::kInvalidRequest) {
      record.error = scores.error().message;
      if (plan.failures->count(plan.name)) {
        logger()->warn("logprob scoring failed miner={} question={} error={}", plan.name, question.id(),
                       scores.error().message);
      }
      return record;
    }
    std::call_once(plan.fallback_warning, [&] {
      logger()->warn("miner={} cannot score by log-probability ({}); scoring by generated text instead",
                     plan.name, scores.ok() ? "wrong number of scores" : scores.error().message);
    });
    plan.generate_instead = true;
  }

  auto completion = plan.miner->complete(request, nullptr, cancel);
  if (!completion.ok()) {
    record.error = completion.error().message;
    if (plan.failures->count(plan.name)) {
      logger()->warn("miner call failed miner={} question={} error={}", plan.name, question.id(),
                     completion.error().message);
    }
    return record;
  }
  record.text = completion->text;
  record.latency_ms = completion->timings.total_ms;
  record.prompt_tokens = completion->usage.prompt_tokens;
  record.completion_tokens = completion->usage.completion_tokens;
  score_text(record, question.row);
  return record;
}

// Copies into a mixture record whether its aggregator failed and whether the
// mixture fell back to its best proposal, so that the report can state how
// often the aggregator produced the answer.
// A "truncated" aggregator answer (cut at max_tokens) is still the mixture's
// answer, so only the other statuses count as failures.
void note_aggregator_calls(ResultRecord& record, const Trace& trace) {
  record.answered_with_best_proposal = trace.answered_with_best_proposal;
  for (const CallTrace& call : trace.aggregators) {
    if (call.status == "ok" || call.status == "truncated") {
      continue;
    }
    // Error calls carry "code: message"; "empty" calls only a message.
    bool has_code = call.status == "error" || call.status == "timeout" || call.status == "cancelled";
    record.aggregator_error = has_code ? call.error : call.status + ": " + call.error;
    return;
  }
}

std::string code_and_message(const Error& error) {
  return std::string(error_code_name(error.code)) + ": " + error.message;
}

// The aggregator's request as one text for a completion-format aggregator:
// the references, then the benchmark prompt ending in "Answer:", so that the
// next token is the letter.
Request as_completion(Request request) {
  std::string text;
  for (const Message& message : request.messages) {
    text += (text.empty() ? "" : "\n\n") + message.content;
  }
  request.messages.clear();
  request.prompt = std::move(text);
  return request;
}

}  // namespace

Request miner_request(const MinerPlan& plan, const PromptBuilder& builder, const MmluQuestion& question) {
  Request request;
  request.id = "mmlu:" + question.id() + ":" + plan.name;
  request.question_id = question.id();
  request.sampling = plan.sampling;
  if (plan.format == PromptFormat::kCompletion) {
    request.prompt = builder.completion(question.row);
    // A base model goes on to write the next question; the blank line that
    // separates questions in the prompt ends its answer.
    request.sampling.stop.push_back("\n\n");
  } else {
    request.messages = builder.chat(question.row);
  }
  return request;
}

// Asks the miner, recording an exception from the engine (llama.cpp throws
// C++ exceptions, for example for a byte its vocabulary lacks) as a failed
// call, so that one question cannot end a run of thousands.
ResultRecord ask_miner(MinerPlan& plan, const Request& request, const MmluQuestion& question) {
  try {
    return ask_miner_unguarded(plan, request, question);
  } catch (const std::exception& e) {
    ResultRecord record = base_record(question, plan.name, "miner");
    record.prompt_hash = text_hash(prompt_fingerprint(request.prompt, request.messages));
    record.error = std::string("miner threw an exception: ") + e.what();
    logger()->error("miner call threw miner={} question={} error={}", plan.name, question.id(), e.what());
    return record;
  }
}

CallTrace trace_from_record(const ResultRecord& record) {
  CallTrace trace;
  trace.miner = record.system;
  trace.layer = 1;
  trace.status = record.error ? "error" : (record.text.empty() ? "empty" : "ok");
  trace.error = record.error.value_or("");
  trace.latency_ms = record.latency_ms;
  trace.usage.prompt_tokens = record.prompt_tokens;
  trace.usage.completion_tokens = record.completion_tokens;
  trace.text = record.text;
  return trace;
}

ResultRecord ask_mixture(Mixture& mixture, const Request& request, std::vector<CallTrace> first_layer,
                         const MmluQuestion& question, FailureCounter& failures) {
  ResultRecord record = base_record(question, mixture.config().name, "mixture");
  record.prompt_hash = text_hash(prompt_fingerprint(request.prompt, request.messages));
  Trace trace;
  Result<MixtureOutcome> outcome = Error::internal("mixture not run");
  try {
    outcome = mixture.run_from_first_layer(request, std::move(first_layer), nullptr, CancelToken(), &trace);
  } catch (const std::exception& e) {
    outcome = Error::internal(std::string("mixture threw an exception: ") + e.what());
  }
  note_aggregator_calls(record, trace);
  if (!outcome.ok()) {
    record.error = outcome.error().message;
    if (failures.count(mixture.config().name)) {
      logger()->warn("mixture call failed mixture={} question={} error={}", mixture.config().name, question.id(),
                     outcome.error().message);
    }
    return record;
  }
  record.text = outcome->completion.text;
  record.latency_ms = outcome->trace.total_ms;
  record.prompt_tokens = outcome->completion.usage.prompt_tokens;
  record.completion_tokens = outcome->completion.usage.completion_tokens;
  if (outcome->trace.vote_label) {
    record.letter = outcome->trace.vote_label;
    record.unparsed = false;
    record.correct = *record.letter == record.answer;
  } else {
    score_text(record, question.row);
  }
  return record;
}

std::optional<ResultRecord> score_mixture(Mixture& mixture, AggregatorPlan& plan, const Request& request,
                                          std::vector<CallTrace> first_layer, const MmluQuestion& question) {
  ResultRecord record = base_record(question, mixture.config().name, "mixture");
  record.prompt_hash = text_hash(prompt_fingerprint(request.prompt, request.messages));
  CancelToken cancel;
  Trace trace;
  auto prepared = mixture.prepare_aggregator_request(request, std::move(first_layer), cancel, &trace);
  if (!prepared.ok()) {
    record.error = prepared.error().message;
    // The references did not fit the aggregator's context; other failures
    // (no proposal succeeded) happen before the aggregator.
    if (prepared.error().code == ErrorCode::kContextExceeded) {
      record.aggregator_error = code_and_message(prepared.error());
    }
    if (plan.failures->count(mixture.config().name)) {
      logger()->warn("mixture call failed mixture={} question={} error={}", mixture.config().name, question.id(),
                     prepared.error().message);
    }
    return record;
  }
  Request scored = plan.format == PromptFormat::kCompletion ? as_completion(std::move(*prepared)) : *prepared;

  auto scores = plan.miner->score_choices(scored, kLetters, cancel);
  if (scores.ok() && scores->logprobs.size() == kLetters.size()) {
    size_t best = std::max_element(scores->logprobs.begin(), scores->logprobs.end()) - scores->logprobs.begin();
    record.text = "Answer: " + kLetters[best];
    record.letter = kLetters[best];
    record.correct = kLetters[best] == record.answer;
    record.latency_ms = trace.total_ms + scores->timings.total_ms;
    record.prompt_tokens = scores->usage.prompt_tokens;
    return record;
  }
  if (!scores.ok() && scores.error().code != ErrorCode::kInvalidRequest) {
    record.error = scores.error().message;
    record.aggregator_error = code_and_message(scores.error());
    if (plan.failures->count(mixture.config().name)) {
      logger()->warn("aggregator logprob scoring failed mixture={} question={} error={}", mixture.config().name,
                     question.id(), scores.error().message);
    }
    return record;
  }
  std::call_once(plan.fallback_warning, [&] {
    logger()->warn("aggregator={} cannot score by log-probability ({}); the mixture generates instead",
                   plan.miner->info().name, scores.ok() ? "wrong number of scores" : scores.error().message);
  });
  plan.generate_instead = true;
  return std::nullopt;
}

Result<std::vector<std::unique_ptr<MinerPlan>>> plan_miners(const Config& config, const MixtureConfig& mixture,
                                                            const MinerRegistry& registry) {
  if (mixture.layers.empty() || mixture.layers[0].empty()) {
    return Error::invalid("mixture '" + mixture.name + "' has no miners in its first layer");
  }
  std::vector<std::unique_ptr<MinerPlan>> plans;
  for (const std::string& name : mixture.layers[0]) {
    auto plan = std::make_unique<MinerPlan>();
    plan->name = name;
    plan->miner = registry.find(name);
    if (!plan->miner) {
      return Error::not_found("miner '" + name + "' of mixture '" + mixture.name + "' was not created");
    }
    const MinerConfig& miner_config = config.miners.at(name);
    if (miner_config.prompt_format.empty()) {
      plan->format = plan->miner->info().chat_template ? PromptFormat::kChat : PromptFormat::kCompletion;
    } else if (auto format = parse_prompt_format(miner_config.prompt_format)) {
      plan->format = *format;
    } else {
      return Error::invalid("miner '" + name + "': invalid prompt_format '" + miner_config.prompt_format +
                            "': use chat or completion");
    }
    if (miner_config.scoring == "logprob") {
      plan->logprob = true;
    } else if (!miner_config.scoring.empty() && miner_config.scoring != "generate") {
      return Error::invalid("miner '" + name + "': invalid scoring '" + miner_config.scoring +
                            "': use generate or logprob");
    }
    // Greedy decoding makes a rerun reproduce the same completions, unless
    // the config sets a temperature.
    if (!miner_config.defaults.temperature) {
      plan->sampling.temperature = 0.0;
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

Result<std::unique_ptr<AggregatorPlan>> plan_aggregator(const Config& config, const MixtureConfig& mixture,
                                                        const MinerRegistry& registry) {
  auto plan = std::make_unique<AggregatorPlan>();
  if (mixture.aggregator.empty()) {
    return plan;
  }
  const MinerConfig& miner_config = config.miners.at(mixture.aggregator);
  if (miner_config.scoring != "logprob") {
    return plan;
  }
  if (mixture.strategy != "synthesize") {
    // A vote only asks the aggregator to break ties, from its written answer.
    logger()->warn("aggregator={} has scoring = \"logprob\", which applies to the \"synthesize\" strategy only; "
                   "mixture={} uses \"{}\", so the aggregator generates",
                   mixture.aggregator, mixture.name, mixture.strategy);
    return plan;
  }
  plan->miner = registry.find(mixture.aggregator);
  if (!plan->miner) {
    return Error::not_found("aggregator '" + mixture.aggregator + "' of mixture '" + mixture.name +
                            "' was not created");
  }
  if (miner_config.prompt_format.empty()) {
    plan->format = plan->miner->info().chat_template ? PromptFormat::kChat : PromptFormat::kCompletion;
  } else if (auto format = parse_prompt_format(miner_config.prompt_format)) {
    plan->format = *format;
  } else {
    return Error::invalid("miner '" + mixture.aggregator + "': invalid prompt_format '" +
                          miner_config.prompt_format + "': use chat or completion");
  }
  return plan;
}

}  // namespace mom
