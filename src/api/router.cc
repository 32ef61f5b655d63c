#include "api/router.h"

namespace berth {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

StatusOr<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("malformed percent-encoding in '" + std::string(text) + "'");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = path.starts_with('/') ? 1 : 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  // A trailing slash names the same resource as without it.
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  return parts;
}

}  // namespace

StatusOr<std::vector<std::string>> DecodePathSegments(std::string_view path) {
  std::vector<std::string> segments;
  for (std::string_view part : SplitPath(path)) {
    ASSIGN_OR_RETURN(std::string decoded, PercentDecode(part, false));
    segments.push_back(std::move(decoded));
  }
  return segments;
}

StatusOr<std::string> DecodeQueryComponent(std::string_view text) {
  return PercentDecode(text, true);
}

int Router::Add(std::string method, std::string_view pattern) {
  Route route{std::move(method), std::string(pattern), {}};
  for (std::string_view part : SplitPath(pattern)) route.segments.emplace_back(part);
  routes_.push_back(std::move(route));
  return static_cast<int>(routes_.size()) - 1;
}

int Router::Score(const Route& route, const std::vector<std::string>& path) {
  if (route.segments.size() != path.size()) return 0;
  int score = 1;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = route.segments[i];
    bool capture = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
    if (capture) {
      if (path[i].empty()) return 0;
      continue;
    }
    if (seg != path[i]) return 0;
    ++score;
  }
  return score;
}

int Router::BestScore(const std::vector<std::string>& path) const {
  // Among the patterns that match the path, the most specific one decides, so that
  // "/deployments/models" is never taken for "/deployments/{id}".
  int best_score = 0;
  for (const Route& route : routes_) best_score = std::max(best_score, Score(route, path));
  return best_score;
}

std::string Router::AllowedMethods(const std::vector<std::string>& path) const {
  int best_score = BestScore(path);
  std::string allowed;
  for (const Route& route : routes_) {
    if (best_score > 0 && Score(route, path) == best_score) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
    }
  }
  return allowed;
}

StatusOr<RouteMatch> Router::Match(std::string_view method,
                                   const std::vector<std::string>& path) const {
  int best_score = BestScore(path);
  if (best_score == 0) return NotFound("no route for this path");
  int best = -1;
  for (size_t i = 0; i < routes_.size() && best < 0; ++i) {
    if (routes_[i].method == method && Score(routes_[i], path) == best_score) {
      best = static_cast<int>(i);
    }
  }
  if (best < 0) {
    return Status(
        StatusCode::kMethodNotAllowed,
        "method " + std::string(method) + " is not allowed here; allowed: " + AllowedMethods(path));
  }
  RouteMatch match{best, {}};
  const Route& route = routes_[best];
  for (size_t i = 0; i < path.size(); ++i) {
    if (route.segments[i].front() == '{') match.params.push_back(path[i]);
  }
  return match;
}

}  // namespace berth
