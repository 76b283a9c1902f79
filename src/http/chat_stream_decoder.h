// Decodes a streamed chat completion or legacy completion (OpenAI chunk
// format over server-sent events).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/chat.h"
#include "core/result.h"
#include "http/sse_parser.h"

namespace mom::http {

// Turns the bytes of a streamed chat completion into text pieces and, at the
// end, a Completion. Accepts what real servers send: a first chunk with only
// a role, chunks whose delta is empty, null or missing, content and
// finish_reason in one chunk, a final usage chunk with empty choices, and
// "data: [DONE]". A choice without a delta object has its piece in "text",
// as /completions streams send it. Only choice 0 is read. Not thread-safe: one decoder per
// stream.
class ChatStreamDecoder {
 public:
  // Consumes bytes and returns the content pieces they complete, in order.
  // Fails with kUpstream when a chunk is not valid JSON or is an error object
  // (a server that fails after the stream started); feed nothing more after
  // an error.
  Result<std::vector<std::string>> feed(std::string_view bytes);

  // Ends the stream and returns the whole completion. A stream that ends
  // without "data: [DONE]" is accepted when a finish_reason arrived, otherwise
  // it fails with kUpstream "stream truncated". late_pieces, when set,
  // receives content that only the end of the stream completed.
  Result<Completion> finish(std::vector<std::string>* late_pieces = nullptr);

  // True once "data: [DONE]" arrived; later bytes are ignored.
  bool done() const { return done_; }

  // True once any data event arrived (keep-alive comments do not count).
  bool received_event() const { return received_event_; }

 private:
  Status handle_event(const SseEvent& event, std::vector<std::string>& pieces);

  SseParser parser_;
  Completion completion_;
  bool finish_reason_seen_ = false;
  bool done_ = false;
  bool received_event_ = false;
};

}  // namespace mom::http
