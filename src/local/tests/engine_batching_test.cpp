// Admission order, multi-sequence prompt batching and shared-prefix waits of
// the local engine, on the stories260K test model.
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "local/engine.h"
#include "local/local_miner.h"
#include "local/local_models.h"
#include "local/tests/local_test_support.h"

namespace mom::local {
namespace {

using namespace std::chrono_literals;

const std::string kStory = "Once upon a time, there was a little girl named Lily. She loved to play outside.";

class EngineBatching : public ::testing::Test {
 protected:
  std::shared_ptr<Miner> make_miner(int parallel) {
    auto miner = models_.create_miner(testing::miner_config(testing::stories_model(), parallel));
    EXPECT_TRUE(miner) << miner.error().message;
    return miner ? *miner : nullptr;
  }

  static Engine& engine_of(Miner& miner) { return *dynamic_cast<LocalMiner&>(miner).engine(); }

  // Starts a generation that occupies one slot until release() and calls
  // pause after every generated token on the worker thread, so that requests
  // sent meanwhile are admitted together at the next loop step.
  void hold_one_slot(Miner& miner, std::chrono::milliseconds pause) {
    holder_ = std::thread([this, &miner, pause] {
      Request request = testing::raw_request("The sun was", 200);
      request.sampling.ignore_eos = true;
      auto result = miner.complete(
          request,
          [this, pause](std::string_view) {
            generating_ = true;
            std::this_thread::sleep_for(pause);
          },
          hold_);
      EXPECT_FALSE(result) << "the holding request should end by cancellation";
    });
    while (!generating_) {
      std::this_thread::sleep_for(1ms);
    }
  }

  void release() {
    hold_.cancel();
    if (holder_.joinable()) {
      holder_.join();
    }
  }

  void TearDown() override { release(); }

