// Mixture overhead and gateway overhead of `mom serve`.
//
// Starts an in-process OpenAI-compatible server on loopback that responds to
// every request with a fixed text after a fixed per-model delay, and `mom serve` with
// a config whose miners all point at it. Then:
//   1. a mixture of four miners plus an aggregator answers questions one at a
//      time; its wall time is compared with its critical path from the trace
//      (the slowest proposal of each layer plus the aggregator);
//   2. 1, 16 and 64 concurrent clients send requests for a zero-delay miner,
//      once directly to the fixed server and once through mom serve; the
//      gateway's overhead is the difference of the latencies.
//
//   bench_mixture --questions 50 --clients 1,16,64

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "support/child_process.h"
#include "support/fixed_response_server.h"
#include "support/run_header.h"
#include "support/stats.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string mom = MOM_BINARY;
  int questions = 50;
  std::vector<int> miner_delays_ms = {20, 40, 60, 80};
  int aggregator_delay_ms = 30;
  std::vector<int> clients = {1, 16, 64};
  int requests_per_level = 640;  // requests per client count, spread over the clients
  int server_threads = 0;        // [server] threads for mom serve; 0: mom's default
  fs::path work_dir = "/tmp/mom-bench-mixture";
};

constexpr const char* kZeroDelayMiner = "echo";
constexpr const char* kAggregator = "aggregator";
constexpr const char* kMixture = "four";

double elapsed_ms(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

std::string proposer_name(size_t index) { return "proposer" + std::to_string(index + 1); }

fs::path write_config(const Options& options, const std::string& url, int port) {
  fs::create_directories(options.work_dir);
  const fs::path path = options.work_dir / "mom.toml";
  std::ofstream config(path);
  std::string layer;
  for (size_t i = 0; i < options.miner_delays_ms.size(); ++i) {
    config << "[miners." << proposer_name(i) << "]\nurl = \"" << url << "\"\n\n";
    layer += (layer.empty() ? "\"" : ", \"") + proposer_name(i) + "\"";
  }
  config << "[miners." << kAggregator << "]\nurl = \"" << url << "\"\n\n"
         << "[miners." << kZeroDelayMiner << "]\nurl = \"" << url << "\"\n\n"
         << "[mixtures." << kMixture << "]\nlayers = [[" << layer << "]]\naggregator = \"" << kAggregator
         << "\"\nstrategy = \"synthesize\"\n\n"
         << "[server]\nhost = \"127.0.0.1\"\nport = " << port << "\n";
  if (options.server_threads > 0) {
    config << "threads = " << options.server_threads << "\n";
  }
  return path;
}

std::string chat_body(const std::string& model, bool trace) {
  nlohmann::json body = {
      {"model", model},
      {"messages", {{{"role", "user"}, {"content", "Which planet is largest? A. Mars B. Jupiter C. Venus D. Earth"}}}},
      {"max_tokens", 16}};
  if (trace) {
    body["mom"] = {{"trace", true}};
  }
  return body.dump();
}

// Sum over layers of the slowest call, plus every aggregator call tried.
double critical_path_ms(const nlohmann::json& trace) {
  double total = 0;
  for (const auto& layer : trace.at("layers")) {
    double slowest = 0;
    for (const auto& call : layer) {
      slowest = std::max(slowest, call.value("latency_ms", 0.0));
    }
    total += slowest;
  }
  for (const auto& call : trace.at("aggregators")) {
    total += call.value("latency_ms", 0.0);
  }
  return total;
}

bool run_mixture_questions(const Options& options, int port, mom::bench::FixedResponseServer& fixed) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(60, 0);
  const std::string body = chat_body(kMixture, true);

  std::vector<double> walls;
  std::vector<double> paths;
  std::vector<double> excess;
  for (int question = -1; question < options.questions; ++question) {
    const auto start = Clock::now();
    const auto response = client.Post("/v1/chat/completions", body, "application/json");
    const double wall = elapsed_ms(start, Clock::now());
    if (!response || response->status != 200) {
      std::cerr << "error: mixture request failed: "
                << (response ? std::to_string(response->status) + " " + response->body
                             : httplib::to_string(response.error()))
                << '\n';
      return false;
    }
    const nlohmann::json reply = nlohmann::json::parse(response->body, nullptr, false);
    if (!reply.is_object() || !reply.contains("mom_trace")) {
      std::cerr << "error: the mixture's reply has no mom_trace: " << response->body.substr(0, 300) << '\n';
      return false;
    }
    if (question < 0) {
      continue;  // warm-up: connections and first-call setup
    }
    const double path = critical_path_ms(reply.at("mom_trace"));
    walls.push_back(wall);
    paths.push_back(path);
    excess.push_back(wall - path);
  }

  // Retries or extra calls would show here as more than one call per miner.
  const size_t upstream_calls = fixed.take_requests().size();
  const auto wall = mom::bench::summarize(walls);
  const auto path = mom::bench::summarize(paths);
  const auto over = mom::bench::summarize(excess);
  std::printf("mixture of %zu miners + aggregator, %d questions one at a time:\n", options.miner_delays_ms.size(),
              options.questions);
  std::printf("  upstream calls per question:       %.2f\n",
              static_cast<double>(upstream_calls) / (options.questions + 1));
  std::printf("  wall time per question, ms:        %s\n", mom::bench::format_summary(wall).c_str());
  std::printf("  critical path from the trace, ms:  %s\n", mom::bench::format_summary(path).c_str());
  std::printf("  wall - critical path, ms:          %s\n", mom::bench::format_summary(over).c_str());
  const double allowed = path.median * 1.05 + 2.0;
  std::printf("  target: wall within 5%% + 2 ms of the critical path (%.1f ms): %s (median wall %.1f ms)\n\n",
              allowed, wall.median <= allowed ? "met" : "missed", wall.median);
  return true;
}

