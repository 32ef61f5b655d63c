// AnswerParser: an engine's answer parsed into the caller's field list and body buffer, with
// Beast's framing: fields reused from answer to answer, the body bounded by the buffer given,
// chunked and end-of-stream bodies, and keep-alive as the answer's framing allows it.
#include "http/answer_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace berth::http_internal {
namespace {

// Feeds `bytes` whole; returns what was consumed (ec: the parser's last word).
size_t Put(AnswerParser& parser, std::string_view bytes, error_code& ec) {
  return parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
}

// A parser reading an answer into its own field list and a 64-byte body buffer.
struct Reading {
  Reading() { parser.SetBodyBuffer(body, sizeof body); }
  std::string Body() const { return std::string(body, sizeof body - parser.body_space()); }

  HeaderList fields;
  AnswerParser parser{fields};
  char body[64];
};

TEST(AnswerParserTest, TheHeadGoesIntoTheCallersListAndTheBodyIntoItsBuffer) {
  Reading r;
  AnswerParser& parser = r.parser;
  error_code ec;
  const std::string answer =
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Engine: sim\r\n"
      "Content-Length: 7\r\n\r\n{\"a\":1}";
  size_t used = Put(parser, answer, ec);
  ASSERT_FALSE(ec) << ec.message();
  used += Put(parser, std::string_view(answer).substr(used), ec);  // the head, then the body
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, answer.size());
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.status(), 201);
  const HeaderList want = {
      {"Content-Type", "application/json"}, {"X-Engine", "sim"}, {"Content-Length", "7"}};
  EXPECT_EQ(r.fields, want);
  EXPECT_EQ(r.Body(), "{\"a\":1}");
  EXPECT_TRUE(parser.keep_alive());
}

TEST(AnswerParserTest, ANewHeadReplacesTheFieldsOfTheLast) {
  HeaderList fields = {{"Old", "1"}, {"Older", "2"}, {"Oldest", "3"}};
  AnswerParser parser(fields);
  error_code ec;
  Put(parser, "HTTP/1.1 204 No Content\r\nServer: e\r\n\r\n", ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(fields, (HeaderList{{"Server", "e"}}));
  EXPECT_TRUE(parser.is_done());
}

// A head that arrives in two reads, the second completing on another thread: its fields go to
// the list given for the put that completes it, and the first list is left alone.
TEST(AnswerParserTest, TheHeadGoesToTheListOfThePutThatCompletesIt) {
  HeaderList first = {{"Other", "call"}};
  HeaderList second;
  AnswerParser parser(first);
  error_code ec;
  const std::string_view head = "HTTP/1.1 200 OK\r\nX-Call: 7\r\nContent-Length: 0\r\n\r\n";
  const size_t used = Put(parser, head.substr(0, 28), ec);  // the status line and half a field
  EXPECT_EQ(ec, http::error::need_more);
  EXPECT_EQ(first, (HeaderList{{"Other", "call"}}));  // no field parsed before all are here
  parser.SetFields(second);
  ec = {};
  Put(parser, head.substr(used), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_header_done());
  const HeaderList want = {{"X-Call", "7"}, {"Content-Length", "0"}};
  EXPECT_EQ(second, want);
  EXPECT_EQ(&parser.fields(), &second);
  EXPECT_EQ(first, (HeaderList{{"Other", "call"}}));
}

TEST(AnswerParserTest, ABodyLargerThanTheBufferWaitsForTheNext) {
  HeaderList fields;
  AnswerParser parser(fields);
  parser.eager(true);
  char body[4];
  parser.SetBodyBuffer(body, sizeof body);
  error_code ec;
  const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  size_t used = Put(parser, answer, ec);
  EXPECT_EQ(ec, http::error::need_buffer);
  EXPECT_EQ(parser.body_space(), 0u);
  EXPECT_EQ(std::string(body, 4), "0123");
  std::string rest;
  while (!parser.is_done()) {
    parser.SetBodyBuffer(body, sizeof body);
    ec = {};
    used += Put(parser, std::string_view(answer).substr(used), ec);
    ASSERT_TRUE(!ec || ec == http::error::need_buffer) << ec.message();
    rest.append(body, sizeof body - parser.body_space());
  }
  EXPECT_EQ(rest, "456789");
  EXPECT_EQ(used, answer.size());
}

TEST(AnswerParserTest, AChunkedBodyArrivesWithoutItsFraming) {
  Reading r;
  AnswerParser& parser = r.parser;
  parser.eager(true);
  error_code ec;
  const std::string answer =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\ndata:\r\n3\r\n x\n\r\n0\r\n\r\n";
  size_t used = 0;
  while (!parser.is_done() && used < answer.size()) {
    ec = {};
    const size_t n = Put(parser, std::string_view(answer).substr(used), ec);
    ASSERT_TRUE(!ec || ec == http::error::need_more) << ec.message();
    if (n == 0) break;
    used += n;
  }
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(r.Body(), "data: x\n");
  EXPECT_TRUE(parser.keep_alive());
}

TEST(AnswerParserTest, ABodyTheEndOfTheStreamFramesIsNotKeptAlive) {
  Reading r;
  AnswerParser& parser = r.parser;
  error_code ec;
  const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it";
  size_t used = Put(parser, answer, ec);
  ASSERT_FALSE(ec) << ec.message();
  used += Put(parser, std::string_view(answer).substr(used), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_FALSE(parser.is_done());
  parser.put_eof(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(r.Body(), "all of it");
  EXPECT_FALSE(parser.keep_alive());
}

TEST(AnswerParserTest, AnHttp10AnswerIsKeptAliveOnlyWhenItSaysSo) {
  for (const auto& [connection, kept] :
       {std::pair<std::string, bool>{"", false}, {"Connection: keep-alive\r\n", true}}) {
    HeaderList fields;
    AnswerParser parser(fields);
    error_code ec;
    Put(parser, "HTTP/1.0 200 OK\r\n" + connection + "Content-Length: 0\r\n\r\n", ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(parser.keep_alive(), kept) << connection;
  }
}

TEST(AnswerParserTest, AMalformedHeadIsBeastsError) {
  HeaderList fields;
  AnswerParser parser(fields);
  error_code ec;
  Put(parser, "HTTP/1.1 2x0 OK\r\n\r\n", ec);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, http::error::need_more);
}

}  // namespace
}  // namespace berth::http_internal
