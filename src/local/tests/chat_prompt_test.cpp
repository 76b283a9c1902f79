#include "local/chat_prompt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "local/local_miner.h"
#include "local/local_models.h"
#include "local/tests/local_test_support.h"

namespace mom::local {
namespace {

using ::testing::HasSubstr;

constexpr const char* kChatMlTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

TEST(ChatPrompt, PlainFormatEndsWithAssistantTurn) {
  const std::vector<Message> messages = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello"},
                                         {"user", "Tell a story"}};
  EXPECT_EQ(render_plain_chat(messages), "Be brief.\n\nUser: Hi\nAssistant: Hello\nUser: Tell a story\nAssistant:");
}

TEST(ChatPrompt, SystemPromptPrependedWhenMissing) {
  const auto messages = with_system_prompt({{"user", "Hi"}}, "Be brief.");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], (Message{"system", "Be brief."}));
}

TEST(ChatPrompt, RequestSystemMessageWins) {
  const auto messages = with_system_prompt({{"system", "Mine"}, {"user", "Hi"}}, "Be brief.");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].content, "Mine");
}

TEST(ChatPrompt, ChatMlTemplateRendersTurns) {
  auto text = apply_chat_template(kChatMlTemplate, {{"system", "S"}, {"user", "Hi"}});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatPrompt, UnknownTemplateIsRejected) {
  auto text = apply_chat_template("no template here", {{"user", "Hi"}});
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kInvalidRequest);
}

TEST(LocalMinerPrompt, ModelWithTemplateUsesIt) {
  const auto model = testing::scratch_dir() / "stories-chatml.gguf";
  ASSERT_TRUE(testing::copy_gguf_with_string(testing::stories_model(), model, "tokenizer.chat_template",
                                             kChatMlTemplate));
  LocalModels models;
  auto config = testing::miner_config(model, 1);
  config.system_prompt = "You tell stories.";
  auto miner = models.create_miner(config);
  ASSERT_TRUE(miner) << miner.error().message;
  EXPECT_TRUE((*miner)->info().chat_template);

  Request request;
  request.messages = {{"user", "Once upon a time"}};
  auto* local = dynamic_cast<LocalMiner*>(miner->get());
  ASSERT_NE(local, nullptr);
  auto prompt = local->render_prompt(request);
  ASSERT_TRUE(prompt) << prompt.error().message;
  EXPECT_EQ(*prompt,
            "<|im_start|>system\nYou tell stories.<|im_end|>\n<|im_start|>user\nOnce upon a time<|im_end|>\n"
            "<|im_start|>assistant\n");

  request.sampling.max_tokens = 4;
  request.sampling.temperature = 0;
  auto completion = (*miner)->complete(request, {}, CancelToken());
  ASSERT_TRUE(completion) << completion.error().message;
  EXPECT_GT(completion->usage.prompt_tokens, 10);
}

TEST(LocalMinerPrompt, ModelWithoutTemplateUsesPlainFormat) {
  LocalModels models;
  auto miner = models.create_miner(testing::miner_config(testing::stories_model(), 1));
  ASSERT_TRUE(miner) << miner.error().message;
  EXPECT_FALSE((*miner)->info().chat_template);

  Request request;
  request.messages = {{"user", "Hi"}};
  auto prompt = dynamic_cast<LocalMiner&>(**miner).render_prompt(request);
  ASSERT_TRUE(prompt) << prompt.error().message;
  EXPECT_EQ(*prompt, "User: Hi\nAssistant:");
}

TEST(LocalMinerPrompt, RawPromptBypassesTemplate) {
  LocalModels models;
  auto miner = models.create_miner(testing::miner_config(testing::stories_model(), 1));
  ASSERT_TRUE(miner) << miner.error().message;
  Request request = testing::raw_request("Once upon a time", 1);
  request.messages = {{"user", "ignored"}};
  auto prompt = dynamic_cast<LocalMiner&>(**miner).render_prompt(request);
  ASSERT_TRUE(prompt);
  EXPECT_EQ(*prompt, "Once upon a time");
}

TEST(LocalMinerPrompt, RequestWithoutPromptIsInvalid) {
  LocalModels models;
  auto miner = models.create_miner(testing::miner_config(testing::stories_model(), 1));
  ASSERT_TRUE(miner) << miner.error().message;
  auto completion = (*miner)->complete(Request{}, {}, CancelToken());
  ASSERT_FALSE(completion);
  EXPECT_EQ(completion.error().code, ErrorCode::kInvalidRequest);
  EXPECT_THAT(completion.error().message, HasSubstr("neither a prompt nor messages"));
}

}  // namespace
}  // namespace mom::local
