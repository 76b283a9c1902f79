// A long prompt chunk stops inside llama_decode when every request in it is
// cancelled or past its deadline. The test model is a random-weight model of
// SmolLM-135M's shape written by bench_make_model, big enough that one
// 1,500-token decode call takes seconds on two cores.
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "local/engine.h"
#include "local/local_miner.h"
#include "local/local_models.h"
#include "local/tests/local_test_support.h"

namespace mom::local {
namespace {

using namespace std::chrono_literals;

class EngineAbandon : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
#ifdef MOM_BENCH_MAKE_MODEL
    model_ = testing::scratch_dir() / "smollm-135m-q8_0.gguf";
    const std::string command = std::string(MOM_BENCH_MAKE_MODEL) + " --preset smollm-135m --type q8_0 --out " +
                                model_.string() + " > /dev/null";
    if (std::system(command.c_str()) != 0) {
      model_.clear();
    }
#endif
  }

  void SetUp() override {
    if (model_.empty()) {
      GTEST_SKIP() << "bench_make_model is not built (MOM_BUILD_BENCH=OFF) or failed";
    }
    MinerConfig config = testing::miner_config(model_, 1);
    config.context_size = 2048;
    config.batch_size = 2048;
    config.threads = 2;
    auto miner = models_.create_miner(config);
    ASSERT_TRUE(miner) << miner.error().message;
    miner_ = *miner;
    engine_ = dynamic_cast<LocalMiner&>(*miner_).engine().get();
  }

  // About 1,500 tokens, read in one llama_decode call.
  static Request long_request() {
    std::string text;
    for (int i = 0; i < 300; ++i) {
      text += "the quick brown fox ";
    }
    return testing::raw_request(text, 1);
  }

  // Waits until the request occupies the engine's only slot, so its prompt
  // is inside llama_decode. Fails after 60 s, for a request that never got in.
  void wait_until_admitted() const {
    const auto limit = Clock::now() + 60s;
    while (engine_->free_slots() > 0 && Clock::now() < limit) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(engine_->free_slots(), 0) << "the request was not admitted within 60 s";
  }

  static inline std::filesystem::path model_;
  LocalModels models_;
  std::shared_ptr<Miner> miner_;
  Engine* engine_ = nullptr;
};

TEST_F(EngineAbandon, CancelStopsTheDecode) {
  CancelToken cancel;
  Result<Completion> result = Error::internal("not run");
  std::thread caller([&] { result = miner_->complete(long_request(), {}, cancel); });
  wait_until_admitted();
  std::this_thread::sleep_for(100ms);
  cancel.cancel();
  caller.join();

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kCancelled);
  const EngineStats stats = engine_->stats();
  EXPECT_EQ(stats.abandoned_decodes, 1);
  EXPECT_EQ(stats.decode_calls, 0);
}

TEST_F(EngineAbandon, DeadlineStopsTheDecode) {
  Request request = long_request();
  request.deadline = Clock::now() + 300ms;
  Result<Completion> result = miner_->complete(request, {}, CancelToken());

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(engine_->stats().abandoned_decodes, 1);
}

// After a stopped decode the cache matches the engine's bookkeeping, so the
// next request runs normally.
TEST_F(EngineAbandon, EngineWorksAfterStoppedDecode) {
  Request request = long_request();
  request.deadline = Clock::now() + 300ms;
  ASSERT_FALSE(miner_->complete(request, {}, CancelToken()));

  Request short_request = testing::raw_request("the quick brown fox", 4);
  short_request.sampling.ignore_eos = true;
  Result<Completion> next = miner_->complete(short_request, {}, CancelToken());
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->usage.completion_tokens, 4);
}

}  // namespace
}  // namespace mom::local
