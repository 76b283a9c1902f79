// POST /v1/chat/completions: runs a miner or mixture and writes its completion
// as one chat.completion object or as a stream of chunks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "core/cancel.h"
#include "server/metrics.h"
#include "server/model_catalog.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace mom {

// Handles chat completion requests and counts the ones in flight.
// Thread-safe: handle() runs on many worker threads at once.
class ChatEndpoint {
 public:
  // metrics must outlive the endpoint. Every request's CancelToken is a child
  // of shutdown, so cancelling shutdown cancels all work in flight.
  ChatEndpoint(Metrics& metrics, CancelToken shutdown);

  // Handles req and fills res. A non-stream request runs to completion here. A
  // stream request starts the miner on its own thread and waits up to one
  // keep-alive interval (1 s) for its first text: a miner that fails within
  // that wait gets an HTTP error status, as a non-stream request would.
  // Otherwise a content provider sends status 200 and writes chunks, and a
  // later failure arrives as an error event followed by "data: [DONE]". The
  // miner is cancelled when the client disconnects.
  // NOTE: a client that disconnects from a non-stream request is not
  // noticed, so that work runs to its end or deadline.
  void handle(const httplib::Request& req, httplib::Response& res, std::shared_ptr<const ModelCatalog> catalog);

  // Blocks until no request is in flight or timeout passes. Returns true
  // when none is in flight.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct InFlight {
    std::mutex mutex;
    std::condition_variable idle;
    int count = 0;
  };

  Metrics& metrics_;
  CancelToken shutdown_;
  std::shared_ptr<InFlight> in_flight_;
};

}  // namespace mom
