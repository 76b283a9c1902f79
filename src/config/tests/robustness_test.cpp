// Config files with unusual but syntactically valid TOML.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace mom {
namespace {

TEST(ParseConfig, RejectsEmptyMinerName) {
  // [miners.""] was accepted, and a mixture then named it as "" in layers
  // and aggregator, which reads as "no aggregator".
  auto config = parse_config(
      "[miners.\"\"]\nurl = \"http://127.0.0.1:1/v1\"\n"
      "[mixtures.m]\nlayers = [[\"\"]]\naggregator = \"\"\n",
      "/tmp", "empty.toml");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(config.error().message.find("[miners.\"\"] has an empty name"), std::string::npos)
      << config.error().message;
}

TEST(ParseConfig, RejectsEmptyMixtureName) {
  auto config = parse_config(
      "[miners.a]\nurl = \"http://127.0.0.1:1/v1\"\n"
      "[mixtures.\"\"]\nlayers = [[\"a\"]]\naggregator = \"a\"\n",
      "/tmp", "empty.toml");

  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("[mixtures.\"\"] has an empty name"), std::string::npos)
      << config.error().message;
}

TEST(ParseConfig, WrongTypeMessageUsesArticle) {
  auto integer = parse_config("[miners.a]\nmodel = 5\n", "/tmp", "types.toml");
  auto array = parse_config("[miners.a]\nurl = \"http://127.0.0.1:1/v1\"\nstop = [1]\n", "/tmp", "types.toml");

  ASSERT_FALSE(integer.ok());
  EXPECT_NE(integer.error().message.find("got an integer"), std::string::npos) << integer.error().message;
  ASSERT_FALSE(array.ok());
  EXPECT_NE(array.error().message.find("an element is an integer"), std::string::npos) << array.error().message;
}

}  // namespace
}  // namespace mom
