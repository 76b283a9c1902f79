#include "aggregate/label.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace mom {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";

// Drops a reasoning block. An unfinished block (no closing tag) is all
// reasoning, so nothing after "<think>" counts as the answer.
std::string strip_reasoning(std::string_view text) {
  size_t close = text.rfind(kThinkClose);
  if (close != std::string_view::npos) {
    return std::string(text.substr(close + kThinkClose.size()));
  }
  size_t open = text.find(kThinkOpen);
  if (open != std::string_view::npos) {
    return std::string(text.substr(0, open));
  }
  return std::string(text);
}

// Replaces each run of whitespace with one '\n' when the run contains a line
// break, else with one ' '. The patterns below match whitespace only with
// \s*, \s+ or [ \t]+, so their matches do not change. std::regex (libstdc++)
// recurses once per repeated character, and a run of 30,000 spaces
// overflowed an 8 MB stack.
std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isspace(static_cast<unsigned char>(text[i]))) {
      out.push_back(text[i]);
      ++i;
      continue;
    }
    bool newline = false;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) {
      newline = newline || text[i] == '\n';
      ++i;
    }
    out.push_back(newline ? '\n' : ' ');
  }
  return out;
}

// Replaces each innermost "\boxed{X}" (or \text, \textbf, \mathrm, \mathbf,
// \mathit, optionally with spaces before the brace) by X, where X contains no
// brace. Hand-written rather than a regex because X may be arbitrarily long.
std::string unwrap_latex_commands(const std::string& text) {
  static constexpr std::string_view kCommands[] = {"boxed", "textbf", "text", "mathrm", "mathbf", "mathit"};
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      ++i;
      continue;
    }
    size_t content_begin = std::string::npos;
    for (std::string_view command : kCommands) {
      if (text.compare(i + 1, command.size(), command) != 0) {
        continue;
      }
      size_t brace = i + 1 + command.size();
      while (brace < text.size() && std::isspace(static_cast<unsigned char>(text[brace]))) {
        ++brace;
      }
      if (brace < text.size() && text[brace] == '{') {
        content_begin = brace + 1;
        break;
      }
    }
    size_t content_end = content_begin == std::string::npos ? std::string::npos
                                                            : text.find_first_of("{}", content_begin);
    if (content_end == std::string::npos || text[content_end] != '}') {
      out.push_back(text[i]);
      ++i;
      continue;
    }
    out.append(text, content_begin, content_end - content_begin);
    i = content_end + 1;
  }
  return out;
}

// Removes Markdown emphasis, inline code and LaTeX wrappers that models put
// around answers ("**C**", "$\boxed{C}$", "\text{(C)}").
std::string remove_markup(std::string text) {
  for (int depth = 0; depth < 4; ++depth) {
    std::string replaced = unwrap_latex_commands(text);
    if (replaced == text) {
      break;
    }
    text = std::move(replaced);
  }
  static const std::regex latex_delimiter(R"(\\[\(\)\[\]])");
  text = std::regex_replace(text, latex_delimiter, " ");

  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '*' || c == '`' || c == '$') {
      continue;
    }
    if (c == '_' && i + 1 < text.size() && text[i + 1] == '_') {
      ++i;
      continue;
    }
    out.push_back(c);
  }
  return collapse_whitespace(out);
}

std::string trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  return std::string(text.substr(begin, end - begin));
}

std::string last_nonempty_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    size_t begin = start == std::string::npos ? 0 : start + 1;
    std::string line = trim(std::string_view(text).substr(begin, end - begin));
    if (!line.empty()) {
      return line;
    }
    if (start == std::string::npos) {
      break;
    }
    end = start;
  }
  return {};
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool in_range(char letter, size_t letter_count) {
  char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(letter)));
  return upper >= 'A' && upper < static_cast<char>('A' + letter_count);
}

std::string letter_string(char letter) {
  return std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(letter))));
}

