// Subcommands of the mom program. Each add_* function defines its subcommand
// on app and appends the code that runs it.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace mom::cli {

struct Command {
  CLI::App* app;
  std::function<int()> run;  // returns the process exit status
};
using Commands = std::vector<Command>;

void add_generate_command(CLI::App& app, Commands& commands);
void add_serve_commands(CLI::App& app, Commands& commands);   // serve, miner
void add_ask_command(CLI::App& app, Commands& commands);
void add_eval_commands(CLI::App& app, Commands& commands);    // eval mmlu, extract
void add_study_command(CLI::App& app, Commands& commands);    // scoreboard and offline aggregation study

// Configures spdlog for a command-line run: warnings and errors on stderr,
// or everything from debug up when verbose.
void setup_logging(bool verbose);

}  // namespace mom::cli
