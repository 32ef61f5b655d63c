#include "common/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

struct Sha256Case {
  std::string input;
  std::string hex;
};

// FIPS 180-4 / NIST CAVS vectors, plus lengths around the padding boundary.
TEST(Sha256Test, KnownVectors) {
  const Sha256Case cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(55, 'a'), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {std::string(64, 'a'), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Sha256Case& c : cases) {
    EXPECT_EQ(Sha256Hex(c.input), c.hex) << "input of length " << c.input.size();
  }
}

TEST(Sha256Test, RawDigestMatchesHex) {
  std::array<uint8_t, 32> digest = Sha256("abc");
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  struct Case {
    std::string a, b;
    bool equal;
  };
  const Case cases[] = {
      {"", "", true},        {"abc", "abc", true},
      {"abc", "abd", false}, {"abc", "ab", false},
      {"ab", "abc", false},  {"xbc", "abc", false},
      {"", "a", false},      {std::string("a\0b", 3), std::string("a\0c", 3), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ConstantTimeEquals(c.a, c.b), c.equal) << "'" << c.a << "' vs '" << c.b << "'";
  }
}

}  // namespace
}  // namespace berth
