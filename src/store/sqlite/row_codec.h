// Internal to the sqlite codec: the binder and row reader of store/record_codec.h over a
// Statement, and SQL text built from column lists. Used with one Statement on one thread at a time.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "store/record_codec.h"
#include "store/sqlite/connection.h"

namespace berth::sqlite {

// Binds successive parameters ?1, ?2, ... so a Bind* function reads like its column list.
class Binder {
 public:
  explicit Binder(Statement& st) : st_(st) {}
  // From parameter ?first on; `static_text` binds text without a copy, for records that outlive
  // the Statement and whose encoder binds only their own members.
  Binder(Statement& st, int first, bool static_text)
      : st_(st), next_(first), static_text_(static_text) {}
  void Text(std::string_view v) {
    if (static_text_) {
      st_.BindStaticText(next_++, v);
    } else {
      st_.BindText(next_++, v);
    }
  }
  void Int(int64_t v) { st_.BindInt(next_++, v); }
  void Bool(bool v) { st_.BindInt(next_++, v ? 1 : 0); }
  void Time(SystemTime t) { st_.BindInt(next_++, ToUnixMillis(t)); }
  void OptionalInt(const std::optional<int64_t>& v) { st_.BindOptionalInt(next_++, v); }
  // A nullable boolean as a nullable 0 / 1.
  void OptionalBool(const std::optional<bool>& v) {
    OptionalInt(v ? std::optional<int64_t>(*v ? 1 : 0) : std::nullopt);
  }

 private:
  Statement& st_;
  int next_ = 1;
  bool static_text_ = false;
};

// Reads successive columns 0, 1, ... of the current row.
class Reader {
 public:
  explicit Reader(const Statement& st) : st_(st) {}
  std::string Text() { return st_.Text(next_++); }
  int64_t Int() { return st_.Int(next_++); }
  int Int32() { return static_cast<int>(st_.Int(next_++)); }
  bool Bool() { return st_.Int(next_++) != 0; }
  SystemTime Time() { return FromUnixMillis(st_.Int(next_++)); }
  std::optional<int64_t> OptionalInt() { return st_.OptionalInt(next_++); }
  std::optional<bool> OptionalBool() {
    std::optional<int64_t> v = OptionalInt();
    if (!v) return std::nullopt;
    return *v != 0;
  }

 private:
  const Statement& st_;
  int next_ = 0;
};

inline std::string InsertSql(const char* table, std::initializer_list<const char*> columns,
                             size_t rows = 1) {
  return codec::InsertSql('?', table, columns, rows);
}
using codec::SelectSql;

}  // namespace berth::sqlite
