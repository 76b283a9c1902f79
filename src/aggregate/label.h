// Extraction of a short answer label (a choice letter, a number, yes/no) from free text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mom {

enum class LabelKind {
  kChoice,  // a multiple-choice letter "A".."D" (or more letters when more choices)
  kNumber,  // a number, normalized ("3.50" -> "3.5", "1,000" -> "1000")
  kYesNo,   // "yes" or "no"
};

// Returns the label the text gives as its final answer, or nullopt when it
// gives none (an unparsed answer). For kChoice, choices are the option texts
// in letter order; an answer that quotes an option's text instead of its
// letter is mapped to that letter.
std::optional<std::string> extract_label(std::string_view text, LabelKind kind,
                                         const std::vector<std::string>& choices = {});

// Parses "choice", "number" or "yes-no"; nullopt for anything else.
std::optional<LabelKind> parse_label_kind(std::string_view name);

}  // namespace mom
