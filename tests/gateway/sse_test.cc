#include "gateway/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth {
namespace {

std::vector<std::string> FeedAll(SseSplitter& splitter, const std::vector<std::string>& pieces) {
  std::vector<std::string> events;
  for (const std::string& piece : pieces) {
    for (std::string& event : splitter.Feed(piece)) events.push_back(std::move(event));
  }
  return events;
}

struct SplitCase {
  const char* what;
  std::string stream;
  std::vector<std::string> events;
  std::string rest;
};

const std::vector<SplitCase>& SplitCases() {
  static const std::vector<SplitCase> cases = {
      {"lf", "data: a\n\ndata: b\n\n", {"data: a\n\n", "data: b\n\n"}, ""},
      {"crlf", "data: a\r\n\r\ndata: b\r\n\r\n", {"data: a\r\n\r\n", "data: b\r\n\r\n"}, ""},
      {"mixed", "data: a\r\n\ndata: b\n\r\n", {"data: a\r\n\n", "data: b\n\r\n"}, ""},
      {"multi-line event",
       "id:1\nevent:result\n:HTTP_STATUS/200\ndata:{}\n\n",
       {"id:1\nevent:result\n:HTTP_STATUS/200\ndata:{}\n\n"},
       ""},
      {"stray blank lines dropped", "\n\r\ndata: a\n\n\n", {"data: a\n\n"}, ""},
      {"incomplete tail", "data: a\n\ndata: [DONE]\n", {"data: a\n\n"}, "data: [DONE]\n"},
      {"nothing complete", "data: partial", {}, "data: partial"},
  };
  return cases;
}

TEST(SseSplitterTest, SplitsWholeStreams) {
  for (const SplitCase& c : SplitCases()) {
    SseSplitter splitter;
    EXPECT_EQ(FeedAll(splitter, {c.stream}), c.events) << c.what;
    EXPECT_EQ(splitter.Rest(), c.rest) << c.what;
    EXPECT_EQ(splitter.Rest(), "") << c.what;
  }
}

TEST(SseSplitterTest, SplitsTheSameAtEveryByteBoundary) {
  for (const SplitCase& c : SplitCases()) {
    for (size_t cut = 0; cut <= c.stream.size(); ++cut) {
      SseSplitter splitter;
      EXPECT_EQ(FeedAll(splitter, {c.stream.substr(0, cut), c.stream.substr(cut)}), c.events)
          << c.what << " cut at " << cut;
      EXPECT_EQ(splitter.Rest(), c.rest) << c.what << " cut at " << cut;
    }
  }
}

TEST(SseSplitterTest, SplitsTheSameFedOneByteAtATime) {
  for (const SplitCase& c : SplitCases()) {
    std::vector<std::string> bytes;
    for (char ch : c.stream) bytes.emplace_back(1, ch);
    SseSplitter splitter;
    EXPECT_EQ(FeedAll(splitter, bytes), c.events) << c.what;
    EXPECT_EQ(splitter.Rest(), c.rest) << c.what;
  }
}

TEST(SseSplitterTest, KeepsWorkingAfterRest) {
  SseSplitter splitter;
  EXPECT_TRUE(splitter.Feed("data: x").empty());
  EXPECT_EQ(splitter.Rest(), "data: x");
  EXPECT_EQ(splitter.Feed("data: y\n\n"), std::vector<std::string>{"data: y\n\n"});
}

TEST(SseDataTest, ReadsTheDataPayload) {
  struct Case {
    const char* event;
    std::optional<std::string> data;
  };
  const Case cases[] = {
      {"data: {\"a\":1}\n\n", "{\"a\":1}"},
      {"data:{\"a\":1}\n\n", "{\"a\":1}"},
      {"data:  two spaces\n\n", " two spaces"},
      {"data: [DONE]\r\n\r\n", "[DONE]"},
      {"id:3\nevent:result\n:HTTP_STATUS/200\ndata:{}\n\n", "{}"},
      {"data: first\ndata: second\n\n", "first\nsecond"},
      {"data:\n\n", ""},
      {": comment only\n\n", std::nullopt},
      {"event:ping\n\n", std::nullopt},
      {"data: no line end", "no line end"},
  };
  for (const Case& c : cases) EXPECT_EQ(SseData(c.event), c.data) << c.event;
}

}  // namespace
}  // namespace berth
