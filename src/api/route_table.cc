#include "api/route_table.h"

#include <charconv>

namespace berth {

void RouteTable::Add(Route route) {
  router_.Add(route.method, route.pattern);
  routes_.push_back(std::move(route));
}

const std::string* ApiCall::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

StatusOr<int64_t> ApiCall::QueryInt(const std::string& name, int64_t fallback, int64_t min,
                                    int64_t max) const {
  const std::string* text = Query(name);
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return InvalidArgument(name + " must be an integer, got '" + *text + "'");
  }
  if (value < min || value > max) {
    return InvalidArgument(name + " must be between " + std::to_string(min) + " and " +
                           std::to_string(max) + ", got " + *text);
  }
  return value;
}

}  // namespace berth
