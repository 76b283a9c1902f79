// Whole-file writes that never leave a half-written file behind.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace mom {

// Writes content to path.tmp, then renames it over path, so a reader (or a
// run killed mid-write) sees either the old file or the new one.
Status write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace mom
