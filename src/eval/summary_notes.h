// Plain sentences about results that the accuracy table alone would hide.
#pragma once

#include <string>
#include <vector>

#include "eval/summary.h"

namespace mom {

// A system whose most common letter covers more than this share of its
// answers with a letter is flagged: its accuracy then mostly measures how
// often that letter is the right answer.
inline constexpr double kDominantLetterShare = 0.9;
// Fewer answers with a letter than this are not flagged, because a handful
// of equal letters is common by chance.
inline constexpr int kMinAnswersForLetterNote = 10;

// Returns one sentence per finding, in system order:
// - a mixture whose aggregator failed (with the error codes) or that
//   answered with its best proposal, and on how many questions;
// - a system below chance (95% interval under 25%) while some answers are
//   unparsed or failed, or with more than half unparsed or failed, with its
//   accuracy on the answers that have a letter;
// - a system whose most common letter covers more than kDominantLetterShare
//   of its answers, with the share of questions whose right answer is that
//   letter.
std::vector<std::string> summary_notes(const Summary& summary);

}  // namespace mom
