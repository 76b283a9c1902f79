#include "config/config.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mom {
namespace {

using ::testing::HasSubstr;

Result<Config> parse(const std::string& text) {
  return parse_config(text, "/configs", "test.toml");
}

std::string error_of(const std::string& text) {
  Result<Config> config = parse(text);
  EXPECT_FALSE(config.ok()) << "expected an error for:\n" << text;
  return config.ok() ? std::string() : config.error().message;
}

TEST(Config, ReadsLocalMinerWithRelativePath) {
  Result<Config> config = parse(R"(
[miners.tiny]
model = "models/tiny.gguf"
context_size = 512
parallel = 4
threads = 2
batch_size = 256
temperature = 0
top_p = 0.9
top_k = 20
seed = 42
max_tokens = 64
stop = ["\n", "END"]
system_prompt = "Be brief."
timeout_ms = 5000
prompt_format = "completion"
scoring = "logprob"
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const MinerConfig& miner = config->miners.at("tiny");
  EXPECT_EQ(miner.name, "tiny");
  EXPECT_EQ(miner.model_path, std::filesystem::path("/configs/models/tiny.gguf"));
  EXPECT_EQ(miner.context_size, 512);
  EXPECT_EQ(miner.parallel, 4);
  EXPECT_EQ(miner.threads, 2);
  EXPECT_EQ(miner.batch_size, 256);
  EXPECT_EQ(miner.defaults.temperature, 0.0);
  EXPECT_EQ(miner.defaults.top_p, 0.9);
  EXPECT_EQ(miner.defaults.top_k, 20);
  EXPECT_EQ(miner.defaults.seed, 42u);
  EXPECT_EQ(miner.defaults.max_tokens, 64);
  EXPECT_THAT(miner.defaults.stop, ::testing::ElementsAre("\n", "END"));
  EXPECT_EQ(miner.system_prompt, "Be brief.");
  EXPECT_EQ(miner.timeout_ms, 5000);
  EXPECT_EQ(miner.prompt_format, "completion");
  EXPECT_EQ(miner.scoring, "logprob");
  EXPECT_TRUE(miner.url.empty());
}

TEST(Config, ReadsRemoteMiner) {
  Result<Config> config = parse(R"(
[miners.remote]
url = "http://127.0.0.1:9000/v1"
model = "qwen"
api_key_env = "REMOTE_KEY"
context_size = 8192
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const MinerConfig& miner = config->miners.at("remote");
  EXPECT_EQ(miner.url, "http://127.0.0.1:9000/v1");
  EXPECT_EQ(miner.upstream_model, "qwen");
  EXPECT_EQ(miner.api_key_env, "REMOTE_KEY");
  EXPECT_EQ(miner.remote_context_size, 8192);
  EXPECT_EQ(miner.context_size, 0);
  EXPECT_TRUE(miner.model_path.empty());
}

TEST(Config, ReadsReplayMiner) {
  Result<Config> config = parse(R"(
[miners.recorded]
replay = "/data/answers.tsv"
replay_system = "mix"
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->miners.at("recorded").replay_path, std::filesystem::path("/data/answers.tsv"));
  EXPECT_EQ(config->miners.at("recorded").replay_system, "mix");
}

TEST(Config, ReadsMixtureAndServer) {
  Result<Config> config = parse(R"(
[miners.a]
model = "a.gguf"
[miners.b]
model = "b.gguf"

[mixtures.moa]
layers = [["a", "b"], ["a"]]
aggregator = "a"
fallback_aggregator = "b"
strategy = "weighted-vote"
references = "user"
aggregation_prompt = "Combine."
quorum = 2
deadline_ms = 3000
weights = "scoreboard.json"
show_reliability = true

[server]
host = "0.0.0.0"
port = 9090
api_key_env = "MOM_KEY"
max_body_bytes = 1000
threads = 8
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const MixtureConfig& mixture = config->mixtures.at("moa");
  ASSERT_EQ(mixture.layers.size(), 2u);
  EXPECT_THAT(mixture.layers[0], ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(mixture.aggregator, "a");
  EXPECT_EQ(mixture.fallback_aggregator, "b");
  EXPECT_EQ(mixture.strategy, "weighted-vote");
  EXPECT_EQ(mixture.references, "user");
  EXPECT_EQ(mixture.aggregation_prompt, "Combine.");
  EXPECT_EQ(mixture.quorum, 2);
  EXPECT_EQ(mixture.deadline_ms, 3000);
  EXPECT_EQ(mixture.weights_path, std::filesystem::path("/configs/scoreboard.json"));
  EXPECT_TRUE(mixture.show_reliability);
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_EQ(config->server.port, 9090);
  EXPECT_EQ(config->server.api_key_env, "MOM_KEY");
  EXPECT_EQ(config->server.max_body_bytes, 1000u);
  EXPECT_EQ(config->server.threads, 8);
}

TEST(Config, DefaultsWhenSectionsAreAbsent) {
  Result<Config> config = parse("");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->miners.empty());
  EXPECT_EQ(config->server.host, "127.0.0.1");
  EXPECT_EQ(config->server.port, 8080);
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  std::string message = error_of("[miners.a]\nmodel = \"a.gguf\"\ntemprature = 0.5\n");
  EXPECT_THAT(message, HasSubstr("test.toml:3"));
  EXPECT_THAT(message, HasSubstr("miners.a.temprature"));
  EXPECT_THAT(message, HasSubstr("unknown"));
}

TEST(Config, UnknownTopLevelKeyIsAnError) {
  std::string message = error_of("title = \"x\"\n");
  EXPECT_THAT(message, HasSubstr("test.toml:1"));
  EXPECT_THAT(message, HasSubstr("'title'"));
}

TEST(Config, UnknownServerKeyIsAnError) {
  EXPECT_THAT(error_of("[server]\nprot = 1\n"), HasSubstr("server.prot"));
}

TEST(Config, WrongTypeNamesLineKeyAndTypes) {
  std::string message = error_of("[miners.a]\nmodel = \"a.gguf\"\n\ncontext_size = \"big\"\n");
  EXPECT_THAT(message, HasSubstr("test.toml:4"));
  EXPECT_THAT(message, HasSubstr("miners.a.context_size"));
  EXPECT_THAT(message, HasSubstr("integer"));
  EXPECT_THAT(message, HasSubstr("string"));
}

TEST(Config, WrongTypesInEverySectionAreErrors) {
  EXPECT_THAT(error_of("[miners.a]\nmodel = 3\n"), HasSubstr("miners.a.model"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\nstop = \"x\"\n"), HasSubstr("miners.a.stop"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\nstop = [1]\n"), HasSubstr("miners.a.stop"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\ntemperature = \"hot\"\n"), HasSubstr("miners.a.temperature"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\n[mixtures.m]\nlayers = [\"a\"]\n"),
              HasSubstr("mixtures.m.layers"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\n[mixtures.m]\nlayers = [[\"a\"]]\nshow_reliability = 1\n"),
              HasSubstr("mixtures.m.show_reliability"));
  EXPECT_THAT(error_of("[server]\nport = \"80\"\n"), HasSubstr("server.port"));
  EXPECT_THAT(error_of("miners = 3\n"), HasSubstr("'miners'"));
  EXPECT_THAT(error_of("[miners]\na = 3\n"), HasSubstr("miners.a"));
}

TEST(Config, OutOfRangeValuesAreErrors) {
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\ncontext_size = -1\n"), HasSubstr("miners.a.context_size"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\ntop_p = 1.5\n"), HasSubstr("miners.a.top_p"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\nseed = 5000000000\n"), HasSubstr("miners.a.seed"));
  EXPECT_THAT(error_of("[server]\nport = 70000\n"), HasSubstr("server.port"));
}

TEST(Config, InvalidChoiceListsAllowedValues) {
  std::string message = error_of("[miners.a]\nmodel = \"a\"\nprompt_format = \"raw\"\n");
  EXPECT_THAT(message, HasSubstr("miners.a.prompt_format"));
  EXPECT_THAT(message, HasSubstr("\"chat\", \"completion\""));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\nscoring = \"x\"\n"), HasSubstr("miners.a.scoring"));
}

TEST(Config, MinerWithoutSourceIsAnError) {
  std::string message = error_of("[miners.a]\ntemperature = 0.1\n");
  EXPECT_THAT(message, HasSubstr("test.toml:1"));
  EXPECT_THAT(message, HasSubstr("[miners.a]"));
  EXPECT_THAT(message, HasSubstr("none of"));
}

TEST(Config, MinerWithSeveralSourcesIsAnError) {
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a.gguf\"\nreplay = \"r.tsv\"\n"), HasSubstr("more than one"));
  EXPECT_THAT(error_of("[miners.a]\nurl = \"http://x/v1\"\nreplay = \"r.tsv\"\n"), HasSubstr("more than one"));
}

TEST(Config, LocalOnlyKeysOnRemoteMinerAreErrors) {
  std::string message = error_of("[miners.a]\nurl = \"http://127.0.0.1:1/v1\"\nparallel = 2\n");
  EXPECT_THAT(message, HasSubstr("miners.a.parallel"));
  EXPECT_THAT(message, HasSubstr("only to local miners"));
  EXPECT_THAT(error_of("[miners.a]\nurl = \"http://127.0.0.1:1/v1\"\nbatch_size = 64\n"),
              HasSubstr("miners.a.batch_size"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a.gguf\"\nbatch_size = -1\n"), HasSubstr("batch_size"));
}

TEST(Config, MixtureNamingUnknownMinerIsAnError) {
  std::string message = error_of(R"([miners.a]
model = "a"
[mixtures.m]
layers = [["a", "ghost"]]
)");
  EXPECT_THAT(message, HasSubstr("test.toml:4"));
  EXPECT_THAT(message, HasSubstr("ghost"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\n[mixtures.m]\nlayers = [[\"a\"]]\naggregator = \"x\"\n"),
              HasSubstr("mixtures.m.aggregator"));
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\n[mixtures.m]\nlayers = [[\"a\"]]\nfallback_aggregator = \"x\"\n"),
              HasSubstr("mixtures.m.fallback_aggregator"));
}

TEST(Config, MixtureWithoutLayersIsAnError) {
  EXPECT_THAT(error_of("[miners.a]\nmodel = \"a\"\n[mixtures.m]\naggregator = \"a\"\n"), HasSubstr("layers"));
}

TEST(Config, NameUsedByMinerAndMixtureIsAnError) {
  std::string message = error_of("[miners.a]\nmodel = \"a\"\n[mixtures.a]\nlayers = [[\"a\"]]\n");
  EXPECT_THAT(message, HasSubstr("'a'"));
  EXPECT_THAT(message, HasSubstr("miner"));
}

TEST(Config, InvalidTomlNamesLine) {
  std::string message = error_of("[miners.a]\nmodel = \n");
  EXPECT_THAT(message, HasSubstr("test.toml:2"));
  EXPECT_THAT(message, HasSubstr("invalid TOML"));
}

TEST(Config, LoadResolvesPathsAgainstFileFolder) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "mom_config_test";
  std::filesystem::create_directories(dir);
  std::filesystem::path file = dir / "mom.toml";
  std::ofstream(file) << "[miners.a]\nmodel = \"sub/a.gguf\"\n";

  Result<Config> config = load_config(file);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->miners.at("a").model_path, dir / "sub/a.gguf");
  EXPECT_EQ(config->path, file);
  std::filesystem::remove_all(dir);
}

TEST(Config, MissingFileIsNotFound) {
  Result<Config> config = load_config("/nonexistent/mom.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(config.error().message, HasSubstr("/nonexistent/mom.toml"));
}

}  // namespace
}  // namespace mom
