#include "http/sse_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/chat_stream_decoder.h"

namespace mom::http {
namespace {

std::vector<std::string> data_of(const std::vector<SseEvent>& events) {
  std::vector<std::string> data;
  for (const SseEvent& event : events) {
    data.push_back(event.data);
  }
  return data;
}

std::vector<SseEvent> feed_byte_by_byte(SseParser& parser, std::string_view bytes) {
  std::vector<SseEvent> events;
  for (char c : bytes) {
    for (SseEvent& event : parser.feed(std::string_view(&c, 1))) {
      events.push_back(std::move(event));
    }
  }
  return events;
}

TEST(SseParser, ParsesSeveralEventsInOneRead) {
  SseParser parser;
  auto events = parser.feed("data: one\n\ndata: two\n\ndata: three\n\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(SseParser, JoinsEventSplitAcrossReads) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("da").empty());
  EXPECT_TRUE(parser.feed("ta: hel").empty());
  EXPECT_TRUE(parser.feed("lo\n").empty());
  auto events = parser.feed("\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"hello"}));
}

TEST(SseParser, AcceptsCrLfCrAndLfLineEnds) {
  SseParser parser;
  auto events = parser.feed("data: crlf\r\n\r\ndata: cr\r\rdata: lf\n\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"crlf", "cr", "lf"}));
}

TEST(SseParser, HandlesCrLfSplitBetweenReads) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: a\r").empty());
  // The "\n" completes the "\r\n" of the previous read; the "\r" ends the event.
  EXPECT_EQ(data_of(parser.feed("\n\r")), (std::vector<std::string>{"a"}));
  // This "\n" belongs to the "\r" before it, so it is no second blank line.
  EXPECT_EQ(data_of(parser.feed("\ndata: b\r\n\r\n")), (std::vector<std::string>{"b"}));
}

TEST(SseParser, SkipsCommentLines) {
  SseParser parser;
  auto events = parser.feed(": ping\n\n: ping\ndata: x\n: inside\n\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"x"}));
  EXPECT_EQ(parser.comment_count(), 3u);
}

TEST(SseParser, JoinsMultiLineDataWithNewline) {
  SseParser parser;
  auto events = parser.feed("data: first\ndata: second\ndata:third\n\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"first\nsecond\nthird"}));
}

TEST(SseParser, ReadsEventTypeAndId) {
  SseParser parser;
  auto events = parser.feed("event: error\nid: 7\ndata: {}\n\ndata: next\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "error");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[1].type, "message");
  EXPECT_EQ(events[1].id, "7");
}

TEST(SseParser, IgnoresRetryAndUnknownFields) {
  SseParser parser;
  auto events = parser.feed("retry: 100\nfoo: bar\n\ndata: ok\n\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"ok"}));
}

TEST(SseParser, DropsByteOrderMarkAtStart) {
  SseParser parser;
  auto events = parser.feed("\xEF\xBB\xBF" "data: x\n\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{"x"}));
}

TEST(SseParser, KeepsOnlyOneLeadingSpaceOfValue) {
  SseParser parser;
  auto events = parser.feed("data:  two spaces\n\n");
  EXPECT_EQ(data_of(events), (std::vector<std::string>{" two spaces"}));
}

TEST(SseParser, FinishReturnsEventWithCompleteLastLine) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: [DONE]\n").empty());
  EXPECT_EQ(data_of(parser.finish()), (std::vector<std::string>{"[DONE]"}));
}

TEST(SseParser, FinishDropsUnterminatedLine) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: {\"cut").empty());
  EXPECT_TRUE(parser.finish().empty());
}

TEST(SseParser, GivesSameEventsFedOneByteAtATime) {
  const std::string stream =
      "\xEF\xBB\xBF: hello\r\n\r\ndata: a\r\ndata: b\r\n\r\nevent: x\ndata: c\n\n: ping\rdata: d\r\r";
  SseParser whole;
  SseParser bytewise;
  auto expected = whole.feed(stream);
  auto actual = feed_byte_by_byte(bytewise, stream);
  EXPECT_EQ(data_of(actual), data_of(expected));
  EXPECT_EQ(data_of(actual), (std::vector<std::string>{"a\nb", "c", "d"}));
}

// A stream in the shape llama-server and OpenAI send, with a usage chunk.
const char* const kOpenAiStream =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"finish_reason\":null}],"
    "\"model\":\"m\"}\n\n"
    ": ping\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":null}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":null,\"finish_reason\":null}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"length\"}]}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,"
    "\"prompt_tokens_details\":{\"cached_tokens\":3}}}\n\n"
    "data: [DONE]\n\n";

TEST(ChatStreamDecoder, DecodesOpenAiStream) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed(kOpenAiStream);
  ASSERT_TRUE(pieces.ok()) << pieces.error().message;
  EXPECT_EQ(*pieces, (std::vector<std::string>{"Hel", "lo"}));
  EXPECT_TRUE(decoder.done());

  auto completion = decoder.finish();
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, "Hello");
  EXPECT_EQ(completion->finish_reason, FinishReason::kLength);
  EXPECT_EQ(completion->usage.prompt_tokens, 5);
  EXPECT_EQ(completion->usage.completion_tokens, 2);
  EXPECT_EQ(completion->usage.cached_prompt_tokens, 3);
  EXPECT_EQ(completion->model, "m");
}

TEST(ChatStreamDecoder, DecodesStreamFedOneByteAtATime) {
  ChatStreamDecoder decoder;
  std::string text;
  for (char c : std::string(kOpenAiStream)) {
    auto pieces = decoder.feed(std::string_view(&c, 1));
    ASSERT_TRUE(pieces.ok());
    for (const std::string& piece : *pieces) {
      text += piece;
    }
  }
  EXPECT_EQ(text, "Hello");
  auto completion = decoder.finish();
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->text, "Hello");
  EXPECT_EQ(completion->usage.completion_tokens, 2);
}

TEST(ChatStreamDecoder, AcceptsEndWithoutDoneAfterFinishReason) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\n");
  ASSERT_TRUE(pieces.ok());
  auto completion = decoder.finish();
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->text, "x");
  EXPECT_EQ(completion->finish_reason, FinishReason::kStop);
}

