#include "http/http_miner.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "http/chat_stream_decoder.h"
#include "http/openai_wire.h"
#include "http/transfer_loop.h"
#include "http/upstream_error.h"

namespace mom {

using http::ChatStreamDecoder;
using http::Transfer;
using http::TransferAbort;
using http::TransferLoop;
using http::TransferOutcome;
using http::TransferSpec;

namespace {

// How often a waiting caller checks its CancelToken and deadlines.
constexpr std::chrono::milliseconds kWaitSlice{20};

std::shared_ptr<spdlog::logger> logger() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::shared_ptr<spdlog::logger> found = spdlog::get("http");
  if (!found) {
    // Created on first use so that it copies the sinks and level the program
    // configured at start-up.
    found = spdlog::default_logger()->clone("http");
    spdlog::register_logger(found);
  }
  return found;
}

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

long long whole_ms(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

std::string dump_json(const nlohmann::json& body) {
  // Invalid UTF-8 in a prompt is replaced rather than thrown on.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Exponential backoff with jitter of up to -50%, so that callers that failed
// together do not retry together.
std::chrono::milliseconds backoff_delay(const HttpMinerOptions& options, int failed_attempts) {
  thread_local std::mt19937 random_engine{std::random_device{}()};
  double delay = static_cast<double>(options.initial_backoff.count());
  for (int i = 1; i < failed_attempts && delay < options.max_backoff.count(); ++i) {
    delay *= 2;
  }
  delay = std::min(delay, static_cast<double>(options.max_backoff.count()));
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(delay * jitter(random_engine)));
}

// Sleeps until until or cancellation; returns false when cancelled.
bool sleep_unless_cancelled(Clock::time_point until, const CancelToken& cancel) {
  while (Clock::now() < until) {
    if (cancel.cancelled()) {
      return false;
    }
    auto left = until - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(left, kWaitSlice));
  }
  return !cancel.cancelled();
}

// Replaces every occurrence of secret in text, for upstreams that quote the
// key back in their error messages.
void redact_secret(std::string& text, std::string_view secret) {
  if (secret.empty()) {
    return;
  }
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "[redacted]");
  }
}

bool is_success(long status) {
  return status >= 200 && status <= 299;
}

}  // namespace

// The raw result of one successful POST.
struct HttpMiner::Exchange {
  std::string body;                // non-streaming response body
  Completion streamed;             // streaming: the decoded completion
  double first_token_ms = 0;       // from the call start to the first byte or event
  int attempts = 0;
};

// Per-attempt facts the retry policy needs.
struct HttpMiner::AttemptState {
  bool streamed_any = false;  // a piece reached the TokenSink, so no retry
  bool final = false;         // retrying cannot help (deadline, first-token limit, cancel)
  std::optional<std::chrono::milliseconds> retry_after;
};

Result<std::shared_ptr<Miner>> make_http_miner(const MinerConfig& config) {
  return make_http_miner(config, HttpMinerOptions{});
}

Result<std::shared_ptr<Miner>> make_http_miner(const MinerConfig& config, const HttpMinerOptions& options) {
  if (!config.url.starts_with("http://") && !config.url.starts_with("https://")) {
    return Error::invalid("miner '" + config.name + "': url '" + http::redact_url(config.url) +
                          "' is not an http:// or https:// URL; use the API base such as http://127.0.0.1:8080/v1");
  }
  if (options.max_attempts < 1) {
    return Error::invalid("miner '" + config.name + "': max_attempts must be at least 1");
  }
  if (!config.api_key_env.empty() && std::getenv(config.api_key_env.c_str()) == nullptr) {
    logger()->warn("miner={} api_key_env={} is not set; calls will fail until it is", config.name,
                   config.api_key_env);
  }
  return std::shared_ptr<Miner>(std::make_shared<HttpMiner>(config, options));
}

