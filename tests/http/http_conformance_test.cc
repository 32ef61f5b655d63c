// RFC 9112 points the server enforces before a handler sees a request: Host, transfer codings
// (chunked once and last, anything else 501), header size (431) and absolute-form targets.
// Table-driven over ParseRawRequest (the pure function the session's checks share), then the
// same requests against a real server.
#include <gtest/gtest.h>

#include <string>

#include "http/http_server.h"
#include "http/request_checks.h"
#include "http_test_util.h"

namespace berth {
namespace {

using testing::RoundTrip;
using testing::Start;
using testing::TestOptions;

struct Case {
  const char* name;
  std::string request;
  int status;  // 0: accepted
};

const std::string kChunkedBody = "5\r\nhello\r\n0\r\n\r\n";

std::vector<Case> Cases() {
  return {
      {"plain GET", "GET /x HTTP/1.1\r\nHost: t\r\n\r\n", 0},
      {"chunked",
       "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + kChunkedBody, 0},
      {"chunked, any case",
       "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ChunKed\r\n\r\n" + kChunkedBody, 0},
      {"chunked twice",
       "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" + kChunkedBody,
       400},
      {"chunked twice, two lines",
       "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
       "\r\n\r\n" +
           kChunkedBody,
       400},
      {"chunked not last",
       "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + kChunkedBody,
       400},
      {"only gzip", "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc", 400},
      {"gzip then chunked",
       "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + kChunkedBody,
       501},
      {"unknown coding",
       "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: x-custom, chunked\r\n\r\n" + kChunkedBody,
       501},
      {"empty coding", "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ,\r\n\r\n", 400},
      {"with Content-Length",
       "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" +
           kChunkedBody,
       400},
      {"HTTP/1.0 with coding",
       "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + kChunkedBody, 400},
      {"no Host", "GET /x HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"bad Host", "GET /x HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400},
      {"empty Host", "GET /x HTTP/1.1\r\nHost:\r\n\r\n", 0},
      {"HTTP/1.0 without Host", "GET /x HTTP/1.0\r\n\r\n", 0},
      {"header too large",
       "GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2048, 'h') + "\r\n\r\n", 431},
      {"body too large", "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", 413},
  };
}

HttpServerOptions SmallLimits() {
  HttpServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  options.max_body_bytes = 1024;
  return options;
}

TEST(HttpConformanceTest, ParseRawRequestAppliesTheRules) {
  for (const Case& c : Cases()) {
    RawParse parse = ParseRawRequest(c.request, SmallLimits());
    if (c.status == 0) {
      ASSERT_TRUE(parse.request.has_value()) << c.name;
      EXPECT_EQ(parse.consumed, c.request.size()) << c.name;
      if (c.request.starts_with("POST")) {
        EXPECT_EQ(parse.request->body, "hello") << c.name;
      }
    } else {
      ASSERT_TRUE(parse.rejection.has_value()) << c.name;
      EXPECT_EQ(parse.rejection->http_status, c.status) << c.name;
      EXPECT_FALSE(parse.rejection->status.ok()) << c.name;
    }
  }
}

TEST(HttpConformanceTest, ParseRawRequestWaitsForMoreBytes) {
  EXPECT_TRUE(ParseRawRequest("GET /x HTTP/1.1\r\nHost:", SmallLimits()).incomplete());
  EXPECT_TRUE(
      ParseRawRequest("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab", SmallLimits())
          .incomplete());
}

TEST(HttpConformanceTest, ServerAnswersEveryCaseAndKeepsServing) {
  auto server = Start(SmallLimits());
  ASSERT_NE(server, nullptr);
  for (const Case& c : Cases()) {
    auto response = RoundTrip(server->port(), c.request);
    ASSERT_TRUE(response) << c.name;
    const int expected = c.status != 0 ? c.status : c.request.starts_with("POST") ? 201 : 200;
    EXPECT_EQ(response->status, expected) << c.name << ": " << response->body;
    if (c.status == 431) {
      EXPECT_EQ(response->body, "{\"code\":\"INVALID_ARGUMENT\"}");
    }
    if (c.status != 0) {
      EXPECT_EQ(response->Header("Connection"), "close") << c.name;
    }
    if (expected == 201) {
      EXPECT_EQ(response->body, "hello") << c.name;
    }
  }
}

TEST(HttpConformanceTest, AbsoluteFormTargetIsRoutedByItsPath) {
  auto server = Start(TestOptions());
  ASSERT_NE(server, nullptr);
  const struct {
    const char* target;
    const char* path;
    const char* query;
  } targets[] = {
      {"http://127.0.0.1:8080/api/v1/deployments?page_no=2", "/api/v1/deployments", "page_no=2"},
      {"HTTP://Example.com/a/b", "/a/b", ""},
      {"http://example.com", "/", ""},
      {"http://example.com?x=1", "/", "x=1"},
      {"/plain?y", "/plain", "y"},
  };
  for (const auto& t : targets) {
    auto response =
        RoundTrip(server->port(), std::string("GET ") + t.target + " HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(response) << t.target;
    EXPECT_EQ(response->status, 200) << t.target;
    EXPECT_EQ(response->Header("X-Path"), t.path) << t.target;
    EXPECT_EQ(response->Header("X-Query"), t.query) << t.target;
    EXPECT_EQ(response->Header("X-Target"), t.target) << t.target;
  }
}

}  // namespace
}  // namespace berth