// The two checks below run once per candidate letter on the rest of the
// text. match_continuous stops std::regex_search from retrying the anchored
// pattern at every later position, which made extraction quadratic in the
// answer's length ("A A A ..." of 80 KB took 40 s).

// True when the text after a letter says the letter is wrong ("A is wrong").
bool negated_after(std::string_view rest) {
  static const std::regex negation(
      R"(^\s*[\)\]]?\s*(?:is|are|seems|looks)\s+(?:wrong|incorrect|false|not|unlikely|a\s+distractor))",
      std::regex::icase);
  return std::regex_search(rest.begin(), rest.end(), negation, std::regex_constants::match_continuous);
}

// True when a word starts right after the letter ("a bit", "I think").
bool word_follows(std::string_view rest) {
  static const std::regex word(R"(^[ \t]+[a-z])");
  return std::regex_search(rest.begin(), rest.end(), word, std::regex_constants::match_continuous);
}

// Rule 2: the last explicit answer marker.
std::optional<std::string> find_marked_letter(const std::string& text, size_t letter_count) {
  static const std::regex marker(
      R"(\b(?:final\s+answer|correct\s+answer|correct\s+option|correct\s+choice|best\s+answer|answer|option|choice))"
      R"(\s*(?:is|would\s+be|will\s+be|should\s+be|must\s+be|=|:)?\s*:?\s*(?:option|choice|letter)?\s*([\(\[]?)\s*([A-Za-z])(?![A-Za-z0-9]))",
      std::regex::icase);
  std::optional<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), marker); it != std::sregex_iterator(); ++it) {
    const std::smatch& match = *it;
    char letter = match.str(2)[0];
    bool bracketed = match.length(1) > 0;
    std::string_view rest(text.data() + match.position(0) + match.length(0),
                          text.size() - match.position(0) - match.length(0));
    if (!in_range(letter, letter_count) || negated_after(rest)) {
      continue;
    }
    if (std::islower(static_cast<unsigned char>(letter)) && !bracketed && word_follows(rest)) {
      continue;
    }
    found = letter_string(letter);
  }
  return found;
}

// Rules 3 and 4: the whole answer is a letter, or starts with "C." / "C)".
std::optional<std::string> find_leading_letter(const std::string& text, size_t letter_count) {
  static const std::regex whole(R"(^[\(\[]?\s*([A-Za-z])\s*[\)\]\.:]?$)");
  static const std::regex leading(R"(^[\(\[]?([A-Za-z])[\.\)\]:](?:\s|$))");
  std::smatch match;
  if (std::regex_match(text, match, whole) && in_range(match.str(1)[0], letter_count)) {
    return letter_string(match.str(1)[0]);
  }
  if (std::regex_search(text, match, leading) && in_range(match.str(1)[0], letter_count)) {
    std::string_view rest(text.data() + match.length(0) - 1, text.size() - match.length(0) + 1);
    if (!negated_after(rest)) {
      return letter_string(match.str(1)[0]);
    }
  }
  return std::nullopt;
}

// "(C)" anywhere, last one, capital letters only: lowercase "(a)" is too
// often an enumeration inside reasoning.
std::optional<std::string> find_parenthesized_letter(const std::string& text, size_t letter_count) {
  static const std::regex parenthesized(R"(\(([A-Z])\))");
  std::optional<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), parenthesized); it != std::sregex_iterator();
       ++it) {
    char letter = it->str(1)[0];
    std::string_view rest(text.data() + it->position(0) + it->length(0),
                          text.size() - it->position(0) - it->length(0));
    if (in_range(letter, letter_count) && !negated_after(rest)) {
      found = letter_string(letter);
    }
  }
  return found;
}

