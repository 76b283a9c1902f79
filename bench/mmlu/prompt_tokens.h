// Token counts of an MMLU evaluation's prompts, to compare an evaluation's
// speed with the least work it could possibly do.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mom::bench {

struct MmluSelectionSpec {
  std::filesystem::path data_dir;     // holds dev/, val/ and test/
  std::vector<std::string> subjects;  // file-name form, e.g. "abstract_algebra"
  int limit = 20;                     // questions per subject
  int shots = 5;
  std::string prompt_format = "completion";  // "completion" or "chat"
};

struct PromptTokenCounts {
  int questions = 0;
  long submitted = 0;  // sum of every prompt's length: what a cache-less server processes
  long required = 0;   // each subject's shared prefix once plus each question's own tokens
  long shared_prefix = 0;  // sum over subjects of the shared prefix length
};

// Tokenizes every prompt of the selection with the model's tokenizer (loaded
// vocabulary-only) the way mom builds it, and counts the tokens. The shared
// prefix of a subject is the longest token prefix common to all its prompts.
// Throws std::runtime_error when the model or data cannot be read.
PromptTokenCounts count_prompt_tokens(const std::string& model_path, const MmluSelectionSpec& spec);

}  // namespace mom::bench
