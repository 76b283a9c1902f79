// Server-sent events: turns a byte stream into events.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mom::http {

// One dispatched event. data joins the event's "data:" lines with "\n".
struct SseEvent {
  std::string type = "message";
  std::string data;
  std::string id;
};

// Incremental parser for the text/event-stream format of the WHATWG HTML
// standard (section "Server-sent events"). Bytes may be fed in chunks split
// anywhere, even inside a "\r\n" pair; lines may end with "\r\n", "\n" or
// "\r"; comment lines (": ping") and "retry:" are skipped; several "data:"
// lines in one event are joined with "\n". A leading UTF-8 byte-order mark is
// dropped. Not thread-safe: one parser per stream.
class SseParser {
 public:
  // Consumes bytes and returns the events they complete, in order.
  std::vector<SseEvent> feed(std::string_view bytes);

  // Ends the stream. The standard discards an event that no blank line
  // closed; this also returns it when its last line was complete, because
  // some servers end the stream right after "data: [DONE]\n".
  std::vector<SseEvent> finish();

  // Number of comment lines seen, such as keep-alive pings.
  size_t comment_count() const { return comment_count_; }

 private:
  void process_line(std::string_view line, std::vector<SseEvent>& events);
  void dispatch(std::vector<SseEvent>& events);

  std::string line_;             // bytes of the current, unterminated line
  std::string data_;             // data of the event being built
  std::string event_type_;       // "event:" of the event being built
  std::string last_event_id_;
  bool has_data_ = false;
  bool skip_line_feed_ = false;  // the previous chunk ended with "\r"
  bool at_stream_start_ = true;  // a byte-order mark may still come
  size_t comment_count_ = 0;
};

}  // namespace mom::http
