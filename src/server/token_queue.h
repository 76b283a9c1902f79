// Hands generated text from a miner's thread to the thread writing a stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mom {

// A single-producer, single-consumer queue of text pieces. push() only takes
// a mutex and appends, so a miner's TokenSink does not wait for the network
// and a slow client cannot stall a model that decodes other requests too.
// Pieces stay separate, so a writer that falls behind still sends one stream
// chunk per token instead of one chunk with everything queued.
// Thread-safe.
class TokenQueue {
 public:
  enum class PopResult { kText, kTimeout, kFinished };

  // Appends a piece. Empty pieces are dropped. Called by the producer.
  void push(std::string_view piece);

  // Marks the end of the text. Called by the producer once, after its last push.
  void finish();

  // Waits up to timeout for text. kText replaces out with every piece queued
  // so far, oldest first and each as pushed. kFinished means finish() was
  // called and nothing is left. On kTimeout and kFinished out is empty.
  PopResult pop(std::vector<std::string>& out, std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> pending_;
  bool finished_ = false;
};

}  // namespace mom
