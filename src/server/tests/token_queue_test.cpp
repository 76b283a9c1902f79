#include "server/token_queue.h"

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mom {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;

// A writer that fell behind used to receive every queued piece joined into
// one string, so a whole answer could reach the client as a single chunk.
TEST(TokenQueue, PopKeepsQueuedPiecesSeparate) {
  TokenQueue queue;
  queue.push("Hel");
  queue.push("lo");
  std::vector<std::string> pieces;
  EXPECT_EQ(queue.pop(pieces, 0ms), TokenQueue::PopResult::kText);
  EXPECT_THAT(pieces, ElementsAre("Hel", "lo"));
}

TEST(TokenQueue, PopTimesOutWhenEmpty) {
  TokenQueue queue;
  std::vector<std::string> pieces{"stale"};
  EXPECT_EQ(queue.pop(pieces, 10ms), TokenQueue::PopResult::kTimeout);
  EXPECT_TRUE(pieces.empty());
}

TEST(TokenQueue, EmptyPieceIsDropped) {
  TokenQueue queue;
  queue.push("");
  std::vector<std::string> pieces;
  EXPECT_EQ(queue.pop(pieces, 0ms), TokenQueue::PopResult::kTimeout);
}

TEST(TokenQueue, FinishedAfterLastPieceIsTaken) {
  TokenQueue queue;
  queue.push("end");
  queue.finish();
  std::vector<std::string> pieces;
  EXPECT_EQ(queue.pop(pieces, 0ms), TokenQueue::PopResult::kText);
  EXPECT_THAT(pieces, ElementsAre("end"));
  EXPECT_EQ(queue.pop(pieces, 0ms), TokenQueue::PopResult::kFinished);
  EXPECT_TRUE(pieces.empty());
}

TEST(TokenQueue, PopWakesOnPushFromAnotherThread) {
  TokenQueue queue;
  std::thread producer([&queue] {
    std::this_thread::sleep_for(20ms);
    queue.push("x");
    queue.finish();
  });
  std::vector<std::string> pieces;
  EXPECT_EQ(queue.pop(pieces, 5000ms), TokenQueue::PopResult::kText);
  EXPECT_THAT(pieces, ElementsAre("x"));
  producer.join();
}

}  // namespace
}  // namespace mom