HttpMiner::HttpMiner(MinerConfig config, HttpMinerOptions options)
    : config_(std::move(config)), options_(options) {
  std::string base = config_.url;
  while (base.ends_with('/')) {
    base.pop_back();
  }
  chat_endpoint_.url = base + "/chat/completions";
  chat_endpoint_.safe_url = http::redact_url(chat_endpoint_.url);
  completions_endpoint_.url = base + "/completions";
  completions_endpoint_.safe_url = http::redact_url(completions_endpoint_.url);

  info_.name = config_.name;
  info_.kind = "http";
  info_.max_output_tokens = config_.defaults.max_tokens.value_or(0);
  info_.model = config_.upstream_model.empty() ? config_.name : config_.upstream_model;
  info_.context_size = config_.remote_context_size;
  info_.chat_template = true;
  info_.logprobs = true;  // only "may support": the endpoint decides per call
}

Error HttpMiner::name_error(Error error) const {
  error.message = "miner '" + info_.name + "': " + error.message;
  if (!config_.api_key_env.empty()) {
    const char* key = std::getenv(config_.api_key_env.c_str());
    redact_secret(error.message, key != nullptr ? key : "");
  }
  return error;
}

const HttpMiner::Endpoint& HttpMiner::endpoint_for(const Request& request) const {
  return request.prompt ? completions_endpoint_ : chat_endpoint_;
}

Clock::time_point HttpMiner::deadline_for(const Request& request, Clock::time_point started) const {
  Clock::time_point deadline = request.deadline.value_or(Clock::time_point::max());
  if (config_.timeout_ms > 0) {
    deadline = std::min(deadline, started + std::chrono::milliseconds(config_.timeout_ms));
  }
  return deadline;
}

Result<Completion> HttpMiner::complete(const Request& request, const TokenSink& on_token,
                                       const CancelToken& cancel) {
  Clock::time_point started = Clock::now();
  Clock::time_point deadline = deadline_for(request, started);
  bool stream = static_cast<bool>(on_token);
  std::string body = dump_json(request.prompt ? http::build_completion_request(request, config_, stream)
                                              : http::build_chat_request(request, config_, stream));

  Result<Exchange> exchange =
      post(endpoint_for(request), body, stream ? &on_token : nullptr, cancel, started, deadline);
  if (!exchange) {
    return exchange.error();
  }

  Completion completion;
  if (stream) {
    completion = std::move(exchange->streamed);
  } else {
    Result<Completion> parsed = http::parse_chat_response(exchange->body);
    if (!parsed) {
      Error error = name_error(parsed.error());
      logger()->warn("miner={} request={} status=failed error={} message=\"{}\"", info_.name, request.id,
                     error_code_name(error.code), error.message);
      return error;
    }
    completion = std::move(*parsed);
  }

  Clock::time_point ended = Clock::now();
  completion.timings.first_token_ms = exchange->first_token_ms;
  completion.timings.total_ms = ms_between(started, ended);
  if (completion.model.empty()) {
    completion.model = info_.model;
  }
  logger()->debug("miner={} request={} status=ok stream={} attempts={} ms={:.0f} tokens_in={} tokens_out={}",
                  info_.name, request.id, stream, exchange->attempts, completion.timings.total_ms,
                  completion.usage.prompt_tokens, completion.usage.completion_tokens);
  return completion;
}

Result<ChoiceScores> HttpMiner::score_choices(const Request& request, const std::vector<std::string>& choices,
                                              const CancelToken& cancel) {
  Clock::time_point started = Clock::now();
  Clock::time_point deadline = deadline_for(request, started);
  std::string body = dump_json(http::build_scoring_request(request, config_));

  Result<Exchange> exchange = post(endpoint_for(request), body, nullptr, cancel, started, deadline);
  if (!exchange) {
    return exchange.error();
  }
  Result<ChoiceScores> scores = http::parse_choice_scores(exchange->body, choices);
  if (!scores) {
    logger()->debug("miner={} request={} scoring unavailable: {}", info_.name, request.id, scores.error().message);
    return name_error(scores.error());
  }
  scores->timings.first_token_ms = exchange->first_token_ms;
  scores->timings.total_ms = ms_between(started, Clock::now());
  return scores;
}

