// MMLU prompts in the two formats: completion (base models) and chat (instruct models).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/chat.h"
#include "eval/mmlu_csv.h"

namespace mom {

enum class PromptFormat {
  kCompletion,  // the original benchmark text, ending with "Answer:"
  kChat,        // user/assistant turns, asking for a final line "Answer: <letter>"
};

// Parses "completion" or "chat"; nullopt for anything else.
std::optional<PromptFormat> parse_prompt_format(const std::string& name);
const char* prompt_format_name(PromptFormat format);

// Builds the prompt of one question with few-shot examples. Stateless.
class PromptBuilder {
 public:
  // subject is the file name form ("high_school_physics"); it is shown with
  // spaces. shots are solved examples shown before the question.
  PromptBuilder(std::string subject, std::vector<MmluRow> shots);

  // The completion format of Hendrycks et al. (2021):
  //   The following are multiple choice questions (with answers) about SUBJECT.
  //
  //   QUESTION
  //   A. ...
  //   ...
  //   Answer: B
  //
  // once per shot, then the question ending with "Answer:" (no space).
  std::string completion(const MmluRow& question) const;

  // The chat format: each shot is a user turn and an assistant turn
  // "Answer: X"; the question is the last user turn. Every user turn carries
  // the instruction to end with "Answer: <letter>".
  std::vector<Message> chat(const MmluRow& question) const;

 private:
  std::string subject_;  // with spaces
  std::vector<MmluRow> shots_;
};

// Renders the prompt of either format as one string, for hashing: the
// completion text, or each message as "role: content" lines.
std::string prompt_fingerprint(const std::optional<std::string>& prompt, const std::vector<Message>& messages);

}  // namespace mom
