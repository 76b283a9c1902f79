#include "http/chat_stream_decoder.h"

#include <nlohmann/json.hpp>

#include "http/openai_wire.h"

namespace mom::http {

using nlohmann::json;

Result<std::vector<std::string>> ChatStreamDecoder::feed(std::string_view bytes) {
  std::vector<std::string> pieces;
  if (done_) {
    return pieces;
  }
  for (const SseEvent& event : parser_.feed(bytes)) {
    if (Status status = handle_event(event, pieces); !status) {
      return status.error();
    }
    if (done_) {
      break;
    }
  }
  return pieces;
}

Result<Completion> ChatStreamDecoder::finish(std::vector<std::string>* late_pieces) {
  std::vector<std::string> pieces;
  if (!done_) {
    for (const SseEvent& event : parser_.finish()) {
      if (Status status = handle_event(event, pieces); !status) {
        return status.error();
      }
    }
  }
  if (late_pieces != nullptr) {
    *late_pieces = std::move(pieces);
  }

  if (!done_ && !finish_reason_seen_) {
    return Error{ErrorCode::kUpstream,
                 "stream truncated: the connection ended before a finish_reason or [DONE] arrived"};
  }
  return completion_;
}

Status ChatStreamDecoder::handle_event(const SseEvent& event, std::vector<std::string>& pieces) {
  received_event_ = true;
  if (event.data == "[DONE]") {
    done_ = true;
    return {};
  }

  json chunk = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (chunk.is_discarded() || !chunk.is_object()) {
    return Error{ErrorCode::kUpstream, "upstream sent an invalid stream chunk: " + shorten(event.data)};
  }
  if (auto error = chunk.find("error"); error != chunk.end() && !error->is_null()) {
    return Error{ErrorCode::kUpstream, "upstream failed during the stream: " + parse_error_body(event.data).message};
  }

  if (auto model = chunk.find("model"); model != chunk.end() && model->is_string()) {
    completion_.model = model->get<std::string>();
  }
  if (auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
    completion_.usage = parse_usage(*usage);
  }

  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array()) {
    return {};
  }
  for (const json& choice : *choices) {
    if (!choice.is_object()) {
      continue;
    }
    // Only choice 0 is read. A missing index means 0, and an index that is
    // not an integer (a string from a broken upstream) skips the choice.
    auto index = choice.find("index");
    if (index != choice.end() && !(index->is_number_integer() && index->get<int64_t>() == 0)) {
      continue;
    }
    auto delta = choice.find("delta");
    if (delta != choice.end() && delta->is_object()) {
      auto content = delta->find("content");
      if (content != delta->end() && !content->is_null() && !content->is_string()) {
        return Error{ErrorCode::kUpstream, "upstream stream chunk content is not a string: " + shorten(event.data)};
      }
      if (content != delta->end() && content->is_string() && !content->get_ref<const std::string&>().empty()) {
        const std::string& piece = content->get_ref<const std::string&>();
        completion_.text += piece;
        pieces.push_back(piece);
      }
    } else if (auto text = choice.find("text"); text != choice.end()) {
      // A /completions chunk carries its piece in choices[0].text.
      if (!text->is_null() && !text->is_string()) {
        return Error{ErrorCode::kUpstream,
                     "upstream stream chunk text is not a string: " + shorten(event.data)};
      }
      if (text->is_string() && !text->get_ref<const std::string&>().empty()) {
        const std::string& piece = text->get_ref<const std::string&>();
        completion_.text += piece;
        pieces.push_back(piece);
      }
    }
    auto reason = choice.find("finish_reason");
    if (reason != choice.end() && reason->is_string()) {
      completion_.finish_reason = parse_finish_reason(reason->get<std::string>());
      finish_reason_seen_ = true;
    }
  }
  return {};
}

}  // namespace mom::http
