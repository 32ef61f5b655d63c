// The API client's pure parts: base URLs, the error shapes a server answers, id encoding; and
// one real exchange against an address where nothing listens.
#include "cli/api_client.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

TEST(ParseBaseUrlTest, HostPortAndPath) {
  struct Case {
    const char* url;
    const char* host;
    int port;
    const char* path;
    const char* root;
  } cases[] = {
      {"http://127.0.0.1:8080/api/v1", "127.0.0.1", 8080, "/api/v1", ""},
      {"http://localhost/api/v1/", "localhost", 80, "/api/v1", ""},
      {"http://berth.internal:9000", "berth.internal", 9000, "", ""},
      {"http://[::1]:8080/prefix/api/v1", "::1", 8080, "/prefix/api/v1", "/prefix"},
  };
  for (const Case& c : cases) {
    StatusOr<BaseUrl> got = ParseBaseUrl(c.url);
    ASSERT_TRUE(got.ok()) << c.url << ": " << got.status().ToString();
    EXPECT_EQ(got->host, c.host) << c.url;
    EXPECT_EQ(got->port, c.port) << c.url;
    EXPECT_EQ(got->path, c.path) << c.url;
    EXPECT_EQ(got->RootPath(), c.root) << c.url;
  }
  EXPECT_EQ(ParseBaseUrl("http://127.0.0.1:8080/api/v1")->ToString(),
            "http://127.0.0.1:8080/api/v1");
}

TEST(ParseBaseUrlTest, HttpsSaysTlsIsNotSupported) {
  StatusOr<BaseUrl> got = ParseBaseUrl("https://dashscope.aliyuncs.com/api/v1");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(got.status().message().find("https is not supported"), std::string::npos);
}

TEST(ParseBaseUrlTest, RejectsWhatIsNotAUrl) {
  for (const char* url :
       {"", "127.0.0.1:8080", "ftp://x", "http://", "http://:80/api", "http://h:0",
        "http://h:65536", "http://h:8o", "http://u@h/api", "http://[::1/api"}) {
    StatusOr<BaseUrl> got = ParseBaseUrl(url);
    EXPECT_FALSE(got.ok()) << url;
  }
}

TEST(ErrorFromResponseTest, DashScopeShape) {
  Status s = ErrorFromResponse(
      401, R"({"request_id":"r-1","code":"InvalidApiKey","message":"Invalid API-key provided."})");
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "InvalidApiKey: Invalid API-key provided. (HTTP 401, request_id r-1)");
}

TEST(ErrorFromResponseTest, OpenAiShapeAndNonJson) {
  Status s = ErrorFromResponse(
      429, R"({"error":{"message":"slow down","type":"rate_limit","code":"Throttling"}})");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "Throttling: slow down (HTTP 429)");
  Status html = ErrorFromResponse(502, "<html>bad gateway</html>");
  EXPECT_EQ(html.code(), StatusCode::kUnavailable);
  EXPECT_EQ(html.message(), "HTTP502: <html>bad gateway</html> (HTTP 502)");
  EXPECT_EQ(ErrorFromResponse(404, "").code(), StatusCode::kNotFound);
}

TEST(EncodeSegmentTest, EscapesEverythingButUnreserved) {
  EXPECT_EQ(EncodeSegment("qwen3-8b-4d36ae3a"), "qwen3-8b-4d36ae3a");
  EXPECT_EQ(EncodeSegment("model/test"), "model%2Ftest");
  EXPECT_EQ(EncodeSegment("a b?c#"), "a%20b%3Fc%23");
}

TEST(ApiClientTest, RefusedConnectionNamesTheBaseUrl) {
  // Port 1 on loopback: nothing listens there in a test environment.
  ApiClient client(ApiClientOptions{*ParseBaseUrl("http://127.0.0.1:1/api/v1"), "sk-x", ""});
  StatusOr<Json> got = client.Get("/deployments");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("http://127.0.0.1:1/api/v1"), std::string::npos)
      << got.status().message();
  EXPECT_NE(got.status().message().find("refused"), std::string::npos) << got.status().message();
}

}  // namespace
}  // namespace berth::cli
