#include "config/config.h"

#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace mom {
namespace {

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    default: return "nothing";
  }
}

// "a string", "an integer": the type name with its indefinite article.
std::string type_phrase(const toml::node& node) {
  std::string name = type_name(node);
  bool vowel = name.front() == 'a' || name.front() == 'i';
  return (vowel ? "an " : "a ") + name;
}

// Reads the keys of one TOML table into typed fields and remembers which keys
// it read, so that every other key can be reported as unknown. Each error
// names the file, the line and the dotted key.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, const std::string& source)
      : table_(table), prefix_(std::move(prefix)), source_(source) {}

  bool has(std::string_view key) const { return table_.contains(key); }

  Error error_at(const toml::node& node, std::string_view key, const std::string& what) const {
    return Error::invalid(location(node) + "key '" + dotted(key) + "' " + what);
  }

  Error error_at_table(const std::string& what) const {
    return Error::invalid(location(table_) + "[" + prefix_ + "] " + what);
  }

  Status read(std::string_view key, std::string& out) {
    const toml::node* node = take(key);
    if (node == nullptr) {
      return {};
    }
    if (!node->is_string()) {
      return wrong_type(*node, key, "a string");
    }
    out = node->as_string()->get();
    return {};
  }

  Status read(std::string_view key, std::optional<std::string>& out) {
    std::string value;
    bool present = has(key);
    Status status = read(key, value);
    if (status.ok() && present) {
      out = value;
    }
    return status;
  }

  Status read(std::string_view key, std::filesystem::path& out, const std::filesystem::path& base_dir) {
    std::string value;
    bool present = has(key);
    Status status = read(key, value);
    if (!status.ok() || !present) {
      return status;
    }
    if (value.empty()) {
      return error_at(*table_.get(key), key, "must not be empty");
    }
    std::filesystem::path path(value);
    out = path.is_absolute() ? path : (base_dir / path).lexically_normal();
    return {};
  }

  Status read(std::string_view key, bool& out) {
    const toml::node* node = take(key);
    if (node == nullptr) {
      return {};
    }
    if (!node->is_boolean()) {
      return wrong_type(*node, key, "a boolean");
    }
    out = node->as_boolean()->get();
    return {};
  }

  // Reads a non-negative integer no larger than max.
  template <class Int>
  Status read_count(std::string_view key, Int& out, int64_t max = std::numeric_limits<int>::max()) {
    const toml::node* node = take(key);
    if (node == nullptr) {
      return {};
    }
    if (!node->is_integer()) {
      return wrong_type(*node, key, "an integer");
    }
    int64_t value = node->as_integer()->get();
    if (value < 0 || value > max) {
      return error_at(*node, key, "must be between 0 and " + std::to_string(max) + ", got " +
                                      std::to_string(value));
    }
    out = static_cast<Int>(value);
    return {};
  }

  template <class Int>
  Status read_count(std::string_view key, std::optional<Int>& out,
                    int64_t max = std::numeric_limits<int>::max()) {
    Int value{};
    bool present = has(key);
    Status status = read_count(key, value, max);
    if (status.ok() && present) {
      out = value;
    }
    return status;
  }

  // Reads a number (integer or float) in [min, max].
  Status read_number(std::string_view key, std::optional<double>& out, double min, double max) {
    const toml::node* node = take(key);
    if (node == nullptr) {
      return {};
    }
    if (!node->is_number()) {
      return wrong_type(*node, key, "a number");
    }
    double value = node->is_integer() ? static_cast<double>(node->as_integer()->get())
                                      : node->as_floating_point()->get();
    if (!(value >= min && value <= max)) {
      std::ostringstream text;
      text << "must be between " << min << " and " << max << ", got " << value;
      return error_at(*node, key, text.str());
    }
    out = value;
    return {};
  }

  Status read(std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = take(key);
    if (node == nullptr) {
      return {};
    }
    if (!node->is_array()) {
      return wrong_type(*node, key, "an array of strings");
    }
    out.clear();
    for (const toml::node& item : *node->as_array()) {
      if (!item.is_string()) {
        return error_at(item, key, "must be an array of strings, but an element is " + type_phrase(item));
      }
      out.push_back(item.as_string()->get());
    }
    return {};
  }

  Status read(std::string_view key, std::vector<std::vector<std::string>>& out) {
    const toml::node* node = take(key);
    if (node == nullptr) {
      return {};
    }
    const char* expected = "an array of arrays of miner names, e.g. [[\"a\", \"b\"]]";
    if (!node->is_array()) {
      return wrong_type(*node, key, expected);
    }
    out.clear();
    for (const toml::node& layer : *node->as_array()) {
      if (!layer.is_array()) {
        return wrong_type(layer, key, expected);
      }
      std::vector<std::string> names;
      for (const toml::node& item : *layer.as_array()) {
        if (!item.is_string()) {
          return wrong_type(item, key, expected);
        }
        names.push_back(item.as_string()->get());
      }
      out.push_back(std::move(names));
    }
    return {};
  }

  // Marks a key as known without reading it (a section read elsewhere).
  void mark_read(std::string_view key) { read_keys_.insert(std::string(key)); }

  // Reports the first key that no read() asked for.
  Status check_unknown_keys() const {
    for (const auto& [key, node] : table_) {
      if (read_keys_.count(std::string(key.str())) == 0) {
        return error_at(node, key.str(), "is unknown; check its spelling against the documented keys");
      }
    }
    return {};
  }

  std::string location(const toml::node& node) const {
    std::string text = source_;
    if (node.source().begin.line > 0) {
      text += ':';
      text += std::to_string(node.source().begin.line);
    }
    text += ": ";
    return text;
  }

 private:
  const toml::node* take(std::string_view key) {
    read_keys_.insert(std::string(key));
    return table_.get(key);
  }

  std::string dotted(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }

  Error wrong_type(const toml::node& node, std::string_view key, const std::string& expected) const {
    return error_at(node, key, "must be " + expected + ", got " + type_phrase(node));
  }

  const toml::table& table_;
  std::string prefix_;
  const std::string& source_;
  std::set<std::string> read_keys_;
};

