// Router: matches a method and a percent-encoded path against route patterns such as
// "/api/v1/deployments/{id}/scale". Static segments win over captures. Built once at start-up,
// then read-only and safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace berth {

// Splits a path into percent-decoded segments. InvalidArgument for a malformed escape.
StatusOr<std::vector<std::string>> DecodePathSegments(std::string_view path);
// Decodes one application/x-www-form-urlencoded component ('+' is a space).
StatusOr<std::string> DecodeQueryComponent(std::string_view text);

struct RouteMatch {
  int route_index = -1;
  std::vector<std::string> params;  // captured segments, decoded, in pattern order
};

class Router {
 public:
  // Returns the route's index, used by Match.
  int Add(std::string method, std::string_view pattern);
  // NotFound when no pattern matches the path; MethodNotAllowed (message lists the allowed
  // methods) when patterns match but not for this method.
  StatusOr<RouteMatch> Match(std::string_view method, const std::vector<std::string>& path) const;
  // The methods of the most specific patterns matching `path`, e.g. "POST, GET" (the value of
  // an Allow header); empty when no pattern matches.
  std::string AllowedMethods(const std::vector<std::string>& path) const;
  const std::string& Pattern(int route_index) const { return routes_[route_index].pattern; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" marks a capture
  };
  // 0 if no match; otherwise 1 + number of static segments (more static = more specific).
  static int Score(const Route& route, const std::vector<std::string>& path);
  int BestScore(const std::vector<std::string>& path) const;

  std::vector<Route> routes_;
};

}  // namespace berth
