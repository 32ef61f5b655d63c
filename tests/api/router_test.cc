#include "api/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth {
namespace {

using Segments = std::vector<std::string>;

Segments Path(const std::string& path) {
  StatusOr<Segments> segments = DecodePathSegments(path);
  EXPECT_TRUE(segments.ok()) << path << ": " << segments.status().ToString();
  return segments.ok() ? *segments : Segments{};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The capture route comes first, so specificity, not order, must pick "models".
    get_id_ = router_.Add("GET", "/api/v1/deployments/{id}");
    delete_id_ = router_.Add("DELETE", "/api/v1/deployments/{id}");
    get_models_ = router_.Add("GET", "/api/v1/deployments/models");
    list_ = router_.Add("GET", "/api/v1/deployments");
    create_ = router_.Add("POST", "/api/v1/deployments");
    scale_ = router_.Add("PUT", "/api/v1/deployments/{id}/scale");
  }

  StatusOr<RouteMatch> Match(const std::string& method, const std::string& path) {
    return router_.Match(method, Path(path));
  }

  Router router_;
  int get_id_, delete_id_, get_models_, list_, create_, scale_;
};

TEST_F(RouterTest, MatchesRoutesAndCaptures) {
  struct Case {
    std::string method, path;
    int* route;
    Segments params;
  };
  const Case cases[] = {
      {"GET", "/api/v1/deployments", &list_, {}},
      {"POST", "/api/v1/deployments", &create_, {}},
      {"GET", "/api/v1/deployments/models", &get_models_, {}},
      {"GET", "/api/v1/deployments/qwen-plus-1a2b3c4d", &get_id_, {"qwen-plus-1a2b3c4d"}},
      {"DELETE", "/api/v1/deployments/x", &delete_id_, {"x"}},
      {"PUT", "/api/v1/deployments/x/scale", &scale_, {"x"}},
      {"GET", "/api/v1/deployments/", &list_, {}},  // a trailing slash is the same resource
      {"PUT", "/api/v1/deployments/x/scale/", &scale_, {"x"}},
      {"GET", "/api/v1/deployments/model%2Ftest", &get_id_, {"model/test"}},
      {"GET", "/api/v1/deployments/a%20b+c", &get_id_, {"a b+c"}},  // '+' is literal in paths
  };
  for (const Case& c : cases) {
    StatusOr<RouteMatch> m = Match(c.method, c.path);
    ASSERT_TRUE(m.ok()) << c.method << " " << c.path << ": " << m.status().ToString();
    EXPECT_EQ(m->route_index, *c.route) << c.path;
    EXPECT_EQ(m->params, c.params) << c.path;
  }
  EXPECT_EQ(router_.Pattern(get_id_), "/api/v1/deployments/{id}");
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  const std::string paths[] = {"/",
                               "/api/v1",
                               "/api/v1/nothing",
                               "/api/v1/deployments/x/y",
                               "/api/v1/deployments/x/scale/more",
                               "/api/v1/deployments//scale"};
  for (const std::string& path : paths) {
    EXPECT_EQ(Match("GET", path).status().code(), StatusCode::kNotFound) << path;
  }
}

TEST_F(RouterTest, WrongMethodListsAllowedMethods) {
  StatusOr<RouteMatch> m = Match("POST", "/api/v1/deployments/x");
  EXPECT_EQ(m.status(), Status(StatusCode::kMethodNotAllowed,
                               "method POST is not allowed here; allowed: GET, DELETE"));
  // The static route decides for its path: DELETE is not allowed on /models.
  m = Match("DELETE", "/api/v1/deployments/models");
  EXPECT_EQ(m.status(), Status(StatusCode::kMethodNotAllowed,
                               "method DELETE is not allowed here; allowed: GET"));
  m = Match("PATCH", "/api/v1/deployments");
  EXPECT_EQ(m.status().message(), "method PATCH is not allowed here; allowed: GET, POST");
}

TEST(DecodePathSegmentsTest, Table) {
  struct Case {
    std::string path;
    Segments segments;
  };
  const Case cases[] = {
      {"/a/b", {"a", "b"}},
      {"/a/b/", {"a", "b"}},
      {"/", {""}},
      {"/%41%62", {"Ab"}},
      {"/model%2Ftest", {"model/test"}},
      {"/%e6%b5%8b", {"\xe6\xb5\x8b"}},
  };
  for (const Case& c : cases) EXPECT_EQ(Path(c.path), c.segments) << c.path;
}

TEST(DecodePathSegmentsTest, MalformedEscapesAreInvalid) {
  const std::string bad[] = {"/a/%zz", "/a/%2", "/a/%", "/%g0", "/x%"};
  for (const std::string& path : bad) {
    StatusOr<Segments> s = DecodePathSegments(path);
    ASSERT_FALSE(s.ok()) << path;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << path;
    EXPECT_NE(s.status().message().find("malformed percent-encoding"), std::string::npos);
  }
}

TEST(DecodeQueryComponentTest, PlusIsSpace) {
  EXPECT_EQ(*DecodeQueryComponent("a+b%20c%2B"), "a b c+");
  EXPECT_EQ(*DecodeQueryComponent(""), "");
  EXPECT_EQ(DecodeQueryComponent("%zz").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth
