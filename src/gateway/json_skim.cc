#include "gateway/json_skim.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace berth {
namespace {

// Longer numbers are left to the full parser (one of over 309 digits overflows a double there).
constexpr size_t kMaxNumberChars = 300;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr uint64_t kEveryByte = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;
static_assert(std::endian::native == std::endian::little, "the first byte is the lowest");

// The high bit of each byte of `word` below `n` (n <= 128). Borrows run upward only, so the
// lowest bit set marks the first such byte exactly (later ones may be marked falsely).
constexpr uint64_t BytesBelow(uint64_t word, uint64_t n) {
  return (word - kEveryByte * n) & ~word & kHighBits;
}
static_assert(BytesBelow(0x4141411F41414141ULL, 0x20) == 0x0000008000000000ULL);
static_assert(BytesBelow(0x2020202020202020ULL, 0x20) == 0);

// The first byte at or after `at` (before `end`) that a string scan must look at: a quote, a
// backslash, a control or a non-ASCII byte. Plain bytes go eight at a time (token ids, model
// names and generated text are long runs of them); the last seven are left to the caller.
const char* SkipPlainStringBytes(const char* at, const char* end) {
  while (end - at >= 8) {
    uint64_t word;
    std::memcpy(&word, at, sizeof word);
    const uint64_t stops = (word & kHighBits) | BytesBelow(word, 0x20) |
                           BytesBelow(word ^ (kEveryByte * '"'), 1) |
                           BytesBelow(word ^ (kEveryByte * '\\'), 1);
    if (stops != 0) return at + std::countr_zero(stops) / 8;
    at += 8;
  }
  return at;
}

// The four hex digits at `at` (which has at least 4 chars), or -1.
int Hex4(const char* at) {
  int value = 0;
  for (int i = 0; i < 4; ++i) {
    int digit = HexDigit(at[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// The validating pass: RFC 8259 as nlohmann reads it (well-formed UTF-8 in strings, no control
// characters, surrogate escapes in pairs), minus what the header says is left to the full parser.
class Skimmer {
 public:
  explicit Skimmer(std::string_view text) : at_(text.data()), end_(text.data() + text.size()) {}

  bool Document(JsonSpan& out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return at_ == end_;
  }

 private:
  void SkipSpace() {
    while (at_ < end_ && IsSpace(*at_)) ++at_;
  }

  bool Value(JsonSpan& out, int depth) {
    if (at_ == end_) return false;
    const char* start = at_;
    bool ok = false;
    switch (*at_) {
      case '{':
        out.kind = JsonKind::kObject;
        ok = Container(depth + 1, '}');
        break;
      case '[':
        out.kind = JsonKind::kArray;
        ok = Container(depth + 1, ']');
        break;
      case '"':
        out.kind = JsonKind::kString;
        ok = String();
        break;
      case 't':
        out.kind = JsonKind::kBool;
        ok = Literal("true");
        break;
      case 'f':
        out.kind = JsonKind::kBool;
        ok = Literal("false");
        break;
      case 'n':
        out.kind = JsonKind::kNull;
        ok = Literal("null");
        break;
      default:
        ok = Number(out.kind);
    }
    out.text = std::string_view(start, static_cast<size_t>(at_ - start));
    return ok;
  }

  // An object (close '}') or an array (close ']') starting at `at_`.
  bool Container(int depth, char close) {
    if (depth > kMaxSkimDepth) return false;
    ++at_;
    SkipSpace();
    if (at_ < end_ && *at_ == close) {
      ++at_;
      return true;
    }
    for (;;) {
      if (close == '}') {
        if (at_ == end_ || *at_ != '"' || !String()) return false;
        SkipSpace();
        if (at_ == end_ || *at_ != ':') return false;
        ++at_;
        SkipSpace();
      }
      JsonSpan value;
      if (!Value(value, depth)) return false;
      SkipSpace();
      if (at_ == end_) return false;
      if (*at_ == close) {
        ++at_;
        return true;
      }
      if (*at_ != ',') return false;
      ++at_;
      SkipSpace();
    }
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - at_) < word.size()) return false;
    if (std::string_view(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)? ; an exponent is left to the full parser.
  bool Number(JsonKind& kind) {
    const char* start = at_;
    if (at_ < end_ && *at_ == '-') ++at_;
    if (at_ == end_ || !IsDigit(*at_)) return false;
    if (*at_++ != '0') {
      while (at_ < end_ && IsDigit(*at_)) ++at_;
    }
    kind = JsonKind::kInteger;
    if (at_ < end_ && *at_ == '.') {
      ++at_;
      if (at_ == end_ || !IsDigit(*at_)) return false;
      while (at_ < end_ && IsDigit(*at_)) ++at_;
      kind = JsonKind::kNumber;
    }
    if (at_ < end_ && (*at_ == 'e' || *at_ == 'E')) return false;
    return static_cast<size_t>(at_ - start) <= kMaxNumberChars;
  }

  bool String() {
    ++at_;
    while ((at_ = SkipPlainStringBytes(at_, end_)) < end_) {
      const auto c = static_cast<unsigned char>(*at_);
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c == '\\') {
        if (!Escape()) return false;
      } else if (c < 0x20) {
        return false;
      } else if (c < 0x80) {
        ++at_;
      } else if (!Utf8Sequence()) {
        return false;
      }
    }
    return false;
  }

  bool Escape() {
    if (end_ - at_ < 2) return false;
    switch (at_[1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        at_ += 2;
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    if (end_ - at_ < 6) return false;
    const int unit = Hex4(at_ + 2);
    at_ += 6;
    if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return false;
    if (unit < 0xD800 || unit > 0xDBFF) return true;
    // A high surrogate must be followed by an escaped low one.
    if (end_ - at_ < 6 || at_[0] != '\\' || at_[1] != 'u') return false;
    const int low = Hex4(at_ + 2);
    at_ += 6;
    return low >= 0xDC00 && low <= 0xDFFF;
  }

  // One well-formed multi-byte UTF-8 sequence (Unicode table 3-7) at `at_`.
  bool Utf8Sequence() {
    const auto lead = static_cast<unsigned char>(*at_);
    int continuation = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (end_ - at_ <= continuation) return false;
    for (int i = 1; i <= continuation; ++i) {
      const auto c = static_cast<unsigned char>(at_[i]);
      if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xBF)) return false;
    }
    at_ += continuation + 1;
    return true;
  }

  const char* at_;
  const char* end_;
};

void AppendUtf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

char SimpleEscape(char c) {
  switch (c) {
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return c;  // '"', '\\', '/'
  }
}

}  // namespace

std::optional<JsonSpan> SkimJson(std::string_view text) {
  JsonSpan span;
  if (!Skimmer(text).Document(span)) return std::nullopt;
  return span;
}

JsonCursor::JsonCursor(const JsonSpan& container)
    : at_(container.text.data() + 1), end_(container.text.data() + container.text.size() - 1) {}

void JsonCursor::SkipSpace() {
  while (at_ < end_ && (IsSpace(*at_) || *at_ == ',')) ++at_;
}

bool JsonCursor::NextMember(std::string_view& key, bool& escaped, JsonSpan& value) {
  SkipSpace();
  if (at_ >= end_) return false;
  const char* start = ++at_;  // past the key's opening quote
  escaped = false;
  while (*(at_ = SkipPlainStringBytes(at_, end_)) != '"') {
    if (*at_ == '\\') {
      escaped = true;
      ++at_;
    }
    ++at_;
  }
  key = std::string_view(start, static_cast<size_t>(at_ - start));
  ++at_;
  while (IsSpace(*at_) || *at_ == ':') ++at_;
  value = Value();
  return true;
}

bool JsonCursor::NextElement(JsonSpan& value) {
  SkipSpace();
  if (at_ >= end_) return false;
  value = Value();
  return true;
}

// The value at `at_`, already validated: only its end is looked for.
JsonSpan JsonCursor::Value() {
  const char* start = at_;
  JsonSpan span;
  const char first = *at_;
  if (first == '{' || first == '[') {
    span.kind = first == '{' ? JsonKind::kObject : JsonKind::kArray;
    int depth = 0;
    bool in_string = false;
    for (;; ++at_) {
      const char c = *at_;
      if (in_string) {
        if (c == '\\') {
          ++at_;
        } else if (c == '"') {
          in_string = false;
        } else {
          at_ = SkipPlainStringBytes(at_ + 1, end_) - 1;  // the loop steps past the last one
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        ++at_;
        break;
      }
    }
  } else if (first == '"') {
    span.kind = JsonKind::kString;
    for (++at_; *(at_ = SkipPlainStringBytes(at_, end_)) != '"'; ++at_) {
      if (*at_ == '\\') ++at_;
    }
    ++at_;
  } else if (first == 't' || first == 'f' || first == 'n') {
    span.kind = first == 'n' ? JsonKind::kNull : JsonKind::kBool;
    at_ += first == 'f' ? 5 : 4;
  } else {
    span.kind = JsonKind::kInteger;
    while (at_ < end_ && (IsDigit(*at_) || *at_ == '-' || *at_ == '.')) {
      if (*at_ == '.') span.kind = JsonKind::kNumber;
      ++at_;
    }
  }
  span.text = std::string_view(start, static_cast<size_t>(at_ - start));
  return span;
}

std::string_view StringValue(const JsonSpan& string, std::string& scratch) {
  const std::string_view raw = string.text.substr(1, string.text.size() - 2);
  if (raw.find('\\') == std::string_view::npos) return raw;
  scratch.clear();
  scratch.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      scratch += raw[i];
      continue;
    }
    const char kind = raw[++i];
    if (kind != 'u') {
      scratch += SimpleEscape(kind);
      continue;
    }
    auto code = static_cast<uint32_t>(Hex4(raw.data() + i + 1));
    i += 4;
    if (code >= 0xD800 && code <= 0xDBFF) {  // validated: a low surrogate escape follows
      const auto low = static_cast<uint32_t>(Hex4(raw.data() + i + 3));
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      i += 6;
    }
    AppendUtf8(scratch, code);
  }
  return scratch;
}

std::optional<int64_t> IntegerValue(const JsonSpan& integer) {
  std::string_view text = integer.text;
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return negative ? -value : value;
}

}  // namespace berth
