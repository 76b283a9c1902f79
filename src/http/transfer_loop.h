// The thread that drives every remote miner's HTTP transfers.
#pragma once

#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/curl_handles.h"
#include "http/transfer.h"

namespace mom::http {

// Owns one libcurl multi handle and the thread that drives it, so many
// requests run at once without a thread each. The multi handle's connection
// cache keeps connections alive and reuses them across transfers to the same
// host. The loop also enforces each transfer's deadline itself, so a server
// that keeps a connection busy with keep-alive comments is cut off on time.
// Thread-safe: start() may be called from any thread.
class TransferLoop {
 public:
  // The process-wide loop, started on first use and stopped at exit.
  static TransferLoop& instance();

  TransferLoop();
  ~TransferLoop();
  TransferLoop(const TransferLoop&) = delete;
  TransferLoop& operator=(const TransferLoop&) = delete;

  // Queues the transfer and returns at once; the caller waits with
  // Transfer::wait_for_data(). When libcurl rejects the set-up, the transfer
  // is returned already finished with that error.
  std::shared_ptr<Transfer> start(TransferSpec spec);

  // Wakes the loop so that it notices an abort request.
  void wake();

 private:
  void run();
  void add_pending();
  void collect_finished();
  void enforce_limits();
  void remove(CURL* easy, CURLcode code, TransferAbort abort);
  int poll_timeout_ms() const;

  CurlMulti multi_;
  std::thread thread_;

  std::mutex mutex_;  // guards pending_ and stopping_
  std::vector<std::shared_ptr<Transfer>> pending_;
  bool stopping_ = false;

  // Owned by the loop thread alone.
  std::unordered_map<CURL*, std::shared_ptr<Transfer>> active_;
};

}  // namespace mom::http
