// Building the messages that show references to an aggregator or a later layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat.h"

namespace mom {

// Where the references go in the conversation.
enum class ReferencePlacement {
  kSystem,  // appended to the system message, after the user's own system text
  kUser,    // a block before the user's own text in the last user message
};

// Parses "system" or "user"; nullopt for anything else.
std::optional<ReferencePlacement> parse_reference_placement(std::string_view name);

// One earlier proposal shown to a model.
struct Reference {
  std::string text;
  std::string note;  // shown after the reference's number, e.g. a measured accuracy; may be empty
};

// Lays out a conversation plus numbered references (1..k) for one model
// call. The result never ends with an assistant turn, because llama-server
// continues a trailing assistant message as a prefill while other servers
// ignore it, and adjacent turns of the same role are merged so that strict
// chat templates see alternating roles. Immutable and thread-safe.
class ReferenceLayout {
 public:
  // instructions: the aggregation prompt placed before the references.
  ReferenceLayout(ReferencePlacement placement, std::string instructions);

  // Returns the conversation with the instructions and references added.
  // kSystem keeps the user's system text first and creates a system message
  // when there is none. kUser prepends the block to the last user message.
  // When the conversation does not end with a user turn, a user turn is
  // appended: it holds the block (kUser) or asks for a reply (kSystem).
  std::vector<Message> build(const std::vector<Message>& conversation,
                             const std::vector<Reference>& references) const;

  // The instructions and numbered references as one text.
  std::string reference_block(const std::vector<Reference>& references) const;

 private:
  std::vector<Message> build_in_system(std::vector<Message> conversation, const std::string& block) const;
  std::vector<Message> build_in_user(std::vector<Message> conversation, const std::string& block) const;

  ReferencePlacement placement_;
  std::string instructions_;
};

// Joins adjacent messages of the same role into one, their texts separated
// by a blank line.
std::vector<Message> merge_adjacent_roles(const std::vector<Message>& messages);

}  // namespace mom
