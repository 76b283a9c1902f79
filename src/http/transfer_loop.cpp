#include "http/transfer_loop.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace mom::http {

namespace {

// Maximum sleep of the loop between checks when no deadline is nearer; abort
// requests and new transfers wake it earlier.
constexpr int kMaxPollMs = 1000;

// Idle connections kept for reuse across all remote miners.
constexpr long kConnectionCacheSize = 256;

}  // namespace

TransferLoop& TransferLoop::instance() {
  static TransferLoop loop;
  return loop;
}

TransferLoop::TransferLoop() {
  // Thread-safe since libcurl 7.84; the reference count is kept by libcurl.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    throw std::runtime_error("libcurl initialisation failed");
  }
  multi_.reset(curl_multi_init());
  if (!multi_) {
    throw std::runtime_error("curl_multi_init failed");
  }
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, kConnectionCacheSize);
  thread_ = std::thread([this] { run(); });
}

TransferLoop::~TransferLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_.get());
  thread_.join();
  multi_.reset();
  curl_global_cleanup();
}

std::shared_ptr<Transfer> TransferLoop::start(TransferSpec spec) {
  auto transfer = std::make_shared<Transfer>(std::move(spec));
  transfer->loop_ = this;
  if (!transfer->configure()) {
    transfer->finish(CURLE_FAILED_INIT, TransferAbort::kNone);
    return transfer;
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      transfer->finish(CURLE_FAILED_INIT, TransferAbort::kShutdown);
      return transfer;
    }
    pending_.push_back(transfer);
  }
  wake();
  return transfer;
}

void TransferLoop::wake() {
  curl_multi_wakeup(multi_.get());
}

void TransferLoop::run() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        break;
      }
    }
    add_pending();

    int running = 0;
    curl_multi_perform(multi_.get(), &running);
    collect_finished();
    enforce_limits();

    curl_multi_poll(multi_.get(), nullptr, 0, poll_timeout_ms(), nullptr);
  }

  // Shutdown: end what is still queued or running so that no caller waits.
  add_pending();
  std::vector<CURL*> handles;
  for (const auto& [easy, transfer] : active_) {
    handles.push_back(easy);
  }
  for (CURL* easy : handles) {
    remove(easy, CURLE_ABORTED_BY_CALLBACK, TransferAbort::kShutdown);
  }
}

void TransferLoop::add_pending() {
  std::vector<std::shared_ptr<Transfer>> added;
  {
    std::lock_guard lock(mutex_);
    added.swap(pending_);
  }
  for (auto& transfer : added) {
    CURL* easy = transfer->easy_.get();
    if (curl_multi_add_handle(multi_.get(), easy) != CURLM_OK) {
      transfer->finish(CURLE_FAILED_INIT, TransferAbort::kNone);
      continue;
    }
    active_.emplace(easy, std::move(transfer));
  }
}

void TransferLoop::collect_finished() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
    if (message->msg == CURLMSG_DONE) {
      // Copy both before remove(): the message is freed by the next libcurl call.
      CURL* easy = message->easy_handle;
      CURLcode code = message->data.result;
      remove(easy, code, TransferAbort::kNone);
    }
  }
}

void TransferLoop::enforce_limits() {
  Clock::time_point now = Clock::now();
  std::vector<std::pair<CURL*, TransferAbort>> ended;
  for (const auto& [easy, transfer] : active_) {
    if (transfer->abort_requested_.load(std::memory_order_acquire)) {
      ended.emplace_back(easy, TransferAbort::kCaller);
    } else if (now >= transfer->spec_.deadline) {
      ended.emplace_back(easy, TransferAbort::kDeadline);
    }
  }
  for (const auto& [easy, abort] : ended) {
    remove(easy, CURLE_ABORTED_BY_CALLBACK, abort);
  }
}

void TransferLoop::remove(CURL* easy, CURLcode code, TransferAbort abort) {
  auto found = active_.find(easy);
  if (found == active_.end()) {
    return;
  }
  std::shared_ptr<Transfer> transfer = std::move(found->second);
  active_.erase(found);
  curl_multi_remove_handle(multi_.get(), easy);
  transfer->finish(code, abort);
}

int TransferLoop::poll_timeout_ms() const {
  auto nearest = Clock::time_point::max();
  for (const auto& [easy, transfer] : active_) {
    nearest = std::min(nearest, transfer->spec_.deadline);
  }
  if (nearest == Clock::time_point::max()) {
    return kMaxPollMs;
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(nearest - Clock::now()).count() + 1;
  return static_cast<int>(std::clamp<long long>(left, 0, kMaxPollMs));
}

}  // namespace mom::http
