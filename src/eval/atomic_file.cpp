#include "eval/atomic_file.h"

#include <fstream>
#include <system_error>

namespace mom {

Status write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    out << content;
    if (!out) {
      return Error::internal("cannot write " + temporary.string());
    }
  }

  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return Error::internal("cannot replace " + path.string() + ": " + error.message());
  }
  return {};
}

}  // namespace mom
