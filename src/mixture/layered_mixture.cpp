#include "mixture/layered_mixture.h"

#include <exception>
#include <utility>

#include "aggregate/mmlu_categories.h"
#include "mixture/aggregation_prompt.h"
#include "mixture/context_budget.h"
#include "mixture/mixture_log.h"

namespace mom {
namespace {

// The engine default for max_tokens (see Sampling), reserved for the answer
// when the request sets none.
// Output tokens reserved for a reader with neither a request nor a configured
// max_tokens: the local engine's default generation length.
constexpr int kDefaultOutputTokens = 256;

// The subject part of a question id "subject/row"; empty for other ids.
std::string subject_of(const std::string& question_id) {
  size_t slash = question_id.rfind('/');
  return slash == std::string::npos ? std::string() : question_id.substr(0, slash);
}

std::string child_id(const Request& request, const std::string& miner) {
  return request.id.empty() ? miner : request.id + "/" + miner;
}

double elapsed_ms(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

std::vector<size_t> ok_indices(const std::vector<CallTrace>& layer) {
  std::vector<size_t> indices;
  for (size_t i = 0; i < layer.size(); ++i) {
    if (layer[i].status == "ok") {
      indices.push_back(i);
    }
  }
  return indices;
}

std::string describe_failures(const std::vector<CallTrace>& layer) {
  std::string text;
  bool truncated = false;
  for (const CallTrace& call : layer) {
    if (!text.empty()) {
      text += "; ";
    }
    text += call.miner + ": " + call.status;
    if (!call.error.empty()) {
      text += " (" + call.error + ")";
    }
    truncated = truncated || call.status == "truncated";
  }
  if (truncated) {
    text += "; a proposal cut at max_tokens is left out, so give these miners a larger max_tokens or stop strings";
  }
  return text;
}

std::string percent(double fraction) {
  return std::to_string(static_cast<int>(fraction * 100 + 0.5)) + "%";
}

}  // namespace

struct LayeredMixture::RunState {
  RunState(const Request& request, const CancelToken& cancel) : request(request), cancel(cancel) {}

