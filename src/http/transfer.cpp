#include "http/transfer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#include "http/transfer_loop.h"

namespace mom::http {

namespace {

// Case-insensitive "Name:" prefix test for a raw header line.
bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') {
    return false;
  }
  return std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

long remaining_ms(Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) {
    return 0;
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return std::max<long>(1, left);
}

}  // namespace

Transfer::Transfer(TransferSpec spec) : spec_(std::move(spec)), easy_(curl_easy_init()) {}

Transfer::~Transfer() = default;

bool Transfer::configure() {
  CURL* easy = easy_.get();
  if (easy == nullptr) {
    return false;
  }

  curl_slist* list = nullptr;
  for (const std::string& header : spec_.headers) {
    curl_slist* grown = curl_slist_append(list, header.c_str());
    if (grown == nullptr) {
      curl_slist_free_all(list);
      return false;
    }
    list = grown;
  }
  header_list_.reset(list);

  // The connect limit never reaches past the deadline. libcurl's own total
  // timeout is a backstop a little after the loop's check.
  long connect_ms = static_cast<long>(spec_.connect_timeout.count());
  long total_ms = remaining_ms(spec_.deadline);
  if (total_ms > 0) {
    connect_ms = std::min(connect_ms, total_ms);
    total_ms += 200;
  }

  bool ok = true;
  auto set = [&](CURLoption option, auto value) { ok = ok && curl_easy_setopt(easy, option, value) == CURLE_OK; };
  set(CURLOPT_URL, spec_.url.c_str());
  set(CURLOPT_POST, 1L);
  set(CURLOPT_POSTFIELDS, spec_.body.c_str());
  set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(spec_.body.size()));
  set(CURLOPT_HTTPHEADER, header_list_.get());
  set(CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  set(CURLOPT_WRITEDATA, this);
  set(CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  set(CURLOPT_HEADERDATA, this);
  set(CURLOPT_ERRORBUFFER, error_buffer_);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  set(CURLOPT_TIMEOUT_MS, total_ms);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_TCP_NODELAY, 1L);
  // Redirects would resend the Authorization header to another host.
  set(CURLOPT_FOLLOWLOCATION, 0L);
  return ok;
}

size_t Transfer::on_body(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<Transfer*>(self);
  size_t bytes = size * count;
  {
    std::lock_guard lock(transfer->mutex_);
    transfer->received_bytes_ += bytes;
    if (transfer->received_bytes_ > transfer->spec_.max_response_bytes) {
      transfer->too_large_ = true;
      return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
    }
    transfer->pending_.append(data, bytes);
  }
  transfer->data_ready_.notify_all();
  return bytes;
}

size_t Transfer::on_header(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<Transfer*>(self);
  size_t bytes = size * count;
  std::string_view line(data, bytes);

  std::lock_guard lock(transfer->mutex_);
  if (line.starts_with("HTTP/")) {
    // A new status line starts a new response (after a 100 Continue, say).
    size_t space = line.find(' ');
    long status = 0;
    if (space != std::string_view::npos) {
      std::string_view code = line.substr(space + 1, 3);
      std::from_chars(code.data(), code.data() + code.size(), status);
    }
    transfer->outcome_.status = status;
    transfer->outcome_.retry_after.reset();
  } else if (header_is(line, "retry-after")) {
    // Only the delta-seconds form is read; an HTTP date is ignored.
    std::string_view value = trim(line.substr(std::string_view("retry-after:").size()));
    long seconds = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error == std::errc() && end == value.data() + value.size() && seconds >= 0) {
      transfer->outcome_.retry_after = std::chrono::seconds(seconds);
    }
  }
  return bytes;
}

bool Transfer::wait_for_data(std::string& out, std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mutex_);
  data_ready_.wait_for(lock, max_wait, [this] { return finished_ || !pending_.empty(); });
  out.append(pending_);
  pending_.clear();
  return finished_;
}

long Transfer::status() const {
  std::lock_guard lock(mutex_);
  return outcome_.status;
}

void Transfer::abort() {
  abort_requested_.store(true, std::memory_order_release);
  if (loop_ != nullptr) {
    loop_->wake();
  }
}

TransferOutcome Transfer::outcome() const {
  std::lock_guard lock(mutex_);
  return outcome_;
}

void Transfer::finish(CURLcode code, TransferAbort abort) {
  {
    std::lock_guard lock(mutex_);
    outcome_.curl_code = code;
    outcome_.curl_message = error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(code);
    outcome_.abort = too_large_ ? TransferAbort::kTooLarge : abort;
    finished_ = true;
  }
  data_ready_.notify_all();
}

}  // namespace mom::http
