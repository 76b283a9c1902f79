#include <fstream>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <llama.h>

#include "local/local_miner.h"
#include "local/local_models.h"
#include "local/model_loader.h"
#include "local/tests/local_test_support.h"

namespace mom::local {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Result<std::shared_ptr<Miner>> load(const std::filesystem::path& model) {
  LocalModels models;
  return models.create_miner(testing::miner_config(model, 1));
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

TEST(ModelLoading, MissingFileIsNotFound) {
  const auto path = testing::scratch_dir() / "no-such-model.gguf";
  auto miner = load(path);
  ASSERT_FALSE(miner);
  EXPECT_EQ(miner.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(miner.error().message, HasSubstr(path.string()));
}

TEST(ModelLoading, NonGgufFileIsRejected) {
  const auto path = testing::scratch_dir() / "not-a-model.gguf";
  write_file(path, "this is a text file, not a model\n");
  auto miner = load(path);
  ASSERT_FALSE(miner);
  EXPECT_EQ(miner.error().code, ErrorCode::kLoadFailed);
  EXPECT_THAT(miner.error().message, AllOf(HasSubstr(path.string()), HasSubstr("not a GGUF file")));
}

TEST(ModelLoading, TinyFileIsRejected) {
  const auto path = testing::scratch_dir() / "two-bytes.gguf";
  write_file(path, "GG");
  auto miner = load(path);
  ASSERT_FALSE(miner);
  EXPECT_EQ(miner.error().code, ErrorCode::kLoadFailed);
  EXPECT_THAT(miner.error().message, HasSubstr(path.string()));
}

TEST(ModelLoading, TruncatedGgufIsRejected) {
  std::ifstream in(testing::stories_model(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);

  for (size_t keep : {bytes.size() / 2, size_t{200}}) {
    const auto path = testing::scratch_dir() / ("truncated-" + std::to_string(keep) + ".gguf");
    write_file(path, bytes.substr(0, keep));
    auto miner = load(path);
    ASSERT_FALSE(miner) << "kept " << keep << " bytes";
    EXPECT_EQ(miner.error().code, ErrorCode::kLoadFailed);
    EXPECT_THAT(miner.error().message, AllOf(HasSubstr(path.string()), HasSubstr("truncated")));
  }
}

TEST(ModelLoading, UnknownArchitectureIsRejected) {
  const auto path = testing::scratch_dir() / "nosucharch.gguf";
  ASSERT_TRUE(testing::copy_gguf_with_string(testing::stories_model(), path, "general.architecture", "nosucharch"));
  auto miner = load(path);
  ASSERT_FALSE(miner);
  EXPECT_EQ(miner.error().code, ErrorCode::kLoadFailed);
  EXPECT_THAT(miner.error().message, AllOf(HasSubstr(path.string()), HasSubstr("nosucharch")));
}

TEST(ModelLoading, PromptLongerThanContextIsRejected) {
  LocalModels models;
  auto config = testing::miner_config(testing::stories_model(), 1);
  config.context_size = 16;
  auto miner = models.create_miner(config);
  ASSERT_TRUE(miner) << miner.error().message;
  EXPECT_EQ((*miner)->info().context_size, 16);

  std::string prompt;
  for (int i = 0; i < 20; ++i) {
    prompt += "Once upon a time there was a dog. ";
  }
  const int prompt_tokens = *(*miner)->count_tokens(prompt) + 1;  // with BOS
  auto completion = (*miner)->complete(testing::raw_request(prompt, 4), {}, CancelToken());
  ASSERT_FALSE(completion);
  EXPECT_EQ(completion.error().code, ErrorCode::kContextExceeded);
  EXPECT_THAT(completion.error().message,
              AllOf(HasSubstr(std::to_string(prompt_tokens) + " tokens"), HasSubstr("holds 16 tokens")));
}

TEST(ModelLoading, EverySharedModelLoadsAndGenerates) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::models_dir())) {
    if (entry.path().extension() != ".gguf") {
      continue;
    }
    ++seen;
    SCOPED_TRACE(entry.path().string());
    auto miner = load(entry.path());
    ASSERT_TRUE(miner) << miner.error().message;
    auto completion = (*miner)->complete(testing::raw_request("Once upon a time", 8), {}, CancelToken());
    ASSERT_TRUE(completion) << completion.error().message;
    EXPECT_GT(completion->usage.completion_tokens, 0);
  }
  EXPECT_GE(seen, 3);
}

// TinyStories-656K's vocabulary has no byte-fallback tokens, so llama.cpp threw
// std::out_of_range for "(" and "é" and took the process down.
TEST(ModelLoading, CharactersOutsideVocabularyAreReplaced) {
  auto miner = load(testing::models_dir() / "TinyStories-656K-Q8_0.gguf");
  ASSERT_TRUE(miner) << miner.error().message;

  auto completion = (*miner)->complete(testing::raw_request("[1] (café) 50%", 4), {}, CancelToken());
  ASSERT_TRUE(completion) << completion.error().message;
  EXPECT_GT(completion->usage.prompt_tokens, 1);

  auto count = (*miner)->count_tokens("(é)");
  ASSERT_TRUE(count.has_value());
  EXPECT_GT(*count, 0);
}

TEST(ModelLoading, QuantizedModelsLoadAndGenerate) {
  init_llama_backend();
  for (auto [ftype, name] : {std::pair{LLAMA_FTYPE_MOSTLY_Q4_0, "Q4_0"}, std::pair{LLAMA_FTYPE_MOSTLY_Q8_0, "Q8_0"}}) {
    SCOPED_TRACE(name);
    const auto path = testing::scratch_dir() / (std::string("stories260K-") + name + ".gguf");
    llama_model_quantize_params params = llama_model_quantize_default_params();
    params.ftype = ftype;
    params.nthread = 1;
    ASSERT_EQ(llama_model_quantize(testing::stories_model().c_str(), path.c_str(), &params), 0u);

    auto miner = load(path);
    ASSERT_TRUE(miner) << miner.error().message;
    auto completion = (*miner)->complete(testing::raw_request("Once upon a time", 16), {}, CancelToken());
    ASSERT_TRUE(completion) << completion.error().message;
    EXPECT_EQ(completion->usage.completion_tokens, 16);
  }
}

TEST(ModelLoading, MinersOfOneFileShareTheModel) {
  LocalModels models;
  auto first = models.create_miner(testing::miner_config(testing::stories_model(), 2, "first"));
  ASSERT_TRUE(first) << first.error().message;
  const long before = resident_bytes();

  // The same file through another spelling of its path.
  const auto other_spelling = testing::models_dir() / ".." / "models" / "stories260K.gguf";
  auto config = testing::miner_config(other_spelling, 2, "second");
  config.system_prompt = "Tell a story.";
  config.defaults.temperature = 1.0;
  auto second = models.create_miner(config);
  ASSERT_TRUE(second) << second.error().message;
  const long growth = resident_bytes() - before;

  auto& a = dynamic_cast<LocalMiner&>(**first);
  auto& b = dynamic_cast<LocalMiner&>(**second);
  EXPECT_EQ(a.engine().get(), b.engine().get());
  EXPECT_EQ(a.engine()->model(), b.engine()->model());
  EXPECT_LT(growth, static_cast<long>(std::filesystem::file_size(testing::stories_model())));
  EXPECT_EQ(b.info().name, "second");
}

}  // namespace
}  // namespace mom::local
