// Hands generated text from a miner's thread to the thread writing a stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

namespace mom {

// A single-producer, single-consumer queue of text pieces. push() only takes
// a mutex and appends, so a miner's TokenSink does not wait for the network
// and a slow client cannot stall a model that decodes other requests too.
// Thread-safe.
class TokenQueue {
 public:
  enum class PopResult { kText, kTimeout, kFinished };

  // Appends a piece. Called by the producer.
  void push(std::string_view piece);

  // Marks the end of the text. Called by the producer once, after its last push.
  void finish();

  // Waits up to timeout for text. kText moves everything queued so far into
  // out; kFinished means finish() was called and nothing is left.
  PopResult pop(std::string& out, std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::string pending_;
  bool finished_ = false;
};

}  // namespace mom
