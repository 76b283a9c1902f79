// Splits generated text into the part that may be streamed now and the part
// held back because it may start a stop string or an unfinished UTF-8 character.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mom::local {

// Accumulates the pieces of one generation. Not thread-safe; one per request.
class TextStreamer {
 public:
  explicit TextStreamer(std::vector<std::string> stop);

  // Appends a generated piece and returns the text that may be sent to the
  // caller now. When a stop string appears, the text is cut just before it,
  // stopped() becomes true and the stop string is never returned.
  std::string append(std::string_view piece);

  // Returns the held-back text at the end of a generation that did not stop
  // on a stop string.
  std::string flush();

  bool stopped() const { return stopped_; }

  // The whole text so far, without any stop string or what followed it.
  const std::string& text() const { return text_; }

 private:
  size_t held_back_length() const;

  std::vector<std::string> stop_;
  std::string text_;
  size_t emitted_ = 0;  // bytes of text_ already returned
  bool stopped_ = false;
};

}  // namespace mom::local
