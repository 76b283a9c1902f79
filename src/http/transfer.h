// One HTTP POST driven by the TransferLoop, and what its caller sees of it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "core/chat.h"
#include "http/curl_handles.h"

namespace mom::http {

class TransferLoop;

// The request of one transfer. The headers may contain secrets
// (Authorization), so they are never logged.
struct TransferSpec {
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  std::chrono::milliseconds connect_timeout{5000};
  Clock::time_point deadline = Clock::time_point::max();  // the loop aborts the transfer at this time
  size_t max_response_bytes = 8 * 1024 * 1024;            // body bytes before the transfer fails
};

// The reason a transfer ended before libcurl finished it.
enum class TransferAbort {
  kNone,
  kDeadline,      // the loop reached TransferSpec::deadline
  kCaller,        // the caller called abort() (cancelled, first-token timeout, bad data)
  kTooLarge,      // the body passed TransferSpec::max_response_bytes
  kShutdown,      // the process is exiting
};

// The end state of a finished transfer.
struct TransferOutcome {
  CURLcode curl_code = CURLE_OK;
  std::string curl_message;      // libcurl's error text; never contains headers
  long status = 0;               // HTTP status of the final response; 0 when none arrived
  TransferAbort abort = TransferAbort::kNone;
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header in seconds
};

// Shared state of one transfer between the loop thread, which writes
// received bytes into it, and the caller, which waits and reads them.
// Thread-safe. The loop keeps the transfer alive until libcurl is done with
// it, so a caller may drop its reference at any time, even mid-transfer.
class Transfer {
 public:
  explicit Transfer(TransferSpec spec);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Waits up to max_wait for new body bytes or the end of the transfer,
  // appends the bytes received so far to out and returns true when the
  // transfer has ended (every byte has then been handed out).
  bool wait_for_data(std::string& out, std::chrono::milliseconds max_wait);

  // HTTP status of the response being received; 0 before its headers.
  long status() const;

  // Asks the loop to stop the transfer soon; the outcome then has kCaller.
  // Returns at once.
  void abort();

  // REQUIRES: wait_for_data() returned true.
  TransferOutcome outcome() const;

 private:
  friend class TransferLoop;

  // Prepares the easy handle; false when libcurl rejected an option.
  bool configure();

  static size_t on_body(char* data, size_t size, size_t count, void* self);
  static size_t on_header(char* data, size_t size, size_t count, void* self);

  // Called by the loop thread once the handle has left the multi handle.
  void finish(CURLcode code, TransferAbort abort);

  TransferSpec spec_;
  CurlEasy easy_;
  CurlSlist header_list_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  std::atomic<bool> abort_requested_{false};
  TransferLoop* loop_ = nullptr;

  mutable std::mutex mutex_;
  std::condition_variable data_ready_;
  std::string pending_;      // received, not yet handed to the caller
  size_t received_bytes_ = 0;
  bool too_large_ = false;
  bool finished_ = false;
  TransferOutcome outcome_;
};

}  // namespace mom::http
