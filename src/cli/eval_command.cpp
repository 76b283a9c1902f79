#include "cli/commands.h"

namespace mom::cli {

void add_eval_commands(CLI::App& app, Commands& commands) {
  // TODO: not built yet.
}

}  // namespace mom::cli
