#include "gateway/text_find.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace berth {
namespace {

TEST(TextFindTest, FindsAsStringViewDoes) {
  struct Case {
    std::string text, needle;
  };
  const Case cases[] = {
      {R"({"usage":{"a":1},"x":"usage","usage":null})", R"("usage")"},
      {R"({"content":"","content":"x"})", R"("content":")"},
      {"", ""},
      {"abc", ""},
      {"", "a"},
      {"ab", "abc"},
      {"aaaa", "aa"},
      {"abcabc", "abc"},
      {"xyz", "q"},
      {std::string("a\0b\0b", 5), std::string("\0b", 2)},
  };
  for (const Case& c : cases) {
    std::string_view text(c.text), needle(c.needle);
    EXPECT_EQ(FindText(text, needle), text.find(needle)) << c.text << " / " << c.needle;
    EXPECT_EQ(RFindText(text, needle), text.rfind(needle)) << c.text << " / " << c.needle;
  }
}

// Random texts over a small alphabet (so needles occur, overlap and nearly occur) against
// std::string_view's find and rfind.
TEST(TextFindTest, AgreesWithStringViewOnRandomText) {
  std::mt19937 random(12);
  const std::string alphabet = "\"ab:";
  auto draw = [&](size_t max) {
    std::string s(std::uniform_int_distribution<size_t>(0, max)(random), ' ');
    for (char& c : s) c = alphabet[std::uniform_int_distribution<size_t>(0, 3)(random)];
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string text = draw(40), needle = draw(5);
    ASSERT_EQ(FindText(text, needle), std::string_view(text).find(needle))
        << text << " / " << needle;
    ASSERT_EQ(RFindText(text, needle), std::string_view(text).rfind(needle))
        << text << " / " << needle;
  }
}

}  // namespace
}  // namespace berth
