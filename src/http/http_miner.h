// Remote miners: any OpenAI-compatible chat-completions endpoint.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/miner.h"
#include "core/result.h"

namespace mom {

namespace http {
class ChatStreamDecoder;
class Transfer;
}  // namespace http

// Limits of a remote miner that the config file does not set.
struct HttpMinerOptions {
  // Time to open the TCP connection; never past the call's deadline.
  std::chrono::milliseconds connect_timeout{5000};
  // Streaming calls fail with kTimeout when no content arrives this long
  // after the request was sent. Non-streaming calls have only the deadline.
  std::chrono::milliseconds first_token_timeout{60000};
  // Attempts per call, the first included. Connection errors, 429 and 5xx
  // are retried, but never after a piece of the completion reached the TokenSink.
  int max_attempts = 3;
  // Delay before the second attempt; it doubles each retry up to
  // max_backoff, and a random jitter of up to -50% spreads retries apart.
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{4000};
  // A Retry-After up to this long replaces the backoff; a longer one ends
  // the retries at once.
  std::chrono::milliseconds max_retry_after{10000};
  // Response bodies over this size fail with kUpstream.
  size_t max_response_bytes = 8 * 1024 * 1024;
};

// Creates a miner that calls POST {config.url}/chat/completions and, for raw
// prompts, POST {config.url}/completions (see the HttpMiner class). Fails with
// kInvalidRequest when config.url is not an http:// or https:// URL.
Result<std::shared_ptr<Miner>> make_http_miner(const MinerConfig& config);
Result<std::shared_ptr<Miner>> make_http_miner(const MinerConfig& config, const HttpMinerOptions& options);

// A miner backed by an OpenAI-compatible endpoint (llama-server, vLLM,
// Ollama, another mom node). Requests with messages go to /chat/completions.
// A request with Request::prompt set goes to the legacy /completions endpoint,
// so that the upstream applies no chat template, as a local miner does with a
// raw prompt. complete() streams when given a TokenSink and
// sends a non-streaming request otherwise; both run on the process-wide
// transfer thread, which reuses keep-alive connections. The API key is read
// from the environment variable config.api_key_env at each call, sent as
// "Authorization: Bearer", and never logged or put in an error message.
//
// The call's deadline is the earlier of Request::deadline and
// config.timeout_ms after the call starts. Failures: kUnavailable (connection
// refused or failed), kTimeout (deadline, connect or first-token limit),
// kCancelled, kRateLimited (429), kUnauthorized (401, 403, or the key
// variable is unset), kContextExceeded, kInvalidRequest (other 4xx), and
// kUpstream (5xx, invalid JSON, truncated stream, oversized body). Each error
// carries the HTTP status and the upstream's shortened message.
//
// Thread-safe: complete() and score_choices() may run from many threads.
class HttpMiner : public Miner {
 public:
  HttpMiner(MinerConfig config, HttpMinerOptions options);

  const MinerInfo& info() const override { return info_; }

  // Blocks until done; watches cancel and the deadline at least every 20 ms.
  Result<Completion> complete(const Request& request, const TokenSink& on_token,
                              const CancelToken& cancel) override;

  // Asks for one greedy token with the top 20 log-probabilities, from
  // /completions for a raw prompt and /chat/completions otherwise. Fails with
  // kInvalidRequest when the endpoint returns no log-probabilities.
  Result<ChoiceScores> score_choices(const Request& request, const std::vector<std::string>& choices,
                                     const CancelToken& cancel) override;

 private:
  struct Exchange;
  struct AttemptState;

  // A POST target: the URL, and the URL without user information for messages.
  struct Endpoint {
    std::string url;
    std::string safe_url;
  };

  const Endpoint& endpoint_for(const Request& request) const;
  // Sends body with retries; on_token set means a streaming request.
  Result<Exchange> post(const Endpoint& endpoint, const std::string& body, const TokenSink* on_token,
                        const CancelToken& cancel, Clock::time_point started, Clock::time_point deadline);
  // One POST, waiting in slices of 20 ms for data, cancellation and timeouts.
  Result<Exchange> attempt(const Endpoint& endpoint, const std::string& body, const TokenSink* on_token,
                           const CancelToken& cancel, Clock::time_point started, Clock::time_point deadline,
                           AttemptState& state);
  // Classifies a finished transfer and decodes what it received.
  Result<Exchange> finish_attempt(const Endpoint& endpoint, const http::Transfer& transfer, Exchange exchange,
                                  http::ChatStreamDecoder& decoder, std::string& raw,
                                  const TokenSink* on_token, Clock::time_point started, AttemptState& state);
  Clock::time_point deadline_for(const Request& request, Clock::time_point started) const;
  // Prefixes the miner's name and removes the API key from the message.
  Error name_error(Error error) const;

  MinerConfig config_;
  HttpMinerOptions options_;
  MinerInfo info_;
  Endpoint chat_endpoint_;         // {url}/chat/completions
  Endpoint completions_endpoint_;  // {url}/completions, for raw prompts
};

}  // namespace mom