#define MOM_TRY(expr)                 \
  do {                                \
    Status status_ = (expr);          \
    if (!status_.ok()) {              \
      return status_.error();         \
    }                                 \
  } while (false)

Status read_choice(TableReader& reader, const toml::table& table, std::string_view key, std::string& out,
                   const std::vector<std::string>& allowed) {
  MOM_TRY(reader.read(key, out));
  if (out.empty() && !reader.has(key)) {
    return {};
  }
  for (const auto& value : allowed) {
    if (out == value) {
      return {};
    }
  }
  std::string list;
  for (const auto& value : allowed) {
    list += (list.empty() ? "\"" : ", \"") + value + "\"";
  }
  return reader.error_at(*table.get(key), key, "must be one of " + list + ", got \"" + out + "\"");
}

Result<MinerConfig> read_miner(const std::string& name, const toml::table& table,
                               const std::filesystem::path& base_dir, const std::string& source) {
  TableReader reader(table, "miners." + name, source);
  MinerConfig miner;
  miner.name = name;

  MOM_TRY(reader.read("url", miner.url));
  std::string model;
  MOM_TRY(reader.read("model", model));
  MOM_TRY(reader.read("replay", miner.replay_path, base_dir));
  MOM_TRY(reader.read("replay_system", miner.replay_system));

  bool remote = reader.has("url");
  bool local = reader.has("model") && !remote;
  bool replay = reader.has("replay");
  int kinds = int(remote) + int(local) + int(replay);
  if (kinds != 1) {
    return reader.error_at_table(
        kinds == 0 ? "sets none of 'model' (a local GGUF file), 'url' (a remote endpoint) or 'replay'; set exactly one"
                   : "sets more than one of 'model' (a local GGUF file), 'url' (a remote endpoint) and 'replay'; set exactly one");
  }
  if (remote && miner.url.empty()) {
    return reader.error_at(*table.get("url"), "url", "must not be empty");
  }
  if (local) {
    MOM_TRY(reader.read("model", miner.model_path, base_dir));
  } else {
    miner.upstream_model = model;
  }

  if (remote) {
    MOM_TRY(reader.read("api_key_env", miner.api_key_env));
    MOM_TRY(reader.read_count("context_size", miner.remote_context_size));
  } else {
    MOM_TRY(reader.read_count("context_size", miner.context_size));
  }
  if (!local) {
    // Keys of the local engine would otherwise be reported as unknown.
    for (const char* key : {"parallel", "threads", "batch_size"}) {
      if (const toml::node* node = table.get(key); node != nullptr) {
        return reader.error_at(*node, key, "applies only to local miners (set with 'model'); remove it here");
      }
    }
  }
  if (local) {
    MOM_TRY(reader.read_count("parallel", miner.parallel, 4096));
    MOM_TRY(reader.read_count("threads", miner.threads, 1024));
    MOM_TRY(reader.read_count("batch_size", miner.batch_size, 65536));
  }

  MOM_TRY(reader.read_number("temperature", miner.defaults.temperature, 0.0, 100.0));
  MOM_TRY(reader.read_number("top_p", miner.defaults.top_p, 0.0, 1.0));
  MOM_TRY(reader.read_count("top_k", miner.defaults.top_k));
  MOM_TRY(reader.read_count("seed", miner.defaults.seed, std::numeric_limits<uint32_t>::max()));
  MOM_TRY(reader.read_count("max_tokens", miner.defaults.max_tokens));
  MOM_TRY(reader.read("stop", miner.defaults.stop));
  MOM_TRY(reader.read("system_prompt", miner.system_prompt));
  MOM_TRY(reader.read_count("timeout_ms", miner.timeout_ms));
  MOM_TRY(read_choice(reader, table, "prompt_format", miner.prompt_format, {"chat", "completion"}));
  MOM_TRY(read_choice(reader, table, "scoring", miner.scoring, {"generate", "logprob"}));

  MOM_TRY(reader.check_unknown_keys());
  return miner;
}

