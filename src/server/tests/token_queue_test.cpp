#include "server/token_queue.h"

#include <thread>

#include <gtest/gtest.h>

namespace mom {
namespace {

using namespace std::chrono_literals;

TEST(TokenQueue, PopJoinsQueuedPieces) {
  TokenQueue queue;
  queue.push("Hel");
  queue.push("lo");
  std::string text;
  EXPECT_EQ(queue.pop(text, 0ms), TokenQueue::PopResult::kText);
  EXPECT_EQ(text, "Hello");
}

TEST(TokenQueue, PopTimesOutWhenEmpty) {
  TokenQueue queue;
  std::string text;
  EXPECT_EQ(queue.pop(text, 10ms), TokenQueue::PopResult::kTimeout);
  EXPECT_TRUE(text.empty());
}

TEST(TokenQueue, FinishedAfterLastPieceIsTaken) {
  TokenQueue queue;
  queue.push("end");
  queue.finish();
  std::string text;
  EXPECT_EQ(queue.pop(text, 0ms), TokenQueue::PopResult::kText);
  EXPECT_EQ(text, "end");
  EXPECT_EQ(queue.pop(text, 0ms), TokenQueue::PopResult::kFinished);
}

TEST(TokenQueue, PopWakesOnPushFromAnotherThread) {
  TokenQueue queue;
  std::thread producer([&queue] {
    std::this_thread::sleep_for(20ms);
    queue.push("x");
    queue.finish();
  });
  std::string text;
  EXPECT_EQ(queue.pop(text, 5000ms), TokenQueue::PopResult::kText);
  EXPECT_EQ(text, "x");
  producer.join();
}

}  // namespace
}  // namespace mom
