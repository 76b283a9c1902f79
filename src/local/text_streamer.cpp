#include "local/text_streamer.h"

#include <algorithm>
#include <utility>

namespace mom::local {
namespace {

// Number of bytes at the end of text that begin a UTF-8 character whose
// continuation bytes have not arrived yet.
size_t incomplete_utf8_suffix(const std::string& text) {
  const size_t n = text.size();
  for (size_t back = 1; back <= std::min<size_t>(n, 4); ++back) {
    const auto byte = static_cast<unsigned char>(text[n - back]);
    if ((byte & 0xC0) == 0x80) {
      continue;  // continuation byte: keep looking for the lead byte
    }
    size_t expected = 1;
    if ((byte & 0xE0) == 0xC0) {
      expected = 2;
    } else if ((byte & 0xF0) == 0xE0) {
      expected = 3;
    } else if ((byte & 0xF8) == 0xF0) {
      expected = 4;
    }
    return back < expected ? back : 0;
  }
  return 0;
}

}  // namespace

TextStreamer::TextStreamer(std::vector<std::string> stop) : stop_(std::move(stop)) {
  std::erase_if(stop_, [](const std::string& s) { return s.empty(); });
}

std::string TextStreamer::append(std::string_view piece) {
  if (stopped_) {
    return {};
  }
  text_.append(piece);

  // Text before emitted_ cannot start a match: it was released only after no
  // stop string could begin there.
  size_t match = std::string::npos;
  for (const std::string& s : stop_) {
    match = std::min(match, text_.find(s, emitted_));
  }
  if (match != std::string::npos) {
    text_.resize(match);
    stopped_ = true;
    return flush();
  }

  const size_t safe_end = text_.size() - held_back_length();
  std::string out = text_.substr(emitted_, safe_end - emitted_);
  emitted_ = safe_end;
  return out;
}

std::string TextStreamer::flush() {
  std::string out = text_.substr(emitted_);
  emitted_ = text_.size();
  return out;
}

size_t TextStreamer::held_back_length() const {
  const size_t pending = text_.size() - emitted_;
  size_t hold = incomplete_utf8_suffix(text_);
  for (const std::string& s : stop_) {
    // The longest proper prefix of s that ends the text.
    for (size_t k = std::min(s.size() - 1, pending); k > hold; --k) {
      if (text_.compare(text_.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  return std::min(hold, pending);
}

}  // namespace mom::local