std::string normalize_option(std::string_view text) {
  std::string lower = to_lower(trim(text));
  std::string out;
  bool space = false;
  for (char c : lower) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) {
      out.push_back(' ');
    }
    space = false;
    out.push_back(c);
  }
  while (!out.empty() && (out.back() == '.' || out.back() == '!' || out.back() == ',')) {
    out.pop_back();
  }
  return out;
}

// True when needle occurs in haystack with no letter or digit on either side.
bool contains_word(const std::string& haystack, const std::string& needle) {
  if (needle.empty()) {
    return false;
  }
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) {
    bool left_ok = pos == 0 || !std::isalnum(static_cast<unsigned char>(haystack[pos - 1]));
    size_t end = pos + needle.size();
    bool right_ok = end == haystack.size() || !std::isalnum(static_cast<unsigned char>(haystack[end]));
    if (left_ok && right_ok) {
      return true;
    }
  }
  return false;
}

// Rule 5: the answer quotes one option's text. When several options occur,
// the longest wins only if it contains every other one ("True, True" holds
// "True"); otherwise the answer is ambiguous.
std::optional<std::string> find_option_text(const std::string& text, const std::vector<std::string>& choices) {
  std::string normalized = normalize_option(text);
  std::vector<std::string> options;
  for (const auto& choice : choices) {
    options.push_back(normalize_option(remove_markup(choice)));
  }
  for (size_t i = 0; i < options.size(); ++i) {
    if (!options[i].empty() && normalized == options[i]) {
      return letter_string(static_cast<char>('A' + i));
    }
  }

  for (const std::string& scope : {normalize_option(last_nonempty_line(text)), normalized}) {
    std::vector<size_t> matches;
    for (size_t i = 0; i < options.size(); ++i) {
      if (contains_word(scope, options[i])) {
        matches.push_back(i);
      }
    }
    if (matches.empty()) {
      continue;
    }
    size_t longest = *std::max_element(matches.begin(), matches.end(), [&](size_t a, size_t b) {
      return options[a].size() < options[b].size();
    });
    bool covers_all = std::all_of(matches.begin(), matches.end(), [&](size_t i) {
      return options[longest].find(options[i]) != std::string::npos;
    });
    if (covers_all) {
      return letter_string(static_cast<char>('A' + longest));
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// Rule 6: exactly one distinct standalone capital letter in the last line.
std::optional<std::string> find_lone_letter(const std::string& text, size_t letter_count) {
  std::string line = last_nonempty_line(text);
  std::optional<char> found;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (!std::isupper(static_cast<unsigned char>(c)) || !in_range(c, letter_count)) {
      continue;
    }
    bool left_ok = i == 0 || !std::isalnum(static_cast<unsigned char>(line[i - 1]));
    bool right_ok = i + 1 == line.size() || !std::isalnum(static_cast<unsigned char>(line[i + 1]));
    if (!left_ok || !right_ok) {
      continue;
    }
    std::string_view rest(line.data() + i + 1, line.size() - i - 1);
    if (((c == 'A' || c == 'I') && word_follows(rest)) || negated_after(rest)) {
      continue;
    }
    if (found && *found != c) {
      return std::nullopt;
    }
    found = c;
  }
  if (!found) {
    return std::nullopt;
  }
  return letter_string(*found);
}

std::optional<std::string> extract_choice(std::string_view raw, const std::vector<std::string>& choices) {
  size_t letter_count = choices.empty() ? 4 : std::min<size_t>(choices.size(), 26);
  std::string text = trim(remove_markup(strip_reasoning(raw)));
  if (text.empty()) {
    return std::nullopt;
  }
  if (auto letter = find_marked_letter(text, letter_count)) {
    return letter;
  }
  if (auto letter = find_leading_letter(text, letter_count)) {
    return letter;
  }
  if (auto letter = find_parenthesized_letter(text, letter_count)) {
    return letter;
  }
  if (!choices.empty()) {
    if (auto letter = find_option_text(text, choices)) {
      return letter;
    }
  }
  return find_lone_letter(text, letter_count);
}

// "1,000.50" -> "1000.5", "-0.0" -> "0", "+7" -> "7", "007" -> "7".
std::string normalize_number(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ','), text.end());
  bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    text.erase(0, 1);
  }
  size_t dot = text.find('.');
  if (dot != std::string::npos) {
    while (!text.empty() && text.back() == '0') {
      text.pop_back();
    }
    if (!text.empty() && text.back() == '.') {
      text.pop_back();
    }
  }
  size_t first = text.find_first_not_of('0');
  if (first == std::string::npos) {
    return "0";
  }
  text.erase(0, first);
  if (text.front() == '.') {
    text.insert(0, "0");
  }
  return negative ? "-" + text : text;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Returns the length of the number [-+]?(\d[\d,]*(\.\d+)?|\.\d+) that starts
