#include "mixture/reference_layout.h"

#include <gtest/gtest.h>

namespace mom {
namespace {

const std::vector<Reference> kTwoReferences = {{"Paris is the capital.", ""}, {"It is Paris.", ""}};

TEST(ReferenceLayout, SystemPlacementCreatesSystemMessage) {
  ReferenceLayout layout(ReferencePlacement::kSystem, "Combine these.");
  std::vector<Message> messages = layout.build({{"user", "Capital of France?"}}, kTwoReferences);

  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].role, "system");
  EXPECT_EQ(messages[0].content,
            "Combine these.\n\n[Answer 1]\nParis is the capital.\n\n[Answer 2]\nIt is Paris.");
  EXPECT_EQ(messages[1], (Message{"user", "Capital of France?"}));
}

TEST(ReferenceLayout, SystemPlacementKeepsUserSystemTextFirst) {
  ReferenceLayout layout(ReferencePlacement::kSystem, "Combine these.");
  std::vector<Message> messages =
      layout.build({{"system", "Answer in French."}, {"user", "Capital of France?"}}, kTwoReferences);

  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].role, "system");
  EXPECT_EQ(messages[0].content.find("Answer in French.\n\nCombine these."), 0u);
  EXPECT_NE(messages[0].content.find("[Answer 2]\nIt is Paris."), std::string::npos);
  EXPECT_EQ(messages[1].content, "Capital of France?");
}

TEST(ReferenceLayout, UserPlacementPrependsBlockToLastUserMessage) {
  ReferenceLayout layout(ReferencePlacement::kUser, "Combine these.");
  std::vector<Message> messages = layout.build({{"user", "Capital of France?"}}, kTwoReferences);

  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].role, "user");
  EXPECT_EQ(messages[0].content,
            "Combine these.\n\n[Answer 1]\nParis is the capital.\n\n[Answer 2]\nIt is Paris.\n\n"
            "Capital of France?");
}

TEST(ReferenceLayout, UserPlacementLeavesSystemMessageAlone) {
  ReferenceLayout layout(ReferencePlacement::kUser, "Combine these.");
  std::vector<Message> conversation = {
      {"system", "Answer in French."}, {"user", "Hi"}, {"assistant", "Bonjour"}, {"user", "Capital?"}};
  std::vector<Message> messages = layout.build(conversation, kTwoReferences);

  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0], conversation[0]);
  EXPECT_EQ(messages[1], conversation[1]);
  EXPECT_EQ(messages[2], conversation[2]);
  EXPECT_EQ(messages[3].content.find("Combine these."), 0u);
  EXPECT_NE(messages[3].content.find("\n\nCapital?"), std::string::npos);
}

TEST(ReferenceLayout, NumbersReferencesWithNotes) {
  ReferenceLayout layout(ReferencePlacement::kUser, "Combine.");
  std::string block = layout.reference_block({{"one", "from a model with 70% measured accuracy overall"}, {"two", ""}});

  EXPECT_EQ(block, "Combine.\n\n[Answer 1: from a model with 70% measured accuracy overall]\none\n\n[Answer 2]\ntwo");
}

TEST(ReferenceLayout, NeverEndsWithAssistantTurn) {
  std::vector<Message> conversation = {{"user", "Write a poem."}, {"assistant", "Roses are"}};
  for (ReferencePlacement placement : {ReferencePlacement::kSystem, ReferencePlacement::kUser}) {
    ReferenceLayout layout(placement, "Combine.");
    std::vector<Message> messages = layout.build(conversation, kTwoReferences);

    ASSERT_FALSE(messages.empty());
    EXPECT_EQ(messages.back().role, "user") << "placement " << static_cast<int>(placement);
    EXPECT_EQ(messages[messages.size() - 2], (Message{"assistant", "Roses are"}));
  }
}

TEST(ReferenceLayout, UserPlacementAfterAssistantAddsTurn) {
  ReferenceLayout layout(ReferencePlacement::kUser, "Combine.");
  std::vector<Message> messages = layout.build({{"user", "Q"}, {"assistant", "partial"}}, kTwoReferences);

  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].content, "Q");
  EXPECT_EQ(messages[2].role, "user");
  EXPECT_EQ(messages[2].content.find("Combine."), 0u);
}

TEST(ReferenceLayout, MergesAdjacentSameRoleTurns) {
  ReferenceLayout layout(ReferencePlacement::kSystem, "Combine.");
  std::vector<Message> conversation = {
      {"system", "Be brief."}, {"system", "Be kind."}, {"user", "First part."}, {"user", "Second part."}};
  std::vector<Message> messages = layout.build(conversation, kTwoReferences);

  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].role, "system");
  EXPECT_EQ(messages[0].content.find("Be brief.\n\nBe kind.\n\nCombine."), 0u);
  EXPECT_EQ(messages[1], (Message{"user", "First part.\n\nSecond part."}));
}

TEST(ReferenceLayout, MergeKeepsAlternatingTurns) {
  std::vector<Message> conversation = {{"user", "a"}, {"assistant", "b"}, {"assistant", "c"}, {"user", "d"}};
  std::vector<Message> merged = merge_adjacent_roles(conversation);

  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[1], (Message{"assistant", "b\n\nc"}));
  EXPECT_EQ(merged[2], (Message{"user", "d"}));
}

TEST(ReferenceLayout, ParsesPlacementNames) {
  EXPECT_EQ(parse_reference_placement("system"), ReferencePlacement::kSystem);
  EXPECT_EQ(parse_reference_placement("user"), ReferencePlacement::kUser);
  EXPECT_EQ(parse_reference_placement("assistant"), std::nullopt);
}

}  // namespace
}  // namespace mom
