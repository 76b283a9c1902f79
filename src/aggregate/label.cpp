#include "aggregate/label.h"

namespace mom {

// TODO: placeholder until the extractor is written.
std::optional<std::string> extract_label(std::string_view text, LabelKind kind,
                                         const std::vector<std::string>& choices) {
  return std::nullopt;
}

std::optional<LabelKind> parse_label_kind(std::string_view name) {
  if (name == "choice") return LabelKind::kChoice;
  if (name == "number") return LabelKind::kNumber;
  if (name == "yes-no") return LabelKind::kYesNo;
  return std::nullopt;
}

}  // namespace mom
