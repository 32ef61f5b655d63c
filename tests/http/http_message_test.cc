// SerializeResponse and SerializeStreamHead against Beast: the heads and bodies the session writes
// itself must be the bytes Beast's serializer writes for the same messages built the Beast way,
// for every framing and header edge. And FormatEndpoint, the peer address a request carries.
#include "http/http_message.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace berth::http_internal {
namespace {

// The reference: the same response built as a Beast message (status, Server, Content-Type, the
// handler's headers that pass berth's rules, keep-alive, then the body's framing), for Beast's
// serializer to write.
void FillHead(const HttpResponse& response, unsigned version, http::response_header<>& out) {
  out.version(version);
  const bool valid = response.status >= 100 && response.status <= 599;
  out.result(static_cast<unsigned>(valid ? response.status : 500));
  out.set(http::field::server, "berth");
  if (!response.content_type.empty() && IsSafeHeader("Content-Type", response.content_type)) {
    out.set(http::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    if (IsManagedHeader(name) || !IsSafeHeader(name, value)) continue;
    if (EqualsIgnoreCase(name, "Content-Type")) {
      out.set(http::field::content_type, value);
    } else {
      out.insert(name, value);
    }
  }
}

BeastResponse ToBeastResponse(HttpResponse response, const ResponseFraming& framing) {
  BeastResponse out;
  FillHead(response, framing.version, out);
  out.keep_alive(framing.keep_alive);
  if (StatusForbidsBody(out.result_int())) return out;
  out.body() = std::move(response.body);
  out.content_length(out.body().size());
  if (framing.head) out.body().clear();
  return out;
}

// A streamed response's head as a Beast message, and its body's framing.
struct StreamHead {
  http::response<http::empty_body> message;
  bool has_body = false;
  bool chunked = false;
};

StreamHead ToStreamHead(const HttpResponse& response, const ResponseFraming& framing) {
  StreamHead head;
  FillHead(response, framing.version, head.message);
  const bool forbids_body = StatusForbidsBody(head.message.result_int());
  head.has_body = !forbids_body && !framing.head;
  head.chunked = !forbids_body && framing.version == 11;
  // Without chunked encoding only the end of the connection can end the body.
  head.message.keep_alive(framing.keep_alive && (head.chunked || !head.has_body));
  if (head.chunked) head.message.chunked(true);
  return head;
}

std::string ByBeast(HttpResponse response, const ResponseFraming& framing) {
  std::ostringstream out;
  out << ToBeastResponse(std::move(response), framing);
  return out.str();
}

std::string BySerializer(HttpResponse response, const ResponseFraming& framing) {
  std::string head = "stale bytes from the last response";
  std::string body;
  SerializeResponse(response, framing, head, body);
  return head + body;
}

HttpResponse Response(int status, std::string body, HeaderList headers = {},
                      std::string content_type = "application/json") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  response.content_type = std::move(content_type);
  return response;
}

// Every header edge: repeated and misplaced Content-Type, managed and unsafe headers, statuses
// without a body, an invalid status, a large body.
std::vector<HttpResponse> Responses() {
  return {
      Response(200, R"({"ok":true})"),
      Response(200, "", {}, ""),
      Response(404, "not here", {{"X-Request-Id", "abc"}, {"x-custom", "1"}}),
      Response(429, "slow down", {{"Retry-After", "3"}, {"X-Request-Id", "r"}}),
      Response(200, "text", {{"content-type", "text/plain"}, {"X-A", "b"}}),
      Response(200, "x",
               {{"X-A", "1"},
                {"Content-Type", "a/b"},
                {"X-B", "2"},
                {"CONTENT-TYPE", "c/d"},
                {"X-C", "3"}}),
      Response(200, "x",
               {{"Content-Length", "99"},
                {"Connection", "keep-alive"},
                {"Transfer-Encoding", "chunked"},
                {"Server", "evil"}}),
      Response(200, "x", {{"Bad Name", "v"}, {"X-Evil", "a\r\nInjected: 1"}, {"", "v"}}),
      Response(200, "x", {}, "text/html\r\nX: y"),
      Response(204, "ignored"),
      Response(304, "ignored", {{"ETag", "\"1\""}}),
      Response(101, ""),
      Response(999, "invalid status becomes 500"),
      Response(599, "the last valid status"),
      Response(503, std::string(100000, 'z'), {{"Retry-After", "1"}}),
  };
}

std::vector<ResponseFraming> Framings() {
  return {
      {11, true, false},  {11, false, false}, {10, true, false},
      {10, false, false}, {11, true, true},   {10, false, true},
  };
}

TEST(HttpMessageTest, SerializedResponsesAreWhatBeastWrites) {
  for (const HttpResponse& response : Responses()) {
    for (const ResponseFraming& framing : Framings()) {
      SCOPED_TRACE(std::to_string(response.status) + " v" + std::to_string(framing.version) +
                   (framing.keep_alive ? " keep-alive" : " close") + (framing.head ? " HEAD" : ""));
      EXPECT_EQ(BySerializer(response, framing), ByBeast(response, framing));
    }
  }
}

// The upstream client's Beast message, built as it builds it.
std::string UpstreamByBeast(const std::string& method, const std::string& target,
                            const std::string& host, const HeaderList& headers,
                            const std::string& body) {
  const http::verb verb = http::string_to_verb(method);
  BeastRequest request{verb == http::verb::unknown ? http::verb::post : verb, target, 11};
  request.set(http::field::host, host);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.keep_alive(true);
  request.prepare_payload();
  std::ostringstream out;
  out << request.base();
  return out.str();
}

TEST(HttpMessageTest, UpstreamHeadsAreWhatBeastWrites) {
  struct Case {
    std::string method;
    HeaderList headers;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"POST", {{"Content-Type", "application/json"}, {"X-Request-Id", "id-1"}}, R"({"a":1})"},
      {"POST", {}, ""},
      {"GET", {{"Authorization", "Bearer k"}}, ""},
      {"GET", {}, "a body"},
      {"DELETE", {}, ""},
      {"PUT", {}, ""},
      {"OPTIONS", {}, ""},
      {"PATCH", {{"X-A", "1"}}, "x"},
      {"BREW", {{"x-lower", "v"}}, "coffee"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + std::to_string(c.headers.size()) + " " + c.body);
    std::string head = "stale";
    ASSERT_TRUE(SerializeUpstreamHead(c.method, "/v1/x?y=1", "127.0.0.1:8000", c.headers,
                                      c.body.size(), head));
    EXPECT_EQ(head, UpstreamByBeast(c.method, "/v1/x?y=1", "127.0.0.1:8000", c.headers, c.body));
  }
  std::string head;
  for (const HeaderList& unusual : std::vector<HeaderList>{{{"Host", "h"}},
                                                           {{"content-length", "1"}},
                                                           {{"Connection", "close"}},
                                                           {{"Transfer-Encoding", "chunked"}},
                                                           {{"X-A", "1"}, {"x-a", "2"}},
                                                           {{"X-A", "1\r\nX-B: 2"}}}) {
    EXPECT_FALSE(SerializeUpstreamHead("POST", "/", "h:1", unusual, 0, head));
  }
}

}  // namespace
}  // namespace berth::http_internal