struct LoadResult {
  std::vector<double> latencies_ms;
  int failures = 0;
  std::string first_error;  // of the first failed request, for the report
};

// Sends `total` requests from `clients` threads, each with its own keep-alive
// connection, after one warm-up request per client.
LoadResult run_load(int port, const std::string& path, const std::string& body, int clients, int total) {
  const int per_client = std::max(1, total / clients);
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::atomic<int> failures{0};
  std::mutex error_mutex;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(60, 0);
      for (int i = -1; i < per_client; ++i) {
        const auto start = Clock::now();
        const auto response = client.Post(path.c_str(), body, "application/json");
        const double latency = elapsed_ms(start, Clock::now());
        if (!response || response->status != 200) {
          failures += 1;
          std::lock_guard lock(error_mutex);
          if (first_error.empty()) {
            first_error = response ? "HTTP " + std::to_string(response->status) + " " + response->body.substr(0, 200)
                                   : httplib::to_string(response.error());
          }
          continue;
        }
        if (i >= 0) {
          latencies[static_cast<size_t>(c)].push_back(latency);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  LoadResult result;
  result.failures = failures.load();
  result.first_error = first_error;
  for (const auto& client_latencies : latencies) {
    result.latencies_ms.insert(result.latencies_ms.end(), client_latencies.begin(), client_latencies.end());
  }
  return result;
}

void run_gateway_levels(const Options& options, int fixed_port, int mom_port) {
  const std::string body = chat_body(kZeroDelayMiner, false);
  std::printf("gateway overhead (latency through mom serve - latency direct, miner \"%s\" responds at once):\n",
              kZeroDelayMiner);
  std::printf("  %7s  %12s  %12s  %12s  %12s  %14s  %14s\n", "clients", "direct p50", "direct p99", "mom p50",
              "mom p99", "overhead p50", "overhead p99");
  for (const int clients : options.clients) {
    const auto direct = run_load(fixed_port, "/v1/chat/completions", body, clients, options.requests_per_level);
    const auto via_mom = run_load(mom_port, "/v1/chat/completions", body, clients, options.requests_per_level);
    const auto direct_summary = mom::bench::summarize(direct.latencies_ms);
    const auto mom_summary = mom::bench::summarize(via_mom.latencies_ms);
    std::printf("  %7d  %10.2f ms  %10.2f ms  %10.2f ms  %10.2f ms  %12.2f ms  %12.2f ms", clients,
                direct_summary.median, direct_summary.p99, mom_summary.median, mom_summary.p99,
                mom_summary.median - direct_summary.median, mom_summary.p99 - direct_summary.p99);
    if (direct.failures + via_mom.failures > 0) {
      std::printf("  (%d direct and %d mom requests failed, first: %s)", direct.failures, via_mom.failures,
                  (direct.first_error.empty() ? via_mom.first_error : direct.first_error).c_str());
    }
    std::printf("  n=%d\n", mom_summary.count);
  }
  std::printf("  target at 64 clients: overhead under 2 ms at the median and 10 ms at p99\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Times a mixture against its critical path and mom serve's own latency"};
  app.add_option("--mom", options.mom, "mom binary")->capture_default_str();
  app.add_option("--questions", options.questions, "questions the mixture answers")->capture_default_str();
  app.add_option("--miner-delays-ms", options.miner_delays_ms, "delay of each proposer, comma-separated")
      ->delimiter(',');
  app.add_option("--aggregator-delay-ms", options.aggregator_delay_ms, "delay of the aggregator")
      ->capture_default_str();
  app.add_option("--clients", options.clients, "concurrent client counts, comma-separated")->delimiter(',');
  app.add_option("--requests", options.requests_per_level, "requests per client count")->capture_default_str();
  app.add_option("--server-threads", options.server_threads, "[server] threads of mom serve; 0: mom's default")
      ->capture_default_str();
  app.add_option("--work-dir", options.work_dir, "folder for the config and logs")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!fs::exists(options.mom)) {
    std::cerr << "error: mom binary not found: " << options.mom << "; build the mom target or pass --mom\n";
    return 1;
  }
  mom::bench::print_run_header(
      "bench_mixture", {{"model", "fixed-response loopback server (no model)"},
                        {"threads", "mom serve: " + (options.server_threads > 0 ? std::to_string(options.server_threads)
                                                                                 : std::string("default"))}});

  try {
    std::map<std::string, int> delays = {{kAggregator, options.aggregator_delay_ms}, {kZeroDelayMiner, 0}};
    for (size_t i = 0; i < options.miner_delays_ms.size(); ++i) {
      delays[proposer_name(i)] = options.miner_delays_ms[i];
    }
    const int max_clients = *std::max_element(options.clients.begin(), options.clients.end());
    mom::bench::FixedResponseServer fixed("Answer: B", delays, std::max(16, max_clients + 8));

    const int mom_port = mom::bench::free_loopback_port();
    const fs::path config = write_config(options, fixed.base_url(), mom_port);
    const fs::path log = options.work_dir / "mom-serve.log";
    fs::remove(log);
    const std::vector<std::string> serve_argv = {options.mom, "serve", "--config", config.string()};
    std::cout << "command: " << mom::bench::command_line(serve_argv) << "\n\n";
    mom::bench::BackgroundChild serve(serve_argv, log.string());
    if (!mom::bench::wait_for_http(mom_port, "/v1/models", serve, 60)) {
      std::cerr << "error: mom serve did not respond on port " << mom_port << "; see " << log.string() << '\n';
      return 1;
    }

    fixed.take_requests();
    const bool mixture_ok = run_mixture_questions(options, mom_port, fixed);
    run_gateway_levels(options, fixed.port(), mom_port);
    return mixture_ok ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
}