Result<HttpMiner::Exchange> HttpMiner::post(const Endpoint& endpoint, const std::string& body,
                                            const TokenSink* on_token, const CancelToken& cancel,
                                            Clock::time_point started, Clock::time_point deadline) {
  for (int attempt_number = 1;; ++attempt_number) {
    if (cancel.cancelled()) {
      return name_error(Error::cancelled("request cancelled"));
    }
    if (Clock::now() >= deadline) {
      return name_error(Error::timeout("timed out after " + std::to_string(whole_ms(Clock::now() - started)) +
                                       " ms before attempt " + std::to_string(attempt_number)));
    }

    AttemptState state;
    Result<Exchange> result = attempt(endpoint, body, on_token, cancel, started, deadline, state);
    if (result) {
      result->attempts = attempt_number;
      return result;
    }
    Error error = name_error(result.error());
    if (error.code == ErrorCode::kCancelled) {
      logger()->debug("miner={} status=cancelled attempt={}", info_.name, attempt_number);
      return error;
    }

    bool may_retry = error.retryable && !state.final && !state.streamed_any &&
                     attempt_number < options_.max_attempts;
    std::chrono::milliseconds delay = backoff_delay(options_, attempt_number);
    if (may_retry && state.retry_after) {
      may_retry = *state.retry_after <= options_.max_retry_after;
      delay = *state.retry_after;
    }
    if (may_retry && Clock::now() + delay >= deadline) {
      may_retry = false;
    }
    if (!may_retry) {
      logger()->warn("miner={} status=failed error={} upstream_status={} attempt={} ms={} message=\"{}\"",
                     info_.name, error_code_name(error.code), error.upstream_status, attempt_number,
                     whole_ms(Clock::now() - started), error.message);
      return error;
    }

    logger()->warn("miner={} status=retrying error={} upstream_status={} attempt={} delay_ms={}", info_.name,
                   error_code_name(error.code), error.upstream_status, attempt_number, delay.count());
    if (!sleep_unless_cancelled(Clock::now() + delay, cancel)) {
      return name_error(Error::cancelled("request cancelled"));
    }
  }
}

Result<HttpMiner::Exchange> HttpMiner::attempt(const Endpoint& endpoint, const std::string& body,
                                               const TokenSink* on_token, const CancelToken& cancel,
                                               Clock::time_point started, Clock::time_point deadline,
                                               AttemptState& state) {
  bool stream = on_token != nullptr;

  TransferSpec spec;
  spec.url = endpoint.url;
  spec.body = body;
  spec.headers = {"Content-Type: application/json",
                  stream ? "Accept: text/event-stream" : "Accept: application/json",
                  // Sends the body at once instead of waiting for 100 Continue.
                  "Expect:"};
  if (!config_.api_key_env.empty()) {
    const char* key = std::getenv(config_.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      state.final = true;
      return Error{ErrorCode::kUnauthorized, "environment variable " + config_.api_key_env +
                                                 " is not set; export it with the API key of " +
                                                 endpoint.safe_url};
    }
    spec.headers.push_back(std::string("Authorization: Bearer ") + key);
  }
  spec.connect_timeout = options_.connect_timeout;
  spec.deadline = deadline;
  spec.max_response_bytes = options_.max_response_bytes;

  Clock::time_point sent = Clock::now();
  Clock::time_point first_token_deadline =
      options_.first_token_timeout.count() > 0 ? sent + options_.first_token_timeout : Clock::time_point::max();
  std::shared_ptr<Transfer> transfer = TransferLoop::instance().start(std::move(spec));

  Exchange exchange;
  ChatStreamDecoder decoder;
  std::string raw;  // non-streaming body, or a streaming body before its first event
  bool first_seen = false;

  auto deliver = [&](const std::vector<std::string>& pieces) {
    for (const std::string& piece : pieces) {
      state.streamed_any = true;
      (*on_token)(piece);
    }
  };

  while (true) {
    std::string chunk;
    bool finished = transfer->wait_for_data(chunk, kWaitSlice);

    if (!chunk.empty()) {
      if (!first_seen && !stream) {
        first_seen = true;
        exchange.first_token_ms = ms_between(started, Clock::now());
      }
      if (stream && is_success(transfer->status())) {
        if (!decoder.received_event()) {
          raw += chunk;
        }
        Result<std::vector<std::string>> pieces = decoder.feed(chunk);
        if (!pieces) {
          transfer->abort();
          return pieces.error();
        }
        if (!first_seen && decoder.received_event()) {
          first_seen = true;
          exchange.first_token_ms = ms_between(started, Clock::now());
        }
        deliver(*pieces);
      } else {
        raw += chunk;
      }
    }
    if (finished) {
      break;
    }

    Clock::time_point now = Clock::now();
    if (cancel.cancelled()) {
      transfer->abort();
      return Error::cancelled("request cancelled");
    }
    if (now >= deadline) {
      transfer->abort();
      state.final = true;
      return Error::timeout("timed out after " + std::to_string(whole_ms(now - started)) + " ms");
    }
    if (stream && !decoder.received_event() && now >= first_token_deadline) {
      transfer->abort();
      state.final = true;
      return Error::timeout("no token within " + std::to_string(options_.first_token_timeout.count()) + " ms");
    }
  }

  return finish_attempt(endpoint, *transfer, std::move(exchange), decoder, raw, on_token, started, state);
}