  const Request& request;
  const CancelToken& cancel;
  std::vector<Message> conversation;
  std::string subject;
  std::string category;  // the subject's MMLU category; empty for other subjects
  Clock::time_point start;
  Trace trace;
};

LayeredMixture::LayeredMixture(MixtureParts parts)
    : parts_(std::move(parts)),
      layout_(parts_.placement, parts_.config.aggregation_prompt.value_or(std::string(default_aggregation_prompt()))),
      runner_(parts_.time) {}

Result<MixtureOutcome> LayeredMixture::run(const Request& request, const TokenSink& on_token,
                                           const CancelToken& cancel, Trace* trace_out) {
  return execute(request, std::nullopt, on_token, cancel, trace_out);
}

Result<MixtureOutcome> LayeredMixture::run_from_first_layer(const Request& request,
                                                            std::vector<CallTrace> first_layer,
                                                            const TokenSink& on_token,
                                                            const CancelToken& cancel, Trace* trace_out) {
  if (Status checked = check_first_layer(first_layer); !checked.ok()) {
    return checked.error();
  }
  return execute(request, std::move(first_layer), on_token, cancel, trace_out);
}

Result<Request> LayeredMixture::prepare_aggregator_request(const Request& request, std::vector<CallTrace> first_layer,
                                                           const CancelToken& cancel, Trace* trace_out) {
  if (parts_.aggregator == nullptr) {
    return Error::invalid("mixture '" + parts_.config.name + "' has no aggregator; set aggregator = \"miner\"");
  }
  if (Status checked = check_first_layer(first_layer); !checked.ok()) {
    return checked.error();
  }

  RunState state(request, cancel);
  start(state);
  Result<Request> prepared = Error::internal("the aggregator request was not built");
  if (state.conversation.empty()) {
    prepared = Error::invalid("the request has no messages and no prompt; send at least one user message");
  } else if (Status layers = run_layers(state, std::move(first_layer)); !layers.ok()) {
    prepared = layers.error();
  } else {
    prepared = request_with_references(state, *parts_.aggregator);
  }

  state.trace.total_ms = elapsed_ms(state.start, parts_.time->now());
  if (trace_out != nullptr) {
    *trace_out = std::move(state.trace);
  }
  return prepared;
}

Status LayeredMixture::check_first_layer(std::vector<CallTrace>& first_layer) const {
  if (first_layer.size() != parts_.layers.front().size()) {
    return Error::invalid("mixture '" + parts_.config.name + "': " + std::to_string(first_layer.size()) +
                          " first-layer proposals were given but layer 1 has " +
                          std::to_string(parts_.layers.front().size()) + " miners");
  }
  for (CallTrace& call : first_layer) {
    call.layer = 1;
  }
  return {};
}

void LayeredMixture::start(RunState& state) const {
  state.start = parts_.time->now();
  state.trace.mixture = parts_.config.name;
  state.trace.strategy = parts_.config.strategy;
  state.subject = subject_of(state.request.question_id);
  state.category = mmlu_category_of(state.subject);
  if (state.request.prompt.has_value()) {
    state.conversation.push_back(Message{"user", *state.request.prompt});
  } else {
    state.conversation = state.request.messages;
  }
}

Result<MixtureOutcome> LayeredMixture::execute(const Request& request,
                                               std::optional<std::vector<CallTrace>> first_layer,
                                               const TokenSink& on_token, const CancelToken& cancel,
                                               Trace* trace_out) {
  RunState state(request, cancel);
  start(state);

  Result<MixtureOutcome> result = Error::internal("the mixture did not run");
  if (state.conversation.empty()) {
    result = Error::invalid("the request has no messages and no prompt; send at least one user message");
  } else {
    Status layers = run_layers(state, std::move(first_layer));
    result = layers.ok() ? answer(state, on_token) : Result<MixtureOutcome>(layers.error());
  }

  state.trace.total_ms = elapsed_ms(state.start, parts_.time->now());
  log_summary(state, result);
  if (trace_out != nullptr) {
    *trace_out = state.trace;
  }
  if (result.ok()) {
    result->completion.usage = state.trace.total_usage;
    result->trace = std::move(state.trace);
  }
  return result;
}

Status LayeredMixture::run_layers(RunState& state, std::optional<std::vector<CallTrace>> first_layer) {
  for (size_t index = 0; index < parts_.layers.size(); ++index) {
    std::vector<CallTrace> layer =
        (index == 0 && first_layer.has_value()) ? std::move(*first_layer) : run_layer(state, index);
    for (const CallTrace& call : layer) {
      state.trace.total_usage += call.usage;
      if (call.status != "ok") {
        static mixture::WarningLimiter limiter;
        if (uint64_t occurrence = limiter.count(); occurrence > 0) {
          mixture::logger()->warn(
              "proposal dropped: mixture={} request={} layer={} miner={} status={} error=\"{}\" occurrence={}",
              parts_.config.name, state.request.id, index + 1, call.miner, call.status, call.error, occurrence);
        }
      }
    }
    state.trace.layers.push_back(std::move(layer));

    if (state.cancel.cancelled()) {
      return Error::cancelled("the request was cancelled");
    }
    if (ok_indices(state.trace.layers.back()).empty()) {
      return Error::unavailable("mixture '" + parts_.config.name + "': no miner of layer " +
                                std::to_string(index + 1) + " answered, so the aggregator was not called (" +
                                describe_failures(state.trace.layers.back()) + ")");
    }
  }
  return {};
}

void LayeredMixture::log_summary(const RunState& state, const Result<MixtureOutcome>& result) const {
  int proposals_ok = 0;
  int proposals_failed = 0;
  for (const auto& layer : state.trace.layers) {
    int ok = static_cast<int>(ok_indices(layer).size());
    proposals_ok += ok;
    proposals_failed += static_cast<int>(layer.size()) - ok;
  }
  mixture::logger()->info(
      "mixture={} request={} strategy={} ms={:.0f} proposals_ok={} proposals_failed={} best_proposal={} result={}",
      parts_.config.name, state.request.id, parts_.config.strategy, state.trace.total_ms, proposals_ok,
      proposals_failed, state.trace.answered_with_best_proposal,
      result.ok() ? std::string("ok") : std::string(error_code_name(result.error().code)));
}

Result<MixtureOutcome> LayeredMixture::answer(RunState& state, const TokenSink& on_token) {
  if (parts_.strategy != nullptr) {
    return vote(state, on_token);
  }
  return synthesize(state, on_token);
}

std::vector<CallTrace> LayeredMixture::run_layer(RunState& state, size_t layer_index) {
  std::vector<LayerCall> calls;
  for (const std::shared_ptr<Miner>& miner : parts_.layers[layer_index]) {
    LayerCall call{miner};
    if (layer_index == 0) {
      Request request = state.request;
      request.id = child_id(state.request, miner->info().name);
      call.request = std::move(request);
    } else {
      call.request = request_with_references(state, *miner);
    }
    calls.push_back(std::move(call));
  }

  LayerRules rules;
  rules.layer = static_cast<int>(layer_index) + 1;
  rules.quorum = parts_.config.quorum;
  rules.deadline = std::chrono::milliseconds(parts_.config.deadline_ms);
  rules.quorum_grace = parts_.quorum_grace;
  return runner_.run(std::move(calls), rules, state.cancel);
}

std::vector<Reference> LayeredMixture::references_from_last_layer(const RunState& state) const {
  std::vector<Reference> references;
  const std::vector<CallTrace>& layer = state.trace.layers.back();
  for (size_t index : ok_indices(layer)) {
    Reference reference{layer[index].text, ""};
    if (parts_.config.show_reliability) {
      reference.note = reliability_note(layer[index].miner, state.subject, state.category);
    }
    references.push_back(std::move(reference));
  }
  return references;
}

Result<Request> LayeredMixture::request_with_references(RunState& state, const Miner& miner) {
  int configured = miner.info().max_output_tokens;
  int output_tokens = state.request.sampling.max_tokens.value_or(configured > 0 ? configured : kDefaultOutputTokens);
  Result<FittedPrompt> fitted = Error::internal("the prompt was not built");
  try {
    ContextBudget budget(miner);
    fitted = budget.fit(layout_, state.conversation, references_from_last_layer(state), output_tokens);
  } catch (const std::exception& e) {
    // Miner::count_tokens() runs on this thread, and one miner's tokenizer
    // failure must fail only that call, as it would on a call thread.
    fitted = Error::internal(std::string("counting tokens failed: ") + e.what());
  }
  if (!fitted.ok()) {
    Error error = fitted.error();
    error.message = "prompt for miner '" + miner.info().name + "': " + error.message;
    return error;
  }

  std::vector<CallTrace>& layer = state.trace.layers.back();
  std::vector<size_t> used = ok_indices(layer);
  for (size_t k = 0; k < used.size(); ++k) {
    layer[used[k]].used_as_reference = true;
    if (fitted->shortened[k]) {
      layer[used[k]].reference_shortened = true;
    }
  }

  Request request = state.request;
  request.prompt.reset();
  request.messages = std::move(fitted->messages);
  request.id = child_id(state.request, miner.info().name);
  return request;
}

Result<std::optional<Completion>> LayeredMixture::call_aggregators(RunState& state, const TokenSink& on_token) {
  std::vector<std::shared_ptr<Miner>> candidates;
  for (const auto& miner : {parts_.aggregator, parts_.fallback_aggregator}) {
    if (miner != nullptr) {
      candidates.push_back(miner);
    }
  }

  for (const std::shared_ptr<Miner>& aggregator : candidates) {
    const std::string& name = aggregator->info().name;
    Clock::time_point start = parts_.time->now();
    bool streamed = false;
    TokenSink sink;
    if (on_token) {
      sink = [&](std::string_view piece) {
        streamed = true;
        on_token(piece);
      };
    }

    Result<Completion> result = Error::internal("the aggregator was not called");
    Result<Request> request = request_with_references(state, *aggregator);
    if (!request.ok()) {
      result = request.error();
    } else {
      try {
        result = aggregator->complete(*request, sink, state.cancel);
      } catch (const std::exception& e) {
        result = Error::internal(std::string("aggregator threw an exception: ") + e.what());
      }
    }

    CallTrace call = classify_call(result);
    call.miner = name;
    call.layer = 0;
    if (call.latency_ms <= 0) {
      call.latency_ms = elapsed_ms(start, parts_.time->now());
    }
    state.trace.total_usage += call.usage;
    state.trace.aggregators.push_back(call);
    if (call.status == "ok" || call.status == "truncated") {
      return std::optional<Completion>(std::move(result.value()));
    }

    static mixture::WarningLimiter limiter;
    if (uint64_t occurrence = limiter.count(); occurrence > 0) {
      mixture::logger()->warn("aggregator failed: mixture={} request={} miner={} status={} error=\"{}\" occurrence={}",
                              parts_.config.name, state.request.id, name, call.status, call.error, occurrence);
    }
    if (state.cancel.cancelled()) {
      return Error::cancelled("the request was cancelled");
    }
    if (streamed) {
      return Error{ErrorCode::kUpstream, "mixture '" + parts_.config.name + "': aggregator '" + name +
                                             "' failed after streaming part of its answer: " + call.error};
    }
  }
  return std::optional<Completion>();
}

Result<MixtureOutcome> LayeredMixture::synthesize(RunState& state, const TokenSink& on_token) {
  Result<std::optional<Completion>> aggregated = call_aggregators(state, on_token);
  if (!aggregated.ok()) {
    return aggregated.error();
  }
  if (!aggregated->has_value()) {
    return answer_with_best_proposal(state, on_token);
  }
  return outcome_from(state, std::move(**aggregated));
}

Result<MixtureOutcome> LayeredMixture::vote(RunState& state, const TokenSink& on_token) {
  std::vector<Ballot> ballots;
  for (const CallTrace& call : state.trace.layers.back()) {
    Ballot ballot{call.miner, std::nullopt};
    if (call.status == "ok") {
      ballot.label = extract_label(call.text, parts_.label_kind);
    }
    ballots.push_back(std::move(ballot));
  }

  std::optional<Completion> aggregated;
  std::optional<std::string> aggregator_label;
  if (parts_.aggregator != nullptr) {
    Result<std::optional<Completion>> result = call_aggregators(state, nullptr);
    if (!result.ok()) {
      return result.error();
    }
    aggregated = std::move(*result);
    if (aggregated.has_value()) {
      aggregator_label = extract_label(aggregated->text, parts_.label_kind);
    }
  }

  QuestionInfo question{state.subject, state.category};
  std::optional<std::string> winner = parts_.strategy->decide(ballots, question, aggregator_label);
  state.trace.vote_label = winner;
  if (!winner.has_value()) {
    static mixture::WarningLimiter limiter;
    if (uint64_t occurrence = limiter.count(); occurrence > 0) {
      mixture::logger()->warn("no proposal gave a label: mixture={} request={} occurrence={}", parts_.config.name,
                              state.request.id, occurrence);
    }
    if (aggregated.has_value()) {
      if (on_token) {
        on_token(aggregated->text);
      }
      return outcome_from(state, std::move(*aggregated));
    }
    return answer_with_best_proposal(state, on_token);
  }

  Completion completion;
  if (aggregated.has_value() && aggregator_label == winner) {
    completion.text = aggregated->text;
  } else {
    const CallTrace* best = best_proposal(state, winner);
    // A strategy may return a label no proposal gave (the aggregator's).
    completion.text = best != nullptr ? best->text : *winner;
  }
  if (on_token) {
    on_token(completion.text);
  }
  return outcome_from(state, std::move(completion));
}

Result<MixtureOutcome> LayeredMixture::answer_with_best_proposal(RunState& state, const TokenSink& on_token) {
  const CallTrace* best = best_proposal(state, std::nullopt);
  if (best == nullptr) {
    return Error::unavailable("mixture '" + parts_.config.name + "': every aggregator failed and no proposal is left");
  }
  state.trace.answered_with_best_proposal = true;
  static mixture::WarningLimiter limiter;
  if (uint64_t occurrence = limiter.count(); occurrence > 0) {
    mixture::logger()->warn("answering with the best proposal: mixture={} request={} miner={} occurrence={}",
                            parts_.config.name, state.request.id, best->miner, occurrence);
  }
  Completion completion;
  completion.text = best->text;
  if (on_token) {
    on_token(completion.text);
  }
  return outcome_from(state, std::move(completion));
}

const CallTrace* LayeredMixture::best_proposal(const RunState& state,
                                               const std::optional<std::string>& label) const {
  const CallTrace* best = nullptr;
  double best_accuracy = -1;
  for (const CallTrace& call : state.trace.layers.back()) {
    if (call.status != "ok") {
      continue;
    }
    if (label.has_value() && extract_label(call.text, parts_.label_kind) != label) {
      continue;
    }
    // Strictly greater, so among equals the first in config order wins.
    double accuracy = measured_accuracy(call.miner, state.subject, state.category).value_or(-0.5);
    if (best == nullptr || accuracy > best_accuracy) {
      best = &call;
      best_accuracy = accuracy;
    }
  }
  return best;
}

std::optional<double> LayeredMixture::measured_accuracy(const std::string& miner, const std::string& subject,
                                                        const std::string& category) const {
  if (parts_.scoreboard == nullptr) {
    return std::nullopt;
  }
  std::optional<Tally> tally = parts_.scoreboard->lookup(miner, subject, category);
  if (!tally.has_value()) {
    return std::nullopt;
  }
  return tally->accuracy();
}

std::string LayeredMixture::reliability_note(const std::string& miner, const std::string& subject,
                                             const std::string& category) const {
  if (parts_.scoreboard == nullptr) {
    return "";
  }
  const MinerScores* scores = parts_.scoreboard->find(miner);
  if (scores == nullptr) {
    return "";
  }
  auto by_subject = scores->by_subject.find(subject);
  if (by_subject != scores->by_subject.end() && by_subject->second.total > 0) {
    return "from a model with " + percent(by_subject->second.accuracy()) + " measured accuracy on " + subject +
           " questions";
  }
  auto by_category = scores->by_category.find(category);
  if (by_category != scores->by_category.end() && by_category->second.total > 0) {
    return "from a model with " + percent(by_category->second.accuracy()) + " measured accuracy on " + category +
           " questions";
  }
  if (scores->overall.total > 0) {
    return "from a model with " + percent(scores->overall.accuracy()) + " measured accuracy overall";
  }
  return "";
}

MixtureOutcome LayeredMixture::outcome_from(RunState& state, Completion completion) const {
  completion.model = parts_.config.name;
  MixtureOutcome outcome;
  outcome.completion = std::move(completion);
  return outcome;
}

}  // namespace mom
