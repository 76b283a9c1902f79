// `mom serve` (every miner and mixture of a config) and `mom miner` (one local
// GGUF model): both run the OpenAI-compatible server until SIGINT or SIGTERM.
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "config/config.h"
#include "server/logger.h"
#include "server/model_catalog.h"
#include "server/server.h"

namespace mom::cli {
namespace {

struct ServeOptions {
  std::string config_path;
  std::string host;
  int port = -1;  // -1: from the config, or 8080
  bool verbose = false;
};

struct MinerOptions {
  std::string model_path;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string name;
  int parallel = 0;
  int context_size = 0;
  int threads = 0;
  std::string api_key_env;
  bool verbose = false;
};

// Services log their start, stop and each request at info level.
void setup_service_logging(bool verbose) {
  setup_logging(verbose);
  if (!verbose) {
    spdlog::set_level(spdlog::level::info);
  }
}

// Reads the API key from the named environment variable. An empty name means
// no authentication.
Result<std::string> read_api_key(const std::string& variable) {
  if (variable.empty()) {
    return std::string();
  }
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr || *value == '\0') {
    return Error::invalid("environment variable " + variable +
                          " (the server's api_key_env) is not set; export the API key in it");
  }
  return std::string(value);
}

// Runs the server until SIGINT or SIGTERM, or until loading the models fails.
// Returns the exit status: 0 after a signal, 1 when loading failed or the
// address could not be bound.
int run_server(ServerOptions options, Server::Loader loader) {
  // Block the signals in every thread the server starts, so that this thread
  // alone receives them through sigwait(). A shell starts background jobs
  // with SIGINT ignored, and an ignored signal is discarded even while
  // blocked, so the default disposition is restored first.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto logger = server_logger();
  Server server(std::move(options), std::move(loader));
  Status started = server.start();
  if (!started.ok()) {
    logger->error("{}", started.error().message);
    return 1;
  }

  // A failed load wakes the signal wait below so that the process exits.
  std::thread load_watcher([&server] {
    if (!server.wait_until_loaded().ok()) {
      kill(getpid(), SIGTERM);
    }
  });

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  Status loaded = server.ready() ? Status() : server.wait_until_loaded();
  if (loaded.ok()) {
    logger->info("received signal={}", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  }
  server.shutdown();
  load_watcher.join();
  return loaded.ok() ? 0 : 1;
}

int run_serve(const ServeOptions& options) {
  setup_service_logging(options.verbose);
  Result<Config> config = load_config(options.config_path);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return 1;
  }
  Result<std::string> api_key = read_api_key(config->server.api_key_env);
  if (!api_key.ok()) {
    spdlog::error("{}", api_key.error().message);
    return 1;
  }

  ServerOptions server_options;
  server_options.host = options.host.empty() ? config->server.host : options.host;
  server_options.port = options.port >= 0 ? options.port : config->server.port;
  server_options.api_key = *api_key;
  server_options.max_body_bytes = config->server.max_body_bytes;
  server_options.threads = config->server.threads;

  Config loaded = std::move(config.value());
  return run_server(std::move(server_options), [loaded] { return ModelCatalog::create(loaded); });
}

int run_miner(const MinerOptions& options) {
  setup_service_logging(options.verbose);
  Result<std::string> api_key = read_api_key(options.api_key_env);
  if (!api_key.ok()) {
    spdlog::error("{}", api_key.error().message);
    return 1;
  }

  MinerConfig miner;
  miner.model_path = std::filesystem::absolute(options.model_path);
  miner.name = options.name.empty() ? miner.model_path.stem().string() : options.name;
  miner.parallel = options.parallel;
  miner.context_size = options.context_size;
  miner.threads = options.threads;
  Config config;
  config.miners[miner.name] = miner;

  ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.api_key = *api_key;
  return run_server(std::move(server_options), [config] { return ModelCatalog::create(config); });
}

}  // namespace

void add_serve_commands(CLI::App& app, Commands& commands) {
  auto serve_options = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand("serve", "Serve every miner and mixture of a config as an OpenAI-compatible API");
  serve->add_option("--config", serve_options->config_path, "TOML config file with [miners.*], [mixtures.*], [server]")
      ->required()
      ->check(CLI::ExistingFile);
  serve->add_option("--host", serve_options->host, "Address to listen on (default: [server] host, else 127.0.0.1)");
  serve->add_option("--port", serve_options->port, "TCP port; 0 picks a free one (default: [server] port, else 8080)")
      ->check(CLI::Range(0, 65535));
  serve->add_flag("--verbose,-v", serve_options->verbose, "Log debug detail");
  commands.push_back({serve, [serve_options] { return run_serve(*serve_options); }});

  auto miner_options = std::make_shared<MinerOptions>();
  CLI::App* miner = app.add_subcommand("miner", "Serve one local GGUF model as an OpenAI-compatible miner node");
  miner->add_option("--model", miner_options->model_path, "GGUF model file")->required()->check(CLI::ExistingFile);
  miner->add_option("--host", miner_options->host, "Address to listen on")->capture_default_str();
  miner->add_option("--port", miner_options->port, "TCP port; 0 picks a free one")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  miner->add_option("--name", miner_options->name, "Model name clients send (default: the file name without .gguf)");
  miner->add_option("--parallel", miner_options->parallel, "Sequences decoded together (default: engine default)")
      ->check(CLI::NonNegativeNumber);
  miner->add_option("--context-size", miner_options->context_size,
                    "Context size per sequence in tokens (default: engine default)")
      ->check(CLI::NonNegativeNumber);
  miner->add_option("--threads", miner_options->threads, "CPU threads for decoding (default: picked from the machine)")
      ->check(CLI::NonNegativeNumber);
  miner->add_option("--api-key-env", miner_options->api_key_env,
                    "Environment variable holding the API key clients must send as a bearer token");
  miner->add_flag("--verbose,-v", miner_options->verbose, "Log debug detail");
  commands.push_back({miner, [miner_options] { return run_miner(*miner_options); }});
}

}  // namespace mom::cli