Result<HttpMiner::Exchange> HttpMiner::finish_attempt(const Endpoint& endpoint, const Transfer& transfer,
                                                      Exchange exchange, ChatStreamDecoder& decoder,
                                                      std::string& raw, const TokenSink* on_token,
                                                      Clock::time_point started, AttemptState& state) {
  TransferOutcome outcome = transfer.outcome();
  state.retry_after = outcome.retry_after;
  bool stream = on_token != nullptr;

  switch (outcome.abort) {
    case TransferAbort::kTooLarge:
      state.final = true;
      return Error{ErrorCode::kUpstream, "response is larger than " +
                                             std::to_string(options_.max_response_bytes) + " bytes",
                   static_cast<int>(outcome.status), false};
    case TransferAbort::kDeadline:
      state.final = true;
      return Error::timeout("timed out after " + std::to_string(whole_ms(Clock::now() - started)) + " ms");
    case TransferAbort::kShutdown:
      state.final = true;
      return Error::unavailable("the process is shutting down");
    case TransferAbort::kCaller:
      return Error::cancelled("request cancelled");
    case TransferAbort::kNone:
      break;
  }

  bool success_status = is_success(outcome.status);
  if (outcome.curl_code != CURLE_OK && !(stream && success_status && decoder.received_event())) {
    return http::error_from_transport(outcome.curl_code, outcome.curl_message, endpoint.safe_url);
  }
  if (!success_status) {
    return http::error_from_status(outcome.status, raw);
  }
  if (!stream) {
    exchange.body = std::move(raw);
    return exchange;
  }

  // A server that ignored "stream": true returns one JSON body.
  if (!decoder.received_event() && !raw.empty()) {
    Result<Completion> whole = http::parse_chat_response(raw);
    if (!whole) {
      return whole.error();
    }
    if (!whole->text.empty()) {
      state.streamed_any = true;
      (*on_token)(whole->text);
    }
    exchange.streamed = std::move(*whole);
    return exchange;
  }

  std::vector<std::string> late_pieces;
  Result<Completion> completion = decoder.finish(&late_pieces);
  if (!completion) {
    Error error = completion.error();
    if (outcome.curl_code != CURLE_OK) {
      error.message += " (" + outcome.curl_message + ")";
    }
    error.retryable = true;
    return error;
  }
  for (const std::string& piece : late_pieces) {
    state.streamed_any = true;
    (*on_token)(piece);
  }
  exchange.streamed = std::move(*completion);
  return exchange;
}

}  // namespace mom
