// SseParser: events split across arbitrary pieces, CRLF, multi-line data, stopping early.
#include "cli/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::cli {
namespace {

std::vector<std::string> FeedAll(const std::vector<std::string>& pieces) {
  SseParser parser;
  std::vector<std::string> events;
  for (const std::string& piece : pieces) {
    parser.Feed(piece, [&](const std::string& data) {
      events.push_back(data);
      return true;
    });
  }
  return events;
}

TEST(SseParserTest, EventsSplitAnywhere) {
  std::string stream = "data: {\"a\":1}\n\n: comment\nevent: x\ndata: [DONE]\n\n";
  std::vector<std::string> want = {"{\"a\":1}", "[DONE]"};
  EXPECT_EQ(FeedAll({stream}), want);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    EXPECT_EQ(FeedAll({stream.substr(0, cut), stream.substr(cut)}), want) << cut;
  }
}

TEST(SseParserTest, CrLfAndMultiLineDataAndNoSpace) {
  EXPECT_EQ(FeedAll({"data:one\r\ndata: two\r\n\r\n"}), std::vector<std::string>{"one\ntwo"});
}

TEST(SseParserTest, IncompleteEventIsHeldBack) {
  EXPECT_TRUE(FeedAll({"data: partial\n"}).empty());
}

TEST(SseParserTest, StopsWhenTheCallbackSaysSo) {
  SseParser parser;
  int calls = 0;
  bool more = parser.Feed("data: 1\n\ndata: 2\n\n", [&](const std::string&) {
    ++calls;
    return false;
  });
  EXPECT_FALSE(more);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace berth::cli
