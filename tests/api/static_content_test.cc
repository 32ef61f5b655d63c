// The static responses berth serves itself: the console's assets (gzip, ETag, CSP) and the
// embedded OpenAPI document, which must name every route the API server registers.
#include "api/static_content.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "api/api_server.h"
#include "api/console_assets.h"
#include "api/openapi_route.h"
#include "service/service_env.h"

namespace berth {
namespace {

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

HttpRequest Get(const std::string& path, HeaderList headers = {}) {
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  request.headers = std::move(headers);
  return request;
}

TEST(StaticContent, AcceptEncodingDecidesGzip) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("*, gzip;q=0"));
}

TEST(StaticContent, IfNoneMatchListsTheEtag) {
  EXPECT_TRUE(EtagMatches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(EtagMatches("*", "\"abc\""));
  EXPECT_FALSE(EtagMatches("\"abd\"", "\"abc\""));
  EXPECT_FALSE(EtagMatches("", "\"abc\""));
}

TEST(StaticContent, AnswersGzipEtagAndNotModified) {
  StaticContent html = StaticContent::Make("text/html; charset=utf-8", "<p>hi</p>", "GZ");
  HttpResponse plain = html.Answer(Get("/"));
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, "<p>hi</p>");
  EXPECT_EQ(HeaderOf(plain, "Content-Encoding"), "");
  EXPECT_EQ(HeaderOf(plain, "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(plain, "Content-Security-Policy"), kConsoleCsp);
  EXPECT_NE(std::string(kConsoleCsp).find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(std::string(kConsoleCsp).find("unsafe"), std::string::npos);

  HttpResponse gz = html.Answer(Get("/", {{"Accept-Encoding", "gzip, br"}}));
  EXPECT_EQ(gz.body, "GZ");
  EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(gz, "ETag"), HeaderOf(plain, "ETag"));
  EXPECT_EQ(HeaderOf(plain, "ETag").size(), 34u);

  HttpResponse same = html.Answer(Get("/", {{"If-None-Match", HeaderOf(plain, "ETag")}}));
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());

  StaticContent js = StaticContent::Make("text/javascript", "x()", "");
  HttpResponse script = js.Answer(Get("/assets/app.js", {{"Accept-Encoding", "gzip"}}));
  EXPECT_EQ(script.body, "x()");  // no compressed form: the plain one
  EXPECT_EQ(HeaderOf(script, "Content-Security-Policy"), "");
  EXPECT_NE(HeaderOf(script, "ETag"), HeaderOf(plain, "ETag"));
}

TEST(ConsoleAssets, ServesTheBuiltDirectoryFromMemory) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("berth-console-test-" + std::to_string(::getpid()));
  fs::create_directories(dir / "assets");
  std::ofstream(dir / "index.html") << "<html></html>";
  std::ofstream(dir / "assets" / "app.js") << "console.log(1)";
  std::ofstream(dir / "assets" / "app.js.gz") << "zipped";
  StatusOr<ConsoleAssets> assets = ConsoleAssets::Load(dir.string());
  ASSERT_TRUE(assets.ok()) << assets.status().message();
  EXPECT_TRUE(assets->built());
  EXPECT_EQ(assets->file_count(), 2u);
  fs::remove_all(dir);  // served from memory from now on

  HttpResponse index = assets->Answer(Get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<html></html>");
  HttpResponse js = assets->Answer(Get("/assets/app.js", {{"Accept-Encoding", "gzip"}}));
  EXPECT_EQ(js.body, "zipped");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(assets->Answer(Get("/assets/../index.html")).status, 404);
  EXPECT_EQ(assets->Answer(Get("/assets/nope.js")).status, 404);

  EXPECT_TRUE(ConsoleAssets::Serves(Get("/")));
  EXPECT_TRUE(ConsoleAssets::Serves(Get("/assets/app.css")));
  EXPECT_FALSE(ConsoleAssets::Serves(Get("/api/v1/deployments")));
  EXPECT_FALSE(ConsoleAssets::Serves(Get("/healthz")));
  HttpRequest post = Get("/");
  post.method = "POST";
  EXPECT_FALSE(ConsoleAssets::Serves(post));
}

TEST(ConsoleAssets, AMissingDirectorySaysHowToBuildIt) {
  StatusOr<ConsoleAssets> assets = ConsoleAssets::Load("/nonexistent/berth-console");
  ASSERT_TRUE(assets.ok());
  EXPECT_FALSE(assets->built());
  HttpResponse response = assets->Answer(Get("/"));
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("scripts/build-console.sh"), std::string::npos);
}

TEST(OpenApiDocument, IsOpenApi31WithSchemasAndErrors) {
  nlohmann::json doc = nlohmann::json::parse(EmbeddedOpenApiDocument());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  ASSERT_TRUE(doc["components"]["schemas"].contains("Deployment"));
  ASSERT_TRUE(doc["components"]["schemas"].contains("Error"));
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      EXPECT_TRUE(op["responses"].contains("200")) << method << " " << path;
      EXPECT_TRUE(op["responses"].contains("default")) << method << " " << path;
      EXPECT_TRUE(op.contains("operationId")) << method << " " << path;
    }
  }
}

// The document and the route table name the same operations, so neither can drift alone
// (responses are checked against the document by the integration suite's harness).
TEST(OpenApiDocument, NamesEveryRouteTheApiServerServes) {
  testing::ServiceEnv env;
  ASSERT_TRUE(env.Init().ok());
  ApiServer server(ApiDeps{env.auth.get(),
                           env.models.get(),
                           env.deployments.get(),
                           env.billing.get(),
                           env.admin.get(),
                           "cn-beijing",
                           {},
                           &env.clock},
                   1);
  nlohmann::json doc = nlohmann::json::parse(EmbeddedOpenApiDocument());
  std::set<std::string> served;
  for (const auto& [method, pattern] : server.Routes()) {
    std::string lower;
    for (char c : method) lower.push_back(static_cast<char>(std::tolower(c)));
    served.insert(lower + " " + pattern);
    EXPECT_TRUE(doc["paths"].contains(pattern) && doc["paths"][pattern].contains(lower))
        << method << " " << pattern << " is served but not in data/openapi.json";
  }
  for (const auto& [path, item] : doc["paths"].items()) {
    if (path.starts_with("/compatible-mode/") || path.starts_with("/api/v1/services/") ||
        path == "/" || path == "/index.html" || path.starts_with("/assets/")) {
      continue;  // the gateway's routes (src/gateway) and the console's files (ConsoleAssets)
    }
    for (const auto& [method, op] : item.items()) {
      EXPECT_TRUE(served.count(method + " " + path))
          << method << " " << path << " is in data/openapi.json but not served";
    }
  }
}

}  // namespace
}  // namespace berth
