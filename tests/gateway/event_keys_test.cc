#include "gateway/event_keys.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "gateway/engine_answers.h"
#include "gateway/usage_scan.h"

namespace berth {
namespace {

TEST(EventKeysTest, NamesWhatAnEventMentions) {
  struct Case {
    std::string event;
    bool error, reasoning, usage, content;
  };
  const Case cases[] = {
      {R"({"choices":[{"delta":{"content":"Hi"}}]})", false, false, false, true},
      {R"({"choices":[{"delta":{"content":""}}]})", false, false, false, false},
      {R"({"choices":[{"delta":{"role":"assistant","content":null}}]})", false, false, false,
       false},
      {R"({"choices":[{"delta":{"reasoning_content":"so"}}]})", false, false, false, true},
      {R"({"choices":[{"text":"x"}]})", false, false, false, true},
      {R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})", false, false, true,
       false},
      {R"({"choices":[{"delta":{"content":"a"}}],"usage":null})", false, false, false, true},
      {R"({"usage" : {"prompt_tokens":1}})", false, false, true, false},
      {R"({"object":"error","message":"boom","code":500})", true, false, false, false},
      {R"({"error":{"message":"boom"}})", true, false, false, false},
      {R"({"choices":[{"delta":{"reasoning":"hmm"}}]})", false, true, false, false},
      // Inside a string, the names are text, not keys: escaped quotes do not end the string.
      {R"({"choices":[{"delta":{"content":"say \"usage\": \"error\" \\"}}]})", false, false, false,
       true},
      // Text the scan cannot read to its end: everything is checked.
      {R"({"choices":[{"delta":{"content":"open)", true, true, true, true},
  };
  for (const Case& c : cases) {
    EventKeys keys = ScanEventKeys(c.event);
    EXPECT_EQ(keys.error, c.error) << c.event;
    EXPECT_EQ(keys.reasoning, c.reasoning) << c.event;
    EXPECT_EQ(keys.usage, c.usage) << c.event;
    EXPECT_EQ(keys.content, c.content) << c.event;
  }
}

// Random events, serialized as engines do: a flag is never missing where the full check
// (EngineStreamError, DashScopeReasoning, ScanUsage) finds something, and `content` says
// exactly whether a content key holds a non-empty string.
class RandomEvents {
 public:
  explicit RandomEvents(unsigned seed) : random_(seed) {}

  // An object of random members, often shaped as a stream event: choices with a delta (with
  // vLLM's reasoning at times) and a usage count.
  nlohmann::json Event() {
    nlohmann::json event = Object(1);
    if (Pick(2) == 0) {
      nlohmann::json delta = Object(2);
      if (Pick(2) == 0) delta["reasoning"] = Value(3);
      event["choices"] = nlohmann::json::array({{{"delta", delta}}});
    }
    if (Pick(3) == 0) {
      event["usage"] = Object(2);
      event["usage"]["prompt_tokens"] = Pick(50);
      event["usage"]["completion_tokens"] = Pick(50);
    }
    return event;
  }

  nlohmann::json Object(int depth) {
    nlohmann::json object = nlohmann::json::object();
    const int members = Pick(4);
    for (int i = 0; i < members; ++i) object[Key()] = Value(depth + 1);
    return object;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  std::string Key() {
    static const char* kKeys[] = {
        "content",          "reasoning_content", "text",  "usage",   "error", "reasoning",
        "object",           "choices",           "delta", "message", "role",  "prompt_tokens",
        "completion_tokens"};
    return kKeys[Pick(13)];
  }
  std::string Text() {
    static const char* kTexts[] = {"", "x", "error", "usage", "\"content\":\"", "a\\\"b", "\\"};
    return kTexts[Pick(7)];
  }
  nlohmann::json Value(int depth) {
    switch (depth > 3 ? Pick(4) : Pick(6)) {
      case 0:
        return Text();
      case 1:
        return Pick(100);
      case 2:
        return nullptr;
      case 3:
        return true;
      case 4:
        return Object(depth);
      default:
        return nlohmann::json::array({Object(depth), Value(depth + 1)});
    }
  }
  std::mt19937 random_;
};

bool HasContent(const nlohmann::json& j) {
  if (j.is_array()) {
    for (const auto& v : j) {
      if (HasContent(v)) return true;
    }
  }
  if (!j.is_object()) return false;
  for (const auto& [key, value] : j.items()) {
    if ((key == "content" || key == "reasoning_content" || key == "text") && value.is_string() &&
        !value.get<std::string>().empty()) {
      return true;
    }
    if (HasContent(value)) return true;
  }
  return false;
}

TEST(EventKeysTest, NeverMissesWhatTheFullChecksFind) {
  RandomEvents events(7);
  int errors = 0, renamed = 0, usages = 0, contents = 0;  // how often each check found something
  for (int i = 0; i < 20000; ++i) {
    const nlohmann::json event = events.Event();
    const std::string text = event.dump();
    const EventKeys keys = ScanEventKeys(text);
    const bool error = EngineStreamError(text).has_value();
    const bool reasoning = DashScopeReasoning(text).has_value();
    const bool usage = ScanUsage(text).has_value();
    EXPECT_TRUE(keys.error || !error) << text;
    EXPECT_TRUE(keys.reasoning || !reasoning) << text;
    EXPECT_TRUE(keys.usage || !usage) << text;
    EXPECT_EQ(keys.content, HasContent(event)) << text;
    errors += error;
    renamed += reasoning;
    usages += usage;
    contents += keys.content;
  }
  EXPECT_GT(errors, 100);
  EXPECT_GT(renamed, 100);
  EXPECT_GT(usages, 100);
  EXPECT_GT(contents, 100);
}

}  // namespace
}  // namespace berth
