#include "core/naming.h"

#include <gtest/gtest.h>

#include <string>

#include "common/sha256.h"

namespace berth {
namespace {

struct NameCase {
  std::string input;
  bool ok;
};

TEST(ValidateSuffixTest, Table) {
  const NameCase cases[] = {
      {"a", true},    {"sample01", true},   {"12345678", true}, {"z9", true},
      {"", false},    {"123456789", false}, {"Abc", false},     {"a-b", false},
      {"a b", false}, {"\xc3\xa9", false},  {"a_b", false},     {"a.b", false},
  };
  for (const NameCase& c : cases) {
    Status s = ValidateSuffix(c.input);
    EXPECT_EQ(s.ok(), c.ok) << "suffix '" << c.input << "': " << s.ToString();
    if (!c.ok) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(s.message().find("suffix"), std::string::npos) << s.message();
    }
  }
}

TEST(ValidateDisplayNameTest, Table) {
  const NameCase cases[] = {
      {"my deployment", true},
      {"qwen3-8b", true},
      {"\xe6\xb5\x8b\xe8\xaf\x95", true},  // UTF-8 is fine
      {std::string(128, 'n'), true},
      {"", false},
      {std::string(129, 'n'), false},
      {"line\nbreak", false},
      {"tab\there", false},
      {"del\x7f", false},
      {"c1 \xc2\x85 next line", false},  // U+0085, a C1 control character
      {"bad \xff utf-8", false},
      {"overlong \xc0\xaf", false},
      {"truncated \xe6\xb5", false},
  };
  for (const NameCase& c : cases) {
    Status s = ValidateDisplayName(c.input);
    EXPECT_EQ(s.ok(), c.ok) << "name '" << c.input << "': " << s.ToString();
    if (!c.ok) {
      EXPECT_NE(s.message().find("name"), std::string::npos) << s.message();
    }
  }
}

// Limits count characters: 128 emoji (512 bytes) are 128 characters, not 512.
TEST(ValidateDisplayNameTest, LengthCountsCharactersNotBytes) {
  std::string emoji;
  for (int i = 0; i < 128; ++i) emoji += "\xf0\x9f\x98\x80";  // U+1F600, 4 bytes
  EXPECT_TRUE(ValidateDisplayName(emoji).ok());
  EXPECT_EQ(ValidateDisplayName(emoji + "\xf0\x9f\x98\x80"),
            InvalidArgument("name must be at most 128 characters, got 129"));
  std::string chinese;
  for (int i = 0; i < 128; ++i) chinese += "\xe6\xb5\x8b";  // 3 bytes each
  EXPECT_TRUE(ValidateDisplayName(chinese).ok());
}

TEST(ValidateWorkspaceNameTest, PrintableUpTo64Characters) {
  std::string emoji;
  for (int i = 0; i < 64; ++i) emoji += "\xf0\x9f\x98\x80";
  EXPECT_TRUE(ValidateWorkspaceName(emoji).ok());
  EXPECT_TRUE(ValidateWorkspaceName("team-a").ok());
  EXPECT_EQ(ValidateWorkspaceName(std::string(65, 'w')),
            InvalidArgument("name must be at most 64 characters, got 65"));
  EXPECT_EQ(ValidateWorkspaceName(""), InvalidArgument("name must not be empty"));
  const std::string controls[] = {"line\nbreak", "nul\x01", "del\x7f", "c1\xc2\x9b"};
  for (const std::string& name : controls) {
    EXPECT_EQ(ValidateWorkspaceName(name),
              InvalidArgument("name must not contain control characters"))
        << name;
  }
}

TEST(ValidateModelNameTest, Table) {
  const NameCase cases[] = {
      {"qwen3-8b", true},
      {"Qwen2.5_7B-Instruct", true},
      {"8b", true},
      {std::string(128, 'm'), true},
      {"", false},
      {std::string(129, 'm'), false},
      {"-leading-dash", false},
      {".hidden", false},
      {"model/test", false},
      {"has space", false},
      {"emoji\xf0\x9f\x98\x80", false},
  };
  for (const NameCase& c : cases) {
    Status s = ValidateModelName(c.input);
    EXPECT_EQ(s.ok(), c.ok) << "model_name '" << c.input << "': " << s.ToString();
    if (!c.ok) {
      EXPECT_NE(s.message().find("model_name"), std::string::npos) << s.message();
    }
  }
}

TEST(NameHashTest, IsFirstEightHexOfSha256) {
  EXPECT_EQ(NameHash("llm-ws1", "qwen3-8b"), "a8bd92d8");
  EXPECT_EQ(NameHash("llm-ws1", "qwen3-8b"), Sha256Hex("llm-ws1/qwen3-8b").substr(0, 8));
  EXPECT_EQ(NameHash("", ""), Sha256Hex("/").substr(0, 8));
}

TEST(DeployedModelNameTest, Table) {
  const std::string h = NameHash("llm-ws1", "qwen3-8b");
  struct Case {
    Plan plan;
    std::string suffix;
    std::string want;
  };
  const Case cases[] = {
      {Plan::kMu, "", "qwen3-8b-" + h},  {Plan::kMu, "sample01", "qwen3-8b-" + h + "-sample01"},
      {Plan::kPtu, "", "qwen3-8b-" + h}, {Plan::kCu, "x", "qwen3-8b-" + h + "-x"},
      {Plan::kLora, "", "qwen3-8b"},     {Plan::kLora, "v2", "qwen3-8b-v2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DeployedModelName(c.plan, "llm-ws1", "qwen3-8b", c.suffix), c.want)
        << PlanName(c.plan) << " suffix '" << c.suffix << "'";
  }
}

TEST(DeployedModelNameTest, HashedNameShape) {
  std::string name = DeployedModelName(Plan::kMu, "llm-ws1", "qwen3-8b", "");
  ASSERT_EQ(name.size(), std::string("qwen3-8b-").size() + 8) << name;
  EXPECT_EQ(name.substr(0, 9), "qwen3-8b-");
  EXPECT_EQ(name.find_first_not_of("0123456789abcdef", 9), std::string::npos) << name;
}

TEST(DeployedModelNameTest, DeterministicPerWorkspace) {
  std::string first = DeployedModelName(Plan::kMu, "llm-ws1", "qwen3-8b", "");
  EXPECT_EQ(first, DeployedModelName(Plan::kMu, "llm-ws1", "qwen3-8b", ""));
  EXPECT_NE(first, DeployedModelName(Plan::kMu, "llm-ws2", "qwen3-8b", ""));
  // lora names do not depend on the workspace.
  EXPECT_EQ(DeployedModelName(Plan::kLora, "llm-ws1", "ft-1", ""),
            DeployedModelName(Plan::kLora, "llm-ws2", "ft-1", ""));
}

}  // namespace
}  // namespace berth
