// JSON skimming for the gateway's hot path: validates a document the way nlohmann's strict parser
// does and hands out the raw text of the values asked for, without building a tree (a request
// body's tree was most of the gateway's own CPU per request). Deliberately partial: anything it
// does not handle exactly (an exponent, a very long number, a UTF-8 byte-order mark, a document
// nested deeper than kMaxSkimDepth) is refused like invalid JSON, so callers fall back to the
// full parser, which also words the error. Whatever is accepted here, nlohmann accepts too.
// Pure functions over caller-owned text; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

// Below json/request_json.h's kMaxJsonDepth, so a document refused for depth there is refused here.
inline constexpr int kMaxSkimDepth = 64;

enum class JsonKind { kNull, kBool, kInteger, kNumber, kString, kArray, kObject };

// One value of a validated document: its kind and its exact text (a string's with its quotes).
struct JsonSpan {
  JsonKind kind = JsonKind::kNull;
  std::string_view text;
};

// `text` as one JSON value, with optional whitespace around it; nullopt if it is not valid JSON
// or uses what the skimmer leaves to the full parser.
std::optional<JsonSpan> SkimJson(std::string_view text);

// Walks the members of an object span, or the elements of an array span, from SkimJson (already
// validated, so walking it checks nothing again).
class JsonCursor {
 public:
  explicit JsonCursor(const JsonSpan& container);
  // The next member of an object: `key` is its raw text between the quotes, `escaped` whether
  // that has escapes (then it is not the decoded key). False at the end.
  bool NextMember(std::string_view& key, bool& escaped, JsonSpan& value);
  // The next element of an array. False at the end.
  bool NextElement(JsonSpan& value);

 private:
  JsonSpan Value();
  void SkipSpace();

  const char* at_;
  const char* end_;
};

// A string span's decoded content. Without escapes it is a view of the span's text (`scratch`
// unused); otherwise it is decoded into `scratch` and the view points there.
std::string_view StringValue(const JsonSpan& string, std::string& scratch);
// An integer span's value as nlohmann's get<int64_t>() gives it; nullopt for one of more than 18
// digits (the caller's full parser then decides).
std::optional<int64_t> IntegerValue(const JsonSpan& integer);

}  // namespace berth
