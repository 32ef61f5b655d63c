// RequestParser: a request parsed straight into the HttpRequest a handler gets: fields in the
// order received (repeated names too), the target split into path and query, bodies of both
// framings, and the server's limits.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace berth::http_internal {
namespace {

// Feeds `bytes` to `parser` until it is done or stops; returns the last error.
error_code ParseAll(RequestParser& parser, std::string_view bytes) {
  parser.eager(true);
  error_code ec;
  while (!bytes.empty() && !parser.is_done()) {
    const size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec && ec != http::error::need_more) return ec;
    if (used == 0) break;
    bytes.remove_prefix(used);
  }
  return ec;
}

TEST(RequestParserTest, FieldsKeepTheOrderTheyCameIn) {
  HttpServerOptions options;
  RequestParser parser(options);
  ASSERT_FALSE(ParseAll(parser,
                        "GET /a?b=1&c HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nAccept: */*\r\n"
                        "x-a: 2\r\n\r\n"));
  ASSERT_TRUE(parser.is_done());
  EXPECT_FALSE(parser.is_head());
  EXPECT_EQ(parser.version(), 11u);
  EXPECT_TRUE(parser.keep_alive());
  HttpRequest request = parser.Release("peer");
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/a?b=1&c");
  EXPECT_EQ(request.path, "/a");
  EXPECT_EQ(request.query, "b=1&c");
  const HeaderList want = {{"Host", "h"}, {"X-A", "1"}, {"Accept", "*/*"}, {"x-a", "2"}};
  EXPECT_EQ(request.headers, want);
  EXPECT_EQ(request.Header("X-A"), "1");
  EXPECT_EQ(request.remote_address, "peer");
}

TEST(RequestParserTest, BodiesOfBothFramingsArriveWhole) {
  HttpServerOptions options;
  RequestParser sized(options);
  ASSERT_FALSE(ParseAll(sized, "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"));
  EXPECT_EQ(sized.Release("").body, "hello");
  RequestParser chunked(options);
  ASSERT_FALSE(ParseAll(chunked,
                        "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "3\r\nhel\r\n2;ext=1\r\nlo\r\n0\r\n\r\n"));
  ASSERT_TRUE(chunked.is_done());
  EXPECT_EQ(chunked.Release("").body, "hello");
}

TEST(RequestParserTest, HeadAndHttp10AreReported) {
  HttpServerOptions options;
  RequestParser parser(options);
  ASSERT_FALSE(ParseAll(parser, "HEAD / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(parser.is_head());
  EXPECT_EQ(parser.version(), 10u);
  EXPECT_FALSE(parser.keep_alive());
}

TEST(RequestParserTest, TheServersLimitsApply) {
  HttpServerOptions options;
  options.max_body_bytes = 4;
  options.max_header_bytes = 64;
  RequestParser body(options);
  EXPECT_EQ(ParseAll(body, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"),
            http::error::body_limit);
  RequestParser head(options);
  EXPECT_EQ(
      ParseAll(head, "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(100, 'x') + "\r\n\r\n"),
      http::error::header_limit);
}

TEST(SplitTargetTest, OriginAndAbsoluteForms) {
  struct Case {
    std::string_view target, path, query;
  };
  for (const Case& c : {Case{"/a/b?x=1?y", "/a/b", "x=1?y"}, Case{"/", "/", ""},
                        Case{"http://host:8080/v1/x?q", "/v1/x", "q"},
                        Case{"http://host:8080", "/", ""}, Case{"http://host?q=1", "/", "q=1"},
                        Case{"h t://x/y", "h t://x/y", ""}, Case{"*", "*", ""}}) {
    std::string path = "stale", query = "stale";
    SplitTarget(c.target, path, query);
    EXPECT_EQ(path, c.path) << c.target;
    EXPECT_EQ(query, c.query) << c.target;
  }
}

}  // namespace
}  // namespace berth::http_internal
