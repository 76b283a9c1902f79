#include "eval/prompt_builder.h"

#include <algorithm>

namespace mom {
namespace {

std::string format_question(const MmluRow& row) {
  std::string text = row.question;
  for (size_t i = 0; i < row.options.size(); ++i) {
    text += "\n";
    text += static_cast<char>('A' + i);
    text += ". " + row.options[i];
  }
  return text;
}

}  // namespace

std::optional<PromptFormat> parse_prompt_format(const std::string& name) {
  if (name == "completion") return PromptFormat::kCompletion;
  if (name == "chat") return PromptFormat::kChat;
  return std::nullopt;
}

const char* prompt_format_name(PromptFormat format) {
  return format == PromptFormat::kChat ? "chat" : "completion";
}

PromptBuilder::PromptBuilder(std::string subject, std::vector<MmluRow> shots)
    : subject_(std::move(subject)), shots_(std::move(shots)) {
  std::replace(subject_.begin(), subject_.end(), '_', ' ');
}

std::string PromptBuilder::completion(const MmluRow& question) const {
  std::string text = "The following are multiple choice questions (with answers) about " + subject_ + ".\n\n";
  for (const MmluRow& shot : shots_) {
    text += format_question(shot) + "\nAnswer: " + std::string(1, shot.answer) + "\n\n";
  }
  text += format_question(question) + "\nAnswer:";
  return text;
}

std::vector<Message> PromptBuilder::chat(const MmluRow& question) const {
  const std::string header = "The following is a multiple choice question about " + subject_ + ".\n\n";
  const std::string instruction =
      "\n\nThink step by step if you need to, then finish with a line of the form "
      "\"Answer: <letter>\" where <letter> is one of A, B, C, D.";
  std::vector<Message> messages;
  for (const MmluRow& shot : shots_) {
    messages.push_back({"user", header + format_question(shot) + instruction});
    messages.push_back({"assistant", "Answer: " + std::string(1, shot.answer)});
  }
  messages.push_back({"user", header + format_question(question) + instruction});
  return messages;
}

std::string prompt_fingerprint(const std::optional<std::string>& prompt, const std::vector<Message>& messages) {
  if (prompt) {
    return *prompt;
  }
  std::string text;
  for (const Message& message : messages) {
    text += message.role + ": " + message.content + "\n";
  }
  return text;
}

}  // namespace mom
