#include "server/chat_endpoint.h"

#include <cstdio>
#include <random>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/logger.h"
#include "server/openai_codec.h"
#include "server/token_queue.h"

namespace mom {
namespace {

using Seconds = std::chrono::duration<double>;

// While a stream has nothing to send for this long, the server writes an SSE
// comment. Clients ignore comments, and a failed write is how the server
// notices a client that went away while a mixture's proposers are still busy.
constexpr std::chrono::milliseconds kKeepAliveInterval{1000};
constexpr std::string_view kKeepAliveComment = ": keep-alive\n\n";

std::string make_request_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char text[32];
  std::snprintf(text, sizeof(text), "chatcmpl-%016llx", static_cast<unsigned long long>(random()));
  return text;
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Names the available models in an error message, up to ten of them.
std::string list_models(const ModelCatalog& catalog) {
  std::vector<std::string> names = catalog.names();
  if (names.empty() || names.size() > 10) {
    return "GET /v1/models lists the available ones";
  }
  std::string text = "available: ";
  for (size_t i = 0; i < names.size(); ++i) {
    text += (i == 0 ? "" : ", ") + names[i];
  }
  return text;
}

void send_error(httplib::Response& res, const ApiError& error, const nlohmann::json* trace = nullptr) {
  res.status = http_status(error.error.code);
  res.set_content(encode_error(error, trace), "application/json");
}

// The miner or mixture a request names.
struct Target {
  std::shared_ptr<Miner> miner;
  Mixture* mixture = nullptr;

  Result<Completion> run(const Request& request, const TokenSink& on_token, const CancelToken& cancel,
                         std::optional<nlohmann::json>* trace) const {
    if (miner != nullptr) {
      return miner->complete(request, on_token, cancel);
    }
    Trace mixture_trace;
    Result<MixtureOutcome> outcome = mixture->run(request, on_token, cancel, &mixture_trace);
    if (trace != nullptr) {
      *trace = trace_to_json(mixture_trace);
    }
    if (!outcome.ok()) {
      return outcome.error();
    }
    return std::move(outcome->completion);
  }
};

// Everything a request needs after the handler returns: a stream's content
// provider outlives handle(), so it shares this state.
struct Call {
  ChatRequest chat;
  Target target;
  ResponseMeta meta;
  std::string metrics_model;  // meta.model, or a fixed label when the model is invalid or unknown
  CancelToken cancel;
  Clock::time_point started = Clock::now();
  double first_token_seconds = -1;
  Metrics* metrics = nullptr;

  void finish(int status, const std::optional<Error>& error, const Usage& usage) const {
    double seconds = Seconds(Clock::now() - started).count();
    std::string code = error.has_value() ? std::string(error_code_name(error->code)) : std::string();
    metrics->record_request(metrics_model, status, code, seconds, first_token_seconds, usage);

    auto logger = server_logger();
    if (!error.has_value()) {
      logger->info("request={} model={} stream={} status={} ms={:.0f} tokens_in={} tokens_out={}", meta.id,
                   meta.model, chat.stream, status, seconds * 1000, usage.prompt_tokens, usage.completion_tokens);
    } else {
      auto level = http_status(error->code) >= 500 && error->code != ErrorCode::kCancelled ? spdlog::level::err
                                                                                            : spdlog::level::info;
      logger->log(level, "request={} model={} stream={} status={} ms={:.0f} error={} message=\"{}\"", meta.id,
                  meta.model, chat.stream, status, seconds * 1000, error_code_name(error->code), error->message);
    }
  }
};

// Decrements the in-flight count when the last holder lets go.
template <class InFlight>
struct InFlightGuard {
  std::shared_ptr<InFlight> in_flight;
  Metrics* metrics;