// at pos, or 0 when none does. Hand-written rather than a regex because
// std::regex recurses once per digit and a long digit run overflowed the stack.
size_t number_length(std::string_view text, size_t pos) {
  size_t i = pos;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    ++i;
  }
  auto digits_from = [&](size_t at) {
    size_t end = at;
    while (end < text.size() && is_digit(text[end])) {
      ++end;
    }
    return end;
  };
  if (i < text.size() && is_digit(text[i])) {
    while (i < text.size() && (is_digit(text[i]) || text[i] == ',')) {
      ++i;
    }
    if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1])) {
      i = digits_from(i + 1);
    }
    return i - pos;
  }
  if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1])) {
    return digits_from(i + 1) - pos;
  }
  return 0;
}

std::optional<std::string> extract_number(std::string_view raw) {
  std::string text = remove_markup(strip_reasoning(raw));
  static const std::regex marker(R"(\banswer\s*(?:is|:|=)?\s*:?\s*)", std::regex::icase);
  std::optional<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), marker); it != std::sregex_iterator(); ++it) {
    size_t start = static_cast<size_t>(it->position(0) + it->length(0));
    if (size_t length = number_length(text, start); length > 0) {
      found = text.substr(start, length);
    }
  }
  if (!found) {
    size_t i = 0;
    while (i < text.size()) {
      size_t length = number_length(text, i);
      if (length == 0) {
        ++i;
        continue;
      }
      found = text.substr(i, length);
      i += length;
    }
  }
  if (!found) {
    return std::nullopt;
  }
  return normalize_number(*found);
}

std::optional<std::string> extract_yes_no(std::string_view raw) {
  std::string text = to_lower(trim(remove_markup(strip_reasoning(raw))));
  static const std::regex marked(R"(\banswer\s*(?:is|:)?\s*:?\s*(yes|no)\b)");
  static const std::regex leading(R"(^(yes|no)\b)");
  static const std::regex any(R"(\b(yes|no)\b)");
  std::optional<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), marked); it != std::sregex_iterator(); ++it) {
    found = it->str(1);
  }
  if (found) {
    return found;
  }
  std::smatch match;
  if (std::regex_search(text, match, leading)) {
    return match.str(1);
  }
  for (auto it = std::sregex_iterator(text.begin(), text.end(), any); it != std::sregex_iterator(); ++it) {
    found = it->str(1);
  }
  return found;
}

}  // namespace

std::optional<std::string> extract_label(std::string_view text, LabelKind kind,
                                         const std::vector<std::string>& choices) {
  switch (kind) {
    case LabelKind::kChoice:
      return extract_choice(text, choices);
    case LabelKind::kNumber:
      return extract_number(text);
    case LabelKind::kYesNo:
      return extract_yes_no(text);
  }
  return std::nullopt;
}

std::optional<LabelKind> parse_label_kind(std::string_view name) {
  if (name == "choice") return LabelKind::kChoice;
  if (name == "number") return LabelKind::kNumber;
  if (name == "yes-no") return LabelKind::kYesNo;
  return std::nullopt;
}

}  // namespace mom
