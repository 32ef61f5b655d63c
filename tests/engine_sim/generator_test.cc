#include "engine_sim/generator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/token_count.h"

namespace berth::engine_sim {
namespace {

TEST(GeneratorTest, HashTextIsFnv1a64) {
  EXPECT_EQ(HashText(""), 14695981039346656037ull);
  EXPECT_EQ(HashText("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(HashText("b", HashText("a")), HashText("ab"));
}

TEST(GeneratorTest, SamePromptAndSeedGiveTheSameText) {
  const uint64_t seed = MixSeed(HashText("user\nHello\n"), 7);
  EXPECT_EQ(GenerateText(seed, 40, true), GenerateText(seed, 40, true));
  EXPECT_EQ(seed, MixSeed(HashText("user\nHello\n"), 7));
}

TEST(GeneratorTest, DifferentSeedsOrPromptsGiveDifferentText) {
  const uint64_t prompt = HashText("user\nHello\n");
  std::set<std::string> texts;
  for (uint64_t seed = 0; seed < 20; ++seed)
    texts.insert(GenerateText(MixSeed(prompt, seed), 20, true));
  EXPECT_EQ(texts.size(), 20u);
  EXPECT_NE(GenerateText(MixSeed(HashText("user\nHello\n"), 0), 20, true),
            GenerateText(MixSeed(HashText("user\nHello!\n"), 0), 20, true));
}

TEST(GeneratorTest, TextHasExactlyTheRequestedNumberOfTokens) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    for (int length : {1, 2, 3, 5, 16, 63, 200}) {
      for (bool ends_sentence : {false, true}) {
        const std::string text = GenerateText(MixSeed(seed, seed), length, ends_sentence);
        EXPECT_EQ(CountTokens(text), length) << text;
      }
    }
  }
}

TEST(GeneratorTest, EveryPieceIsOneToken) {
  TextGenerator generator(MixSeed(1, 2), 500, true);
  std::string text;
  while (!generator.done()) {
    const std::string piece = generator.Next();
    EXPECT_EQ(CountTokens(piece), 1) << '"' << piece << '"';
    text += piece;
  }
  EXPECT_EQ(generator.produced(), 500);
  EXPECT_EQ(generator.Next(), "");
  EXPECT_EQ(CountTokens(text), 500);
}

TEST(GeneratorTest, ANaturalStopEndsASentence) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const std::string text = GenerateText(MixSeed(seed, 0), 30, true);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '.');
    EXPECT_NE(text.front(), ' ');
    EXPECT_TRUE(text.front() >= 'A' && text.front() <= 'Z') << text;
    EXPECT_EQ(text.find(",."), std::string::npos) << text;
  }
}

TEST(GeneratorTest, DefaultLengthIsBetween16And63) {
  std::set<int> lengths;
  for (uint64_t i = 0; i < 1000; ++i) {
    const int length = DefaultOutputLength(HashText(std::to_string(i)));
    EXPECT_GE(length, 16);
    EXPECT_LE(length, 63);
    lengths.insert(length);
  }
  EXPECT_EQ(lengths.size(), 48u);
  EXPECT_EQ(DefaultOutputLength(96), 16);
  EXPECT_EQ(DefaultOutputLength(47), 63);
}

}  // namespace
}  // namespace berth::engine_sim
