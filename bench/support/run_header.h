// The header every benchmark prints before measuring, so that a number in a
// log can be traced to the build, machine and model that produced it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mom::bench {

// One "key: value" line of the header, e.g. {"model", "/path/to.gguf"}.
using HeaderField = std::pair<std::string, std::string>;

// Prints the program name, mom commit, build type, compiler, CPU model,
// llama.cpp commit and the given fields to stdout. Warns on stderr when this
// program or mom was built without optimisation, because its timings would
// then describe the debug build.
void print_run_header(const std::string& program, const std::vector<HeaderField>& fields);

// Returns the "model name" line of /proc/cpuinfo, or "unknown".
std::string cpu_model_name();

// Returns the number of processors this process may run on.
int available_cpu_count();

// Returns the folder for generated benchmark models:
// $XDG_CACHE_HOME/mom/bench-models, or ~/.cache/mom/bench-models.
std::string bench_model_dir();

// Returns the llama.cpp install prefix: $MOM_LLAMA_PREFIX when set, otherwise
// the prefix this program was built against.
std::string llama_prefix();

}  // namespace mom::bench