  LocalModels models_;
  CancelToken hold_;
  std::atomic<bool> generating_{false};
  std::thread holder_;
};

// Queued requests must reach the slot in the order they were sent, whether
// or not their prompt matches a cached prefix.
TEST_F(EngineBatching, AdmissionIsFirstInFirstOut) {
  auto miner = make_miner(1);
  ASSERT_TRUE(miner->complete(testing::raw_request(kStory, 2), {}, CancelToken()));
  Engine& engine = engine_of(*miner);
  hold_one_slot(*miner, 1ms);

  const std::vector<std::string> prompts = {"The cat sat on the mat.", kStory, "Tim had a red ball", kStory};
  std::mutex order_mutex;
  std::vector<int> first_token_order;
  std::vector<std::thread> callers;
  for (int i = 0; i < static_cast<int>(prompts.size()); ++i) {
    callers.emplace_back([&, i] {
      Request request = testing::raw_request(prompts[static_cast<size_t>(i)], 2);
      request.sampling.ignore_eos = true;
      bool first = true;
      auto result = miner->complete(
          request,
          [&](std::string_view) {
            if (first) {
              first = false;
              std::lock_guard lock(order_mutex);
              first_token_order.push_back(i);
            }
          },
          CancelToken());
      EXPECT_TRUE(result) << result.error().message;
    });
    while (engine.queued_requests() < i + 1) {
      std::this_thread::sleep_for(1ms);
    }
  }

  release();
  for (auto& caller : callers) {
    caller.join();
  }
  EXPECT_THAT(first_token_order, ::testing::ElementsAre(0, 1, 2, 3));
}

// Log-prob scoring reads the prompt in one pass and samples nothing: a
// repeated prompt decodes only its last token again, for its logits.
TEST_F(EngineBatching, ScoringDecodesPromptOnce) {
  auto miner = make_miner(1);
  Engine& engine = engine_of(*miner);

  auto first = miner->score_choices(testing::raw_request(kStory, 1), {"A", "B"}, CancelToken());
  ASSERT_TRUE(first) << first.error().message;
  const EngineStats after_first = engine.stats();
  EXPECT_EQ(after_first.decoded_tokens, first->usage.prompt_tokens);
  EXPECT_EQ(after_first.decode_calls, 1);

  auto second = miner->score_choices(testing::raw_request(kStory, 1), {"A", "B"}, CancelToken());
  ASSERT_TRUE(second) << second.error().message;
  const EngineStats after_second = engine.stats();
  EXPECT_EQ(after_second.decoded_tokens - after_first.decoded_tokens, 1);
  EXPECT_EQ(after_second.reused_prompt_tokens, second->usage.prompt_tokens - 1);
  EXPECT_EQ(after_second.requests, 2);
}

// The miner's batch_size bounds the tokens of one llama_decode call. A
// smaller batch reads the same prompt in more calls and gives the same scores.
TEST_F(EngineBatching, BatchSizeSplitsPrompt) {
  auto whole = make_miner(1);
  auto whole_scores = whole->score_choices(testing::raw_request(kStory, 1), {"A", "B"}, CancelToken());
  ASSERT_TRUE(whole_scores) << whole_scores.error().message;

  LocalModels models;  // a second engine on the same file, with its own batch size
  MinerConfig config = testing::miner_config(testing::stories_model(), 1);
  config.batch_size = 8;
  auto small = models.create_miner(config);
  ASSERT_TRUE(small) << small.error().message;
  Engine& engine = engine_of(**small);
  EXPECT_EQ(engine.batch_size(), 8);

  auto small_scores = (*small)->score_choices(testing::raw_request(kStory, 1), {"A", "B"}, CancelToken());
  ASSERT_TRUE(small_scores) << small_scores.error().message;
  const int prompt_tokens = small_scores->usage.prompt_tokens;
  EXPECT_EQ(engine.stats().decode_calls, (prompt_tokens + 7) / 8);
  ASSERT_EQ(small_scores->logprobs.size(), whole_scores->logprobs.size());
  for (size_t i = 0; i < whole_scores->logprobs.size(); ++i) {
    EXPECT_NEAR(small_scores->logprobs[i], whole_scores->logprobs[i], 1e-3);
  }
}

// llama.cpp caps the batch at the context, so the engine does too.
TEST_F(EngineBatching, BatchSizeCappedByContext) {
  MinerConfig config = testing::miner_config(testing::stories_model(), 1);
  config.batch_size = 4096;
  auto miner = models_.create_miner(config);
  ASSERT_TRUE(miner) << miner.error().message;
  Engine& engine = engine_of(**miner);
  EXPECT_EQ(engine.batch_size(), engine.context_size() * engine.parallel());

  auto scores = (*miner)->score_choices(testing::raw_request(kStory, 1), {"A", "B"}, CancelToken());
  EXPECT_TRUE(scores) << scores.error().message;
}

// llama.cpp aborts the process when a batch has fewer tokens than sequences,
// so the engine raises the batch to `parallel`.
TEST_F(EngineBatching, BatchSizeAtLeastParallel) {
  MinerConfig config = testing::miner_config(testing::stories_model(), 4);
  config.batch_size = 1;
  auto miner = models_.create_miner(config);
  ASSERT_TRUE(miner) << miner.error().message;
  Engine& engine = engine_of(**miner);
  EXPECT_EQ(engine.batch_size(), 4);
  EXPECT_EQ(engine.requested_batch_size(), 1);

  auto scores = (*miner)->score_choices(testing::raw_request(kStory, 1), {"A", "B"}, CancelToken());
  EXPECT_TRUE(scores) << scores.error().message;
}

// A prompt that shares only its first tokens with a cached one goes to an
// empty slot, so the long cached prompt stays for the next request that needs it.
TEST_F(EngineBatching, ShortPromptKeepsCachedPrefix) {
  auto miner = make_miner(3);
  const std::string long_prompt = kStory + " " + kStory;
  auto first = miner->score_choices(testing::raw_request(long_prompt, 1), {"A"}, CancelToken());
  ASSERT_TRUE(first) << first.error().message;
  auto other = miner->score_choices(testing::raw_request("Tim had a red ball", 1), {"A"}, CancelToken());
  ASSERT_TRUE(other) << other.error().message;

  auto again = miner->score_choices(testing::raw_request(long_prompt, 1), {"A"}, CancelToken());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->usage.cached_prompt_tokens, again->usage.prompt_tokens - 1);
}

TEST_F(EngineBatching, ConcurrentPromptsShareDecodeCall) {
  auto miner = make_miner(4);
  Engine& engine = engine_of(*miner);
  hold_one_slot(*miner, 50ms);

  const std::vector<std::string> prompts = {kStory, "Tim had a red ball. He liked to throw it to his dog.",
                                            "In the park there was a big tree with many birds."};
  std::vector<std::thread> callers;
  for (const std::string& prompt : prompts) {
    callers.emplace_back([&, prompt] {
      auto scores = miner->score_choices(testing::raw_request(prompt, 1), {"A", "B"}, CancelToken());
      EXPECT_TRUE(scores) << scores.error().message;
    });
  }
  for (auto& caller : callers) {
    caller.join();
  }
  release();

  const EngineStats stats = engine.stats();
  EXPECT_GE(stats.max_prompt_sequences_in_batch, 2);
  EXPECT_GE(stats.max_sequences_in_batch, 3);
  EXPECT_GT(stats.multi_sequence_calls, 0);
}

TEST_F(EngineBatching, ConcurrentRequestsWaitForSharedPrefix) {
  auto miner = make_miner(4);
  Engine& engine = engine_of(*miner);
  const std::string prompt = kStory + " " + kStory;
  auto alone = miner->score_choices(testing::raw_request("The cat sat", 1), {"A", "B"}, CancelToken());
  ASSERT_TRUE(alone);
  hold_one_slot(*miner, 50ms);
  const EngineStats before = engine.stats();

  std::vector<ChoiceScores> results(3);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < results.size(); ++i) {
    callers.emplace_back([&, i] {
      auto scores = miner->score_choices(testing::raw_request(prompt, 1), {"A", "B", "the"}, CancelToken());
      ASSERT_TRUE(scores) << scores.error().message;
      results[i] = *scores;
    });
  }
  for (auto& caller : callers) {
    caller.join();
  }
  release();

  const EngineStats after = engine.stats();
  const int prompt_tokens = results[0].usage.prompt_tokens;
  int reused = 0;
  int fully_reused = 0;
  for (const ChoiceScores& result : results) {
    reused += result.usage.cached_prompt_tokens;
    fully_reused += result.usage.cached_prompt_tokens == prompt_tokens - 1 ? 1 : 0;
  }
  // One request decodes the prompt (all but a cached BOS token at most), the
  // other two only its last token.
  EXPECT_EQ(fully_reused, 2);
  EXPECT_LE(reused, 2 * (prompt_tokens - 1) + 1);
  EXPECT_EQ(after.prefix_waits - before.prefix_waits, 2);
  EXPECT_EQ(after.reused_prompt_tokens - before.reused_prompt_tokens, reused);
  // The same token read in batches of different sizes differs slightly in
  // floating point (about 2e-3 here), far less than a wrong prefix would.
  for (size_t i = 1; i < results.size(); ++i) {
    ASSERT_EQ(results[i].logprobs.size(), results[0].logprobs.size());
    for (size_t c = 0; c < results[0].logprobs.size(); ++c) {
      EXPECT_NEAR(results[i].logprobs[c], results[0].logprobs[c], 1e-2) << "request " << i << " choice " << c;
    }
  }
}

}  // namespace
}  // namespace mom::local
