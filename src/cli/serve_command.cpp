#include "cli/commands.h"

namespace mom::cli {

void add_serve_commands(CLI::App& app, Commands& commands) {
  // TODO: not built yet.
}

}  // namespace mom::cli