namespace berth::http_internal {
namespace {

TEST(HttpMessageTest, AStreamHeadIsItsHeaderAsBeastWritesIt) {
  for (const HttpResponse& response : Responses()) {
    for (const ResponseFraming& framing : Framings()) {
      SCOPED_TRACE(std::to_string(response.status) + " v" + std::to_string(framing.version) +
                   (framing.keep_alive ? " keep-alive" : " close") + (framing.head ? " HEAD" : ""));
      StreamHead beast_head = ToStreamHead(response, framing);
      std::ostringstream beast;
      beast << beast_head.message.base();
      std::string ours = "stale bytes";
      const StreamFraming ours_framing = SerializeStreamHead(response, framing, ours);
      EXPECT_EQ(ours, beast.str());
      EXPECT_EQ(ours_framing.has_body, beast_head.has_body);
      EXPECT_EQ(ours_framing.chunked, beast_head.chunked);
      EXPECT_EQ(ours_framing.keep_alive, beast_head.message.keep_alive());
      EXPECT_EQ(ours.find("0\r\n\r\n"), std::string::npos) << "no last chunk in a head";
    }
  }
}

TEST(FormatEndpointTest, WritesAddressAndPort) {
  const auto v4 = [](const char* ip, unsigned short port) {
    return FormatEndpoint(tcp::endpoint(asio::ip::make_address(ip), port));
  };
  EXPECT_EQ(v4("127.0.0.1", 54321), "127.0.0.1:54321");
  EXPECT_EQ(v4("0.0.0.0", 0), "0.0.0.0:0");
  EXPECT_EQ(v4("255.255.255.255", 65535), "255.255.255.255:65535");
  EXPECT_EQ(v4("10.20.0.3", 80), "10.20.0.3:80");
  EXPECT_EQ(FormatEndpoint(tcp::endpoint(asio::ip::make_address("::1"), 8000)), "[::1]:8000");
  EXPECT_EQ(FormatEndpoint(tcp::endpoint(asio::ip::make_address("fe80::1:2"), 443)),
            "[fe80::1:2]:443");
}

}  // namespace
}  // namespace berth::http_internal
