// Rendering chat messages into the prompt text a local model reads.
#pragma once

#include <string>
#include <vector>

#include "core/chat.h"
#include "core/result.h"

namespace mom::local {

// Returns messages with a system message containing system_prompt put first,
// unless system_prompt is empty or the messages already contain a system
// message.
std::vector<Message> with_system_prompt(const std::vector<Message>& messages, const std::string& system_prompt);

// Renders messages with the chat template `tmpl` through
// llama_chat_apply_template, ending with the assistant's opening (the
// add_assistant form). Returns kInvalidRequest when llama.cpp does not support
// the template; llama.cpp detects supported templates by their text, it runs
// no Jinja.
Result<std::string> apply_chat_template(const std::string& tmpl, const std::vector<Message>& messages);

// Renders messages for a model without a chat template: the system text and
// a blank line, then one "User: ..." or "Assistant: ..." line per turn, ending
// with "Assistant:" so that the model continues as the assistant.
std::string render_plain_chat(const std::vector<Message>& messages);

}  // namespace mom::local
