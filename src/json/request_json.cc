#include "json/request_json.h"

#include <string>
#include <vector>

namespace berth {
namespace {

using nlohmann::json;
using Event = json::parse_event_t;

// Thrown by the parser callback to stop the parser at once: a callback can only drop values,
// and the parser would go on reading every remaining level of a deep document.
struct TooDeepError {};

// Follows the parser through the document (the parser itself keeps its nesting on the heap, not
// the stack), stops it once the document nests too deep, and knows which field the parser is
// in, for error messages.
class DepthGuard {
 public:
  // The parser callback. Throws TooDeepError at the first object or array too deep.
  bool Observe(int depth, Event event, const json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        StartValue();
        if (depth >= kMaxJsonDepth) throw TooDeepError{};
        levels_.push_back({event == Event::array_start, "", 0});
        return true;
      case Event::key:
        levels_.back().key = parsed.get<std::string>();
        return true;
      case Event::value:
        StartValue();
        return true;
      case Event::object_end:
      case Event::array_end:
        levels_.pop_back();
        return true;
    }
    return true;
  }

  // The field being read, e.g. "messages[2].content"; "request body" at the top. With
  // `value_pending`, the innermost array's next element (one the parser refused).
  std::string Path(bool value_pending, size_t max_levels = SIZE_MAX) const {
    std::string path;
    for (size_t i = 0; i < levels_.size() && i < max_levels; ++i) {
      const Level& level = levels_[i];
      if (!level.array) {
        path += (path.empty() ? "" : ".") + level.key;
        continue;
      }
      bool next = value_pending && i + 1 == levels_.size();
      path += "[" + std::to_string(next ? level.elements : level.elements - 1) + "]";
    }
    return path.empty() ? "request body" : path;
  }

 private:
  struct Level {
    bool array;
    std::string key;      // objects: the member being read
    size_t elements = 0;  // arrays: elements begun so far
  };

  // Primitive values are reported when complete, objects and arrays when they begin.
  void StartValue() {
    if (!levels_.empty()) ++levels_.back().elements;
  }

  std::vector<Level> levels_;
};

// The number of nlohmann's "number overflow parsing '1E400'", or "".
std::string OverflowToken(const json::out_of_range& e) {
  std::string_view what = e.what();
  size_t open = what.find('\'');
  size_t close = what.rfind('\'');
  if (open == std::string_view::npos || close <= open) return "";
  return std::string(what.substr(open + 1, close - open - 1));
}

Status TooDeep(const DepthGuard& guard) {
  // Only the outermost field: the path of a deep document is as long as the document.
  return InvalidArgument("request body nests JSON deeper than " + std::to_string(kMaxJsonDepth) +
                         " levels (in " + guard.Path(false, 1) + ")");
}

}  // namespace

StatusOr<nlohmann::json> ParseRequestJson(std::string_view text) {
  DepthGuard guard;
  json parsed;
  try {
    parsed = json::parse(text, [&guard](int depth, Event event, json& value) {
      return guard.Observe(depth, event, value);
    });
  } catch (const TooDeepError&) {
    return TooDeep(guard);
  } catch (const json::parse_error& e) {
    return InvalidArgument("request body is not valid JSON: syntax error at byte " +
                           std::to_string(e.byte));
  } catch (const json::out_of_range& e) {
    std::string token = OverflowToken(e);
    return InvalidArgument(guard.Path(true) + " is a number out of range" +
                           (token.empty() ? "" : ": " + token));
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("request body is not valid JSON: ") + e.what());
  }
  return parsed;
}

}  // namespace berth
