#include "cli/commands.h"

namespace mom::cli {

void add_study_command(CLI::App& app, Commands& commands) {
  // TODO: not built yet.
}

}  // namespace mom::cli