  InFlightGuard(std::shared_ptr<InFlight> counter, Metrics* m) : in_flight(std::move(counter)), metrics(m) {
    std::lock_guard lock(in_flight->mutex);
    ++in_flight->count;
    metrics->add_in_flight(1);
  }
  ~InFlightGuard() {
    metrics->add_in_flight(-1);
    std::lock_guard lock(in_flight->mutex);
    if (--in_flight->count == 0) {
      in_flight->idle.notify_all();
    }
  }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;
};

void respond_once(const std::shared_ptr<Call>& call, httplib::Response& res) {
  std::optional<nlohmann::json> trace;
  Result<Completion> completion =
      call->target.run(call->chat.request, nullptr, call->cancel, call->chat.trace ? &trace : nullptr);
  if (!completion.ok()) {
    ApiError error{completion.error(), "", ""};
    send_error(res, error, trace.has_value() ? &*trace : nullptr);
    call->finish(res.status, completion.error(), Usage{});
    return;
  }

  res.status = 200;
  res.set_content(encode_completion(call->meta, *completion, trace.has_value() ? &*trace : nullptr),
                  "application/json");
  call->finish(200, std::nullopt, completion->usage);
}

// A stream's miner call. It starts before the response status is chosen, so
// that a call failing before its first token can still get an HTTP error
// status. The destructor cancels and joins a call still running, for a
// response that is dropped before its content provider ran.
struct StreamRun {
  explicit StreamRun(std::shared_ptr<Call> owner) : call(std::move(owner)) {}
  StreamRun(const StreamRun&) = delete;
  StreamRun& operator=(const StreamRun&) = delete;
  ~StreamRun() {
    if (worker.joinable()) {
      call->cancel.cancel();
      worker.join();
    }
  }

  void start() {
    worker = std::thread([this] {
      TokenSink on_token = [this](std::string_view piece) { queue.push(piece); };
      // An exception escaping this thread would terminate the whole server, so
      // it becomes this request's error instead.
      try {
        result.emplace(call->target.run(call->chat.request, on_token, call->cancel,
                                        call->chat.trace ? &trace : nullptr));
      } catch (const std::exception& e) {
        result.emplace(Error::internal(std::string("the model failed: ") + e.what()));
      } catch (...) {
        result.emplace(Error::internal("the model failed with an unknown exception"));
      }
      queue.finish();
    });
  }

  // Waits up to `timeout` for the first text or the end of the call. Returns
  // true when the call ended before any text, with its result ready.
  bool ended_without_text(std::chrono::milliseconds timeout) {
    TokenQueue::PopResult popped = queue.pop(first_pieces, timeout);
    if (popped == TokenQueue::PopResult::kText) {
      call->first_token_seconds = Seconds(Clock::now() - call->started).count();
    }
    ended = popped == TokenQueue::PopResult::kFinished;
    if (ended) {
      worker.join();
    }
    return ended;
  }

