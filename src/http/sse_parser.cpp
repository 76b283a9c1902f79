#include "http/sse_parser.h"

namespace mom::http {

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> events;
  for (char c : bytes) {
    if (skip_line_feed_) {
      skip_line_feed_ = false;
      if (c == '\n') {
        continue;
      }
    }
    if (c == '\r' || c == '\n') {
      // A "\r" may be the first half of "\r\n" split across two reads.
      skip_line_feed_ = (c == '\r');
      process_line(line_, events);
      line_.clear();
      continue;
    }
    line_.push_back(c);
  }
  return events;
}

std::vector<SseEvent> SseParser::finish() {
  std::vector<SseEvent> events;
  // An unterminated last line may be cut anywhere, so it is dropped.
  line_.clear();
  dispatch(events);
  return events;
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& events) {
  if (at_stream_start_) {
    at_stream_start_ = false;
    if (line.starts_with(kByteOrderMark)) {
      line.remove_prefix(kByteOrderMark.size());
    }
  }

  if (line.empty()) {
    dispatch(events);
    return;
  }
  if (line.front() == ':') {
    ++comment_count_;
    return;
  }

  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }

  if (field == "data") {
    if (has_data_) {
      data_.push_back('\n');
    }
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      last_event_id_.assign(value);
    }
  }
  // "retry" and unknown fields are ignored, as the standard requires.
}

void SseParser::dispatch(std::vector<SseEvent>& events) {
  if (has_data_) {
    SseEvent event;
    if (!event_type_.empty()) {
      event.type = event_type_;
    }
    event.data = std::move(data_);
    event.id = last_event_id_;
    events.push_back(std::move(event));
  }
  data_.clear();
  event_type_.clear();
  has_data_ = false;
}

}  // namespace mom::http
