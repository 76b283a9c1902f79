#include "cli/commands.h"

namespace mom::cli {

void add_generate_command(CLI::App& app, Commands& commands) {
  // TODO: not built yet.
}

}  // namespace mom::cli
