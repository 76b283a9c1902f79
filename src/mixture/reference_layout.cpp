#include "mixture/reference_layout.h"

#include <utility>

namespace mom {
namespace {

// The user turn appended in the system placement when the conversation ends
// with an assistant turn, so that the prompt asks for a reply rather than a
// continuation.
constexpr std::string_view kReplyRequest = "Please write your reply to the conversation above.";

std::string join_paragraphs(const std::string& first, const std::string& second) {
  if (first.empty()) {
    return second;
  }
  if (second.empty()) {
    return first;
  }
  return first + "\n\n" + second;
}

}  // namespace

std::optional<ReferencePlacement> parse_reference_placement(std::string_view name) {
  if (name == "system") {
    return ReferencePlacement::kSystem;
  }
  if (name == "user") {
    return ReferencePlacement::kUser;
  }
  return std::nullopt;
}

ReferenceLayout::ReferenceLayout(ReferencePlacement placement, std::string instructions)
    : placement_(placement), instructions_(std::move(instructions)) {}

std::string ReferenceLayout::reference_block(const std::vector<Reference>& references) const {
  std::string block = instructions_;
  for (size_t i = 0; i < references.size(); ++i) {
    std::string header = "[Answer " + std::to_string(i + 1);
    if (!references[i].note.empty()) {
      header += ": " + references[i].note;
    }
    header += "]";
    block = join_paragraphs(block, header + "\n" + references[i].text);
  }
  return block;
}

std::vector<Message> ReferenceLayout::build(const std::vector<Message>& conversation,
                                            const std::vector<Reference>& references) const {
  std::vector<Message> merged = merge_adjacent_roles(conversation);
  std::string block = reference_block(references);
  if (placement_ == ReferencePlacement::kSystem) {
    return build_in_system(std::move(merged), block);
  }
  return build_in_user(std::move(merged), block);
}

std::vector<Message> ReferenceLayout::build_in_system(std::vector<Message> conversation,
                                                      const std::string& block) const {
  if (!conversation.empty() && conversation.front().role == "system") {
    conversation.front().content = join_paragraphs(conversation.front().content, block);
  } else {
    conversation.insert(conversation.begin(), Message{"system", block});
  }

  if (conversation.back().role != "user") {
    conversation.push_back(Message{"user", std::string(kReplyRequest)});
  }
  return conversation;
}

std::vector<Message> ReferenceLayout::build_in_user(std::vector<Message> conversation,
                                                    const std::string& block) const {
  if (!conversation.empty() && conversation.back().role == "user") {
    conversation.back().content = join_paragraphs(block, conversation.back().content);
  } else {
    conversation.push_back(Message{"user", block});
  }
  return conversation;
}

std::vector<Message> merge_adjacent_roles(const std::vector<Message>& messages) {
  std::vector<Message> merged;
  for (const Message& message : messages) {
    if (!merged.empty() && merged.back().role == message.role) {
      merged.back().content = join_paragraphs(merged.back().content, message.content);
    } else {
      merged.push_back(message);
    }
  }
  return merged;
}

}  // namespace mom
