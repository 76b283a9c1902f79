#include "local/chat_prompt.h"

#include <algorithm>

#include <llama.h>

namespace mom::local {

std::vector<Message> with_system_prompt(const std::vector<Message>& messages, const std::string& system_prompt) {
  const bool has_system =
      std::any_of(messages.begin(), messages.end(), [](const Message& m) { return m.role == "system"; });
  if (system_prompt.empty() || has_system) {
    return messages;
  }
  std::vector<Message> result;
  result.reserve(messages.size() + 1);
  result.push_back({"system", system_prompt});
  result.insert(result.end(), messages.begin(), messages.end());
  return result;
}

Result<std::string> apply_chat_template(const std::string& tmpl, const std::vector<Message>& messages) {
  std::vector<llama_chat_message> chat;
  chat.reserve(messages.size());
  size_t total = 0;
  for (const Message& m : messages) {
    chat.push_back({m.role.c_str(), m.content.c_str()});
    total += m.role.size() + m.content.size();
  }

  // llama.cpp recommends twice the message text; the call reports the real
  // size when that is not enough.
  std::string buffer(2 * total + 256, '\0');
  int32_t n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), true, buffer.data(),
                                        static_cast<int32_t>(buffer.size()));
  if (n > static_cast<int32_t>(buffer.size())) {
    buffer.resize(n);
    n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), true, buffer.data(),
                                  static_cast<int32_t>(buffer.size()));
  }
  if (n < 0) {
    return Error::invalid("the model's chat template is not supported by llama.cpp's built-in templates");
  }
  buffer.resize(n);
  return buffer;
}

std::string render_plain_chat(const std::vector<Message>& messages) {
  std::string text;
  for (const Message& m : messages) {
    if (m.role == "system") {
      text += m.content;
      text += "\n\n";
    } else if (m.role == "assistant") {
      text += "Assistant: " + m.content + "\n";
    } else {
      text += "User: " + m.content + "\n";
    }
  }
  text += "Assistant:";
  return text;
}

}  // namespace mom::local