  std::shared_ptr<Call> call;
  TokenQueue queue;
  std::optional<Result<Completion>> result;
  std::optional<nlohmann::json> trace;
  std::vector<std::string> first_pieces;  // popped while the status was chosen
  bool ended = false;                     // the call ended while the status was chosen
  std::thread worker;
};

// Writes one stream: the role chunk, content as it arrives, then the finish
// (or error) event and [DONE]. Returns false when the client went away, after
// cancelling and waiting for the miner.
bool write_stream(StreamRun& run, httplib::DataSink& sink) {
  auto write = [&sink](std::string_view data) { return sink.write(data.data(), data.size()); };
  const std::shared_ptr<Call>& call = run.call;
  const ResponseMeta& meta = call->meta;

  // One chunk per piece, so that pieces queued while the previous write was
  // in progress still reach the client as separate tokens.
  auto write_pieces = [&](const std::vector<std::string>& pieces) {
    for (const std::string& piece : pieces) {
      if (!write(encode_content_chunk(meta, piece))) {
        return false;
      }
    }
    return true;
  };

  bool connected = write(encode_role_chunk(meta)) && write_pieces(run.first_pieces);
  std::vector<std::string> pieces;
  while (connected && !run.ended) {
    TokenQueue::PopResult popped = run.queue.pop(pieces, kKeepAliveInterval);
    if (popped == TokenQueue::PopResult::kFinished) {
      break;
    }
    if (popped == TokenQueue::PopResult::kTimeout) {
      connected = write(kKeepAliveComment);
      continue;
    }
    if (call->first_token_seconds < 0) {
      call->first_token_seconds = Seconds(Clock::now() - call->started).count();
    }
    connected = write_pieces(pieces);
  }
  if (!connected) {
    call->cancel.cancel();
  }
  if (run.worker.joinable()) {
    run.worker.join();
  }

  if (!connected) {
    call->finish(499, Error::cancelled("the client disconnected during the stream"), Usage{});
    return false;
  }

  const nlohmann::json* trace_json = run.trace.has_value() ? &*run.trace : nullptr;
  const Result<Completion>& result = *run.result;
  if (result.ok()) {
    const Completion& completion = result.value();
    bool sent = write(encode_finish_chunk(meta, completion.finish_reason,
                                          call->chat.include_usage ? nullptr : trace_json));
    if (sent && call->chat.include_usage) {
      sent = write(encode_usage_chunk(meta, completion.usage, trace_json));
    }
    sent = sent && write(kDoneEvent);
    call->finish(200, std::nullopt, completion.usage);
    return sent;
  }

  // The status line went out before this failure, so it travels as an error
  // event, which the OpenAI Node.js client (openai 6.30.1) raises as APIError.
  ApiError error{result.error(), "", ""};
  bool sent = write(encode_error_event(error, trace_json)) && write(kDoneEvent);
  call->finish(200, result.error(), Usage{});
  return sent;
}

}  // namespace

ChatEndpoint::ChatEndpoint(Metrics& metrics, CancelToken shutdown)
    : metrics_(metrics), shutdown_(std::move(shutdown)), in_flight_(std::make_shared<InFlight>()) {}

void ChatEndpoint::handle(const httplib::Request& req, httplib::Response& res,
                          std::shared_ptr<const ModelCatalog> catalog) {
  auto call = std::make_shared<Call>();
  call->meta = ResponseMeta{make_request_id(), "", unix_seconds()};
  call->cancel = shutdown_.child();
  call->metrics = &metrics_;
  res.set_header("X-Request-Id", call->meta.id);
  auto guard = std::make_shared<InFlightGuard<InFlight>>(in_flight_, &metrics_);

  ApiError detail;
  Result<ChatRequest> chat = parse_chat_request(req.body, &detail);
  if (!chat.ok()) {
    call->metrics_model = "_invalid";
    send_error(res, detail);
    call->finish(res.status, detail.error, Usage{});
    return;
  }
  call->chat = std::move(chat.value());
  call->chat.request.id = call->meta.id;
  call->meta.model = call->chat.model;
  call->metrics_model = call->chat.model;

  call->target.miner = catalog->find_miner(call->chat.model);
  if (call->target.miner == nullptr) {
    call->target.mixture = catalog->find_mixture(call->chat.model);
  }
  if (call->target.miner == nullptr && call->target.mixture == nullptr) {
    ApiError error{Error::not_found("model '" + shorten(call->chat.model, 100) +
                                    "' is not a miner or mixture of this server; " + list_models(*catalog)),
                   "model", "model_not_found"};
    call->metrics_model = "_unknown";
    call->meta.model = shorten(call->chat.model, 100);  // only logged, since no response carries it
    send_error(res, error);
    call->finish(res.status, error.error, Usage{});
    return;
  }

  if (!call->chat.stream) {
    respond_once(call, res);
    return;
  }

  // The status waits for the first text, up to one keep-alive interval, so a
  // call that fails quickly (a miner that is down, a prompt too long) gets an
  // HTTP error status and error object like a non-stream request.
  auto run = std::make_shared<StreamRun>(call);
  run->start();
  if (run->ended_without_text(kKeepAliveInterval) && !run->result->ok()) {
    const Error& failure = run->result->error();
    send_error(res, ApiError{failure, "", ""}, run->trace.has_value() ? &*run->trace : nullptr);
    call->finish(res.status, failure, Usage{});
    return;
  }

  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [run, guard](size_t /*offset*/, httplib::DataSink& sink) {
        if (write_stream(*run, sink)) {
          sink.done();
          return true;
        }
        return false;
      });
}

bool ChatEndpoint::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(in_flight_->mutex);
  return in_flight_->idle.wait_for(lock, timeout, [this] { return in_flight_->count == 0; });
}

}  // namespace mom