TEST(ChatStreamDecoder, ReportsTruncatedStreamWithoutFinishReason) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\ndata: {\"cho");
  ASSERT_TRUE(pieces.ok());
  auto completion = decoder.finish();
  ASSERT_FALSE(completion.ok());
  EXPECT_EQ(completion.error().code, ErrorCode::kUpstream);
  EXPECT_NE(completion.error().message.find("stream truncated"), std::string::npos);
}

TEST(ChatStreamDecoder, AcceptsDoneWithoutAnyContent) {
  ChatStreamDecoder decoder;
  ASSERT_TRUE(decoder.feed("data: [DONE]\n\n").ok());
  auto completion = decoder.finish();
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->text, "");
}

TEST(ChatStreamDecoder, RejectsInvalidChunkJson) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed("data: {not json}\n\n");
  ASSERT_FALSE(pieces.ok());
  EXPECT_EQ(pieces.error().code, ErrorCode::kUpstream);
}

TEST(ChatStreamDecoder, ReportsErrorObjectInStream) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed("data: {\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\"}}\n\n");
  ASSERT_FALSE(pieces.ok());
  EXPECT_NE(pieces.error().message.find("out of memory"), std::string::npos);
}

TEST(ChatStreamDecoder, IgnoresBytesAfterDone) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed("data: [DONE]\n\ndata: {garbage\n\n");
  ASSERT_TRUE(pieces.ok());
  EXPECT_TRUE(pieces->empty());
  EXPECT_TRUE(decoder.finish().ok());
}

// The chunks of llama-server 80fb11a's /v1/completions stream: text in
// choices[0].text, and usage in the chunk with the finish_reason.
constexpr const char* kCompletionsStream =
    "data: {\"choices\":[{\"text\":\",\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],"
    "\"model\":\"m\",\"object\":\"text_completion\"}\n\n"
    "data: {\"choices\":[{\"text\":\" there\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],"
    "\"model\":\"m\",\"object\":\"text_completion\"}\n\n"
    "data: {\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"length\"}],"
    "\"model\":\"m\",\"object\":\"text_completion\","
    "\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":4}}}"
    "\n\n"
    "data: [DONE]\n\n";

TEST(ChatStreamDecoder, DecodesCompletionsStream) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed(kCompletionsStream);
  ASSERT_TRUE(pieces.ok()) << pieces.error().message;
  EXPECT_EQ(*pieces, (std::vector<std::string>{",", " there"}));

  auto completion = decoder.finish();
  ASSERT_TRUE(completion.ok()) << completion.error().message;
  EXPECT_EQ(completion->text, ", there");
  EXPECT_EQ(completion->finish_reason, FinishReason::kLength);
  EXPECT_EQ(completion->usage.prompt_tokens, 5);
  EXPECT_EQ(completion->usage.completion_tokens, 2);
  EXPECT_EQ(completion->usage.cached_prompt_tokens, 4);
}

TEST(ChatStreamDecoder, RejectsNonStringText) {
  ChatStreamDecoder decoder;
  auto pieces = decoder.feed("data: {\"choices\":[{\"index\":0,\"text\":7}]}\n\n");
  ASSERT_FALSE(pieces.ok());
  EXPECT_EQ(pieces.error().code, ErrorCode::kUpstream);
}

}  // namespace
}  // namespace mom::http