Result<MixtureConfig> read_mixture(const std::string& name, const toml::table& table,
                                   const std::filesystem::path& base_dir, const std::string& source) {
  TableReader reader(table, "mixtures." + name, source);
  MixtureConfig mixture;
  mixture.name = name;

  MOM_TRY(reader.read("layers", mixture.layers));
  MOM_TRY(reader.read("aggregator", mixture.aggregator));
  MOM_TRY(reader.read("fallback_aggregator", mixture.fallback_aggregator));
  MOM_TRY(reader.read("strategy", mixture.strategy));
  MOM_TRY(read_choice(reader, table, "references", mixture.references, {"system", "user"}));
  MOM_TRY(reader.read("aggregation_prompt", mixture.aggregation_prompt));
  MOM_TRY(reader.read_count("quorum", mixture.quorum));
  MOM_TRY(reader.read_count("deadline_ms", mixture.deadline_ms));
  MOM_TRY(reader.read("weights", mixture.weights_path, base_dir));
  MOM_TRY(reader.read("show_reliability", mixture.show_reliability));
  MOM_TRY(reader.check_unknown_keys());

  if (mixture.layers.empty() || mixture.layers.front().empty()) {
    return reader.error_at_table("needs 'layers' with at least one miner, e.g. layers = [[\"a\", \"b\"]]");
  }
  return mixture;
}

Result<ServerConfig> read_server(const toml::table& table, const std::string& source) {
  TableReader reader(table, "server", source);
  ServerConfig server;
  MOM_TRY(reader.read("host", server.host));
  MOM_TRY(reader.read_count("port", server.port, 65535));
  MOM_TRY(reader.read("api_key_env", server.api_key_env));
  MOM_TRY(reader.read_count("max_body_bytes", server.max_body_bytes, int64_t{1} << 40));
  MOM_TRY(reader.read_count("threads", server.threads, 4096));
  MOM_TRY(reader.check_unknown_keys());
  return server;
}

// Returns the named table, or an error when key is not a table.
Result<const toml::table*> child_table(const toml::table& parent, std::string_view key, const std::string& prefix,
                                       const std::string& source) {
  const toml::node* node = parent.get(key);
  if (node == nullptr) {
    return static_cast<const toml::table*>(nullptr);
  }
  if (!node->is_table()) {
    TableReader reader(parent, prefix, source);
    return reader.error_at(*node, key, "must be a table, e.g. [" + std::string(key) + "], got " + type_phrase(*node));
  }
  return node->as_table();
}

