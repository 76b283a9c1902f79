#include "mmlu/prompt_tokens.h"

#include <llama.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

#include "eval/mmlu_dataset.h"
#include "eval/prompt_builder.h"

namespace mom::bench {
namespace {

struct ModelDeleter {
  void operator()(llama_model* model) const { llama_model_free(model); }
};
using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;

std::vector<llama_token> tokenize(const llama_vocab* vocab, const std::string& text) {
  const auto length = static_cast<int32_t>(text.size());
  int32_t n = llama_tokenize(vocab, text.data(), length, nullptr, 0, true, true);
  if (n == std::numeric_limits<int32_t>::min()) {
    throw std::runtime_error("prompt too long to tokenize");
  }
  std::vector<llama_token> tokens(static_cast<size_t>(std::abs(n)));
  n = llama_tokenize(vocab, text.data(), length, tokens.data(), static_cast<int32_t>(tokens.size()), true, true);
  tokens.resize(static_cast<size_t>(std::max(n, 0)));
  return tokens;
}

std::string render_chat(const llama_model* model, const std::vector<Message>& messages) {
  const char* tmpl = llama_model_chat_template(model, nullptr);
  if (tmpl == nullptr) {
    throw std::runtime_error("the model has no chat template; count with --prompt-format completion");
  }
  std::vector<llama_chat_message> chat;
  size_t total = 0;
  for (const auto& message : messages) {
    chat.push_back({message.role.c_str(), message.content.c_str()});
    total += message.role.size() + message.content.size();
  }
  std::vector<char> buffer(total * 2 + 256);
  int32_t n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, buffer.data(),
                                        static_cast<int32_t>(buffer.size()));
  if (n > static_cast<int32_t>(buffer.size())) {
    buffer.resize(static_cast<size_t>(n));
    n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, buffer.data(),
                                  static_cast<int32_t>(buffer.size()));
  }
  if (n < 0) {
    throw std::runtime_error("llama.cpp does not support the model's chat template");
  }
  return std::string(buffer.data(), static_cast<size_t>(n));
}

size_t common_prefix_length(const std::vector<llama_token>& a, const std::vector<llama_token>& b) {
  const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<size_t>(mismatch.first - a.begin());
}

}  // namespace

PromptTokenCounts count_prompt_tokens(const std::string& model_path, const MmluSelectionSpec& spec) {
  const auto format = parse_prompt_format(spec.prompt_format);
  if (!format) {
    throw std::runtime_error("invalid prompt format \"" + spec.prompt_format + "\"; use completion or chat");
  }
  MmluSelection selection;
  selection.subjects = spec.subjects;
  selection.limit = spec.limit;
  selection.shots = spec.shots;
  auto dataset = MmluDataset::load(spec.data_dir, selection);
  if (!dataset) {
    throw std::runtime_error("cannot load MMLU data: " + dataset.error().message);
  }

  llama_model_params params = llama_model_default_params();
  params.vocab_only = true;
  // Loading only the vocabulary is quick, and its log lines are noise here.
  llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
  ModelPtr model(llama_model_load_from_file(model_path.c_str(), params));
  if (!model) {
    throw std::runtime_error("cannot load the tokenizer of " + model_path);
  }
  const llama_vocab* vocab = llama_model_get_vocab(model.get());

  PromptTokenCounts counts;
  for (const auto& subject : dataset->subjects()) {
    const PromptBuilder builder(subject, dataset->shots(subject));
    std::vector<std::vector<llama_token>> prompts;
    for (const auto& question : dataset->questions()) {
      if (question.subject != subject) {
        continue;
      }
      const std::string text = *format == PromptFormat::kCompletion
                                   ? builder.completion(question.row)
                                   : render_chat(model.get(), builder.chat(question.row));
      prompts.push_back(tokenize(vocab, text));
    }
    if (prompts.empty()) {
      continue;
    }
    size_t prefix = prompts.front().size();
    for (const auto& prompt : prompts) {
      prefix = std::min(prefix, common_prefix_length(prompts.front(), prompt));
    }
    // A lone question shares its prefix with nothing, so all of it is its own.
    if (prompts.size() == 1) {
      prefix = 0;
    }
    counts.shared_prefix += static_cast<long>(prefix);
    counts.required += static_cast<long>(prefix);
    for (const auto& prompt : prompts) {
      counts.questions += 1;
      counts.submitted += static_cast<long>(prompt.size());
      counts.required += static_cast<long>(prompt.size() - prefix);
    }
  }
  return counts;
}

}  // namespace mom::bench
