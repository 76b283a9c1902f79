// Entry point of the mom program: parses the command line and runs one subcommand.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"mom: Mixture-of-Miners, several LLMs answering together"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("mom ") + MOM_VERSION + " (commit " + MOM_GIT_COMMIT +
                                        ", llama.cpp " + MOM_LLAMA_COMMIT + ")");

  mom::cli::Commands commands;
  mom::cli::add_generate_command(app, commands);
  mom::cli::add_serve_commands(app, commands);
  mom::cli::add_ask_command(app, commands);
  mom::cli::add_eval_commands(app, commands);
  mom::cli::add_study_command(app, commands);

  CLI11_PARSE(app, argc, argv);

  try {
    for (const auto& command : commands) {
      if (command.app->parsed()) {
        return command.run();
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mom: error: %s\n", e.what());
    return 2;
  }
  return 0;
}