// Checks the references between sections: mixture members, aggregators and
// names used twice.
Status check_names(const Config& config, const toml::table& root, const std::string& source) {
  for (const auto& [name, mixture] : config.mixtures) {
    const toml::node* node = root.at_path("mixtures")[name].node();
    TableReader reader(*node->as_table(), "mixtures." + name, source);
    if (config.miners.count(name) != 0) {
      return reader.error_at_table("uses the name '" + name + "' of a miner too; rename the miner or the mixture");
    }
    auto check = [&](const std::string& miner, std::string_view key) -> Status {
      if (config.miners.count(miner) == 0) {
        return reader.error_at(*node->as_table()->get(key), key,
                               "names unknown miner '" + miner + "'; define it as [miners." + miner + "]");
      }
      return {};
    };
    for (const auto& layer : mixture.layers) {
      for (const auto& miner : layer) {
        MOM_TRY(check(miner, "layers"));
      }
    }
    if (!mixture.aggregator.empty()) {
      MOM_TRY(check(mixture.aggregator, "aggregator"));
    }
    if (!mixture.fallback_aggregator.empty()) {
      MOM_TRY(check(mixture.fallback_aggregator, "fallback_aggregator"));
    }
  }
  return {};
}

Result<Config> read_config(const toml::table& root, const std::filesystem::path& base_dir,
                           const std::string& source) {
  Config config;
  TableReader top(root, "", source);

  auto miners = child_table(root, "miners", "", source);
  if (!miners.ok()) {
    return miners.error();
  }
  if (*miners != nullptr) {
    for (const auto& [key, node] : **miners) {
      std::string name(key.str());
      if (name.empty()) {
        TableReader reader(**miners, "miners", source);
        return Error::invalid(reader.location(node) + "[miners.\"\"] has an empty name; name it, e.g. [miners.local]");
      }
      auto table = child_table(**miners, name, "miners", source);
      if (!table.ok()) {
        return table.error();
      }
      auto miner = read_miner(name, **table, base_dir, source);
      if (!miner.ok()) {
        return miner.error();
      }
      config.miners[name] = std::move(miner.value());
    }
  }

  auto mixtures = child_table(root, "mixtures", "", source);
  if (!mixtures.ok()) {
    return mixtures.error();
  }
  if (*mixtures != nullptr) {
    for (const auto& [key, node] : **mixtures) {
      std::string name(key.str());
      if (name.empty()) {
        TableReader reader(**mixtures, "mixtures", source);
        return Error::invalid(reader.location(node) + "[mixtures.\"\"] has an empty name; name it, e.g. [mixtures.moa]");
      }
      auto table = child_table(**mixtures, name, "mixtures", source);
      if (!table.ok()) {
        return table.error();
      }
      auto mixture = read_mixture(name, **table, base_dir, source);
      if (!mixture.ok()) {
        return mixture.error();
      }
      config.mixtures[name] = std::move(mixture.value());
    }
  }

  auto server = child_table(root, "server", "", source);
  if (!server.ok()) {
    return server.error();
  }
  if (*server != nullptr) {
    auto server_config = read_server(**server, source);
    if (!server_config.ok()) {
      return server_config.error();
    }
    config.server = std::move(server_config.value());
  }

  for (const char* section : {"miners", "mixtures", "server"}) {
    top.mark_read(section);
  }
  MOM_TRY(top.check_unknown_keys());
  MOM_TRY(check_names(config, root, source));
  return config;
}

}  // namespace

Result<Config> parse_config(const std::string& text, const std::filesystem::path& base_dir,
                            const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return Error::invalid(source_name + ":" + std::to_string(e.source().begin.line) +
                          ": invalid TOML: " + std::string(e.description()));
  }
  return read_config(root, base_dir, source_name);
}

Result<Config> load_config(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Error::not_found("cannot open config file '" + path.string() + "'; check the path");
  }
  std::stringstream text;
  text << file.rdbuf();
  std::filesystem::path base_dir = std::filesystem::absolute(path).parent_path();
  Result<Config> config = parse_config(text.str(), base_dir, path.string());
  if (config.ok()) {
    config->path = path;
  }
  return config;
}

}  // namespace mom
