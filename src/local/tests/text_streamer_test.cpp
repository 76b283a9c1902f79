#include "local/text_streamer.h"

#include <gtest/gtest.h>

namespace mom::local {
namespace {

TEST(TextStreamer, PassesTextThroughWithoutStopStrings) {
  TextStreamer streamer({});
  EXPECT_EQ(streamer.append("Once"), "Once");
  EXPECT_EQ(streamer.append(" upon"), " upon");
  EXPECT_EQ(streamer.flush(), "");
  EXPECT_FALSE(streamer.stopped());
}

TEST(TextStreamer, HoldsBackPossibleStopStart) {
  TextStreamer streamer({"\nUser:"});
  EXPECT_EQ(streamer.append("Hello\nUs"), "Hello");
  EXPECT_EQ(streamer.append("ually"), "\nUsually");
  EXPECT_FALSE(streamer.stopped());
}

TEST(TextStreamer, StopsOnStopSplitAcrossPieces) {
  TextStreamer streamer({"\nUser:"});
  std::string streamed = streamer.append("Fine.\nU");
  streamed += streamer.append("ser: more");
  EXPECT_TRUE(streamer.stopped());
  EXPECT_EQ(streamed, "Fine.");
  EXPECT_EQ(streamer.text(), "Fine.");
  EXPECT_EQ(streamer.append("ignored"), "");
}

TEST(TextStreamer, StopsOnEarliestOfSeveralStops) {
  TextStreamer streamer({"END", "stop"});
  EXPECT_EQ(streamer.append("a stop then END"), "a ");
  EXPECT_EQ(streamer.text(), "a ");
}

TEST(TextStreamer, HoldsBackUnfinishedUtf8Character) {
  TextStreamer streamer({});
  const std::string euro = "\xE2\x82\xAC";
  EXPECT_EQ(streamer.append("x" + euro.substr(0, 2)), "x");
  EXPECT_EQ(streamer.append(euro.substr(2)), euro);
}

TEST(TextStreamer, FlushReturnsHeldBackText) {
  TextStreamer streamer({"STOP"});
  EXPECT_EQ(streamer.append("abcST"), "abc");
  EXPECT_EQ(streamer.flush(), "ST");
  EXPECT_EQ(streamer.text(), "abcST");
}

}  // namespace
}  // namespace mom::local
