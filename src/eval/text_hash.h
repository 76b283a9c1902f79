// A short stable hash of text, for detecting changed prompts and configs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace mom {

// 64-bit FNV-1a as 16 lowercase hex digits. Not cryptographic: it detects
// accidental changes, not tampering.
inline std::string text_hash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace mom
