// The MMLU subjects and the reporting category of each.
#pragma once

#include <map>
#include <string>

namespace mom {

// The 57 MMLU subjects, each mapped to "stem", "humanities",
// "social_sciences" or "other", as compiled into mom (from categories.py in
// the MMLU authors' repository hendrycks/test).
const std::map<std::string, std::string>& mmlu_subject_categories();

// Returns the category of an MMLU subject, or an empty string for a subject
// not in the table.
std::string mmlu_category_of(const std::string& subject);

}  // namespace mom
