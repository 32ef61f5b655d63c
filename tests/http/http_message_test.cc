// SerializeResponse against Beast: the head and body the session writes itself must be the bytes
// Beast's serializer writes for ToBeastResponse's message, for every framing and header edge.
#include "http/http_message.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace berth::http_internal {
namespace {

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

TEST(HttpMessageTest, SerializedResponsesAreWhatBeastWrites) {
  const std::vector<HttpResponse> responses = {
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
  const std::vector<ResponseFraming> framings = {
      {11, true, false},  {11, false, false}, {10, true, false},
      {10, false, false}, {11, true, true},   {10, false, true},
  };
  for (const HttpResponse& response : responses) {
    for (const ResponseFraming& framing : framings) {
      SCOPED_TRACE(std::to_string(response.status) + " v" + std::to_string(framing.version) +
                   (framing.keep_alive ? " keep-alive" : " close") + (framing.head ? " HEAD" : ""));
      EXPECT_EQ(BySerializer(response, framing), ByBeast(response, framing));
    }
  }
}

}  // namespace
}  // namespace berth::http_internal
