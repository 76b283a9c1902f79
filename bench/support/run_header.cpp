#include "support/run_header.h"

#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace mom::bench {
namespace {

#if defined(__clang__)
constexpr const char* kCompilerName = "clang";
#elif defined(__GNUC__)
constexpr const char* kCompilerName = "gcc";
#else
constexpr const char* kCompilerName = "unknown compiler";
#endif

}  // namespace

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) {
        return line.substr(colon + 2);
      }
    }
  }
  return "unknown";
}

int available_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    return CPU_COUNT(&set);
  }
  return 1;
}

std::string bench_model_dir() {
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && *cache != '\0') {
    return std::string(cache) + "/mom/bench-models";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/mom/bench-models";
}

std::string llama_prefix() {
  if (const char* prefix = std::getenv("MOM_LLAMA_PREFIX"); prefix != nullptr && *prefix != '\0') {
    return prefix;
  }
  return MOM_LLAMA_PREFIX;
}

void print_run_header(const std::string& program, const std::vector<HeaderField>& fields) {
#ifdef NDEBUG
  const bool optimised = true;
#else
  const bool optimised = false;
#endif
  std::cout << "# " << program << '\n'
            << "commit:      " << MOM_GIT_COMMIT << '\n'
            << "build type:  " << MOM_BUILD_TYPE << (optimised ? "" : " (assertions on)") << '\n'
            << "compiler:    " << kCompilerName << " " << __VERSION__ << '\n'
            << "cpu:         " << cpu_model_name() << " (" << available_cpu_count()
            << " available)\n"
            << "llama.cpp:   " << MOM_LLAMA_COMMIT << " at " << llama_prefix() << '\n';
  for (const auto& [key, value] : fields) {
    std::string label = key + ":";
    label.resize(std::max<size_t>(label.size() + 1, 13), ' ');
    std::cout << label << value << '\n';
  }
  std::cout << std::endl;

  const std::string build_type = MOM_BUILD_TYPE;
  if (!optimised || build_type == "Debug") {
    std::cerr << "warning: this is a " << build_type
              << " build; rebuild with -DCMAKE_BUILD_TYPE=Release before trusting timings\n";
  }
}

}  // namespace mom::bench
