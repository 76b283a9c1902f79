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
//
// kChoice rules, in order:
//  1. A reasoning block (<think>...</think>) is ignored; text after the last
//     "</think>" is read. Markdown bold, `code`, LaTeX $...$, \boxed{} and
//     \text{} wrappers are removed first.
//  2. The last explicit answer marker wins: "Answer: C", "The answer is (C)",
//     "correct option is C", "Final answer: c". A letter followed by a word
//     ("the answer is a bit unclear") or a negation ("option A is wrong") is
//     not an answer.
//  3. A whole answer that is only a letter: "C", "(C)", "C.", "c", "[c]".
//  4. A leading "C." or "C)" followed by text ("C. 42").
//  5. The option's text instead of its letter, when exactly one option
//     matches.
//  6. One standalone capital letter in the last line ("so I pick B."). The
//     words "A" and "I" before a lowercase word are English, not answers.
// Letters beyond the number of choices (4 when choices is empty) are never
// returned.
std::optional<std::string> extract_label(std::string_view text, LabelKind kind,
                                         const std::vector<std::string>& choices = {});

// Parses "choice", "number" or "yes-no"; nullopt for anything else.
std::optional<LabelKind> parse_label_kind(std::string_view name);

}  // namespace mom
