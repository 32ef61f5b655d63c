// Internal to the sqlite codec: helpers that bind and read a record's columns in list order and
// build SQL text from column lists. Used with one Statement on one thread at a time.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "core/deployment.h"
#include "store/sqlite/connection.h"

namespace berth::sqlite {

// Binds successive parameters ?1, ?2, ... so a Bind* function reads like its column list.
class Binder {
 public:
  explicit Binder(Statement& st) : st_(st) {}
  void Text(std::string_view v) { st_.BindText(next_++, v); }
  void Int(int64_t v) { st_.BindInt(next_++, v); }
  void Bool(bool v) { st_.BindInt(next_++, v ? 1 : 0); }
  void Time(SystemTime t) { st_.BindInt(next_++, ToUnixMillis(t)); }
  void OptionalInt(const std::optional<int64_t>& v) { st_.BindOptionalInt(next_++, v); }

 private:
  Statement& st_;
  int next_ = 1;
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

 private:
  const Statement& st_;
  int next_ = 0;
};

// A ptu capacity as three nullable columns: input_tpm, output_tpm, thinking_output_tpm.
inline void BindPtu(Binder& b, const std::optional<PtuCapacity>& ptu) {
  b.OptionalInt(ptu ? std::optional<int64_t>(ptu->input_tpm) : std::nullopt);
  b.OptionalInt(ptu ? std::optional<int64_t>(ptu->output_tpm) : std::nullopt);
  b.OptionalInt(ptu ? ptu->thinking_output_tpm : std::nullopt);
}

inline std::optional<PtuCapacity> ReadPtu(Reader& r) {
  std::optional<int64_t> input_tpm = r.OptionalInt();
  std::optional<int64_t> output_tpm = r.OptionalInt();
  std::optional<int64_t> thinking_tpm = r.OptionalInt();
  if (!input_tpm) return std::nullopt;
  return PtuCapacity{*input_tpm, output_tpm.value_or(0), thinking_tpm};
}

inline std::string ColumnList(std::initializer_list<const char*> columns) {
  std::string out;
  for (const char* column : columns) {
    if (!out.empty()) out += ", ";
    out += column;
  }
  return out;
}

inline std::string Params(size_t count) {
  std::string out;
  for (size_t i = 1; i <= count; ++i) {
    if (i > 1) out += ", ";
    out += '?';
    out += std::to_string(i);
  }
  return out;
}

inline std::string InsertSql(const char* table, std::initializer_list<const char*> columns) {
  return std::string("INSERT INTO ") + table + " (" + ColumnList(columns) + ") VALUES (" +
         Params(columns.size()) + ")";
}

inline std::string SelectSql(const char* table, std::initializer_list<const char*> columns) {
  return "SELECT " + ColumnList(columns) + " FROM " + table;
}

// Internal: a stored enum name this berth does not know (a newer berth wrote it, or damage).
inline Status Corrupt(std::string_view record, std::string_view field, std::string_view value) {
  return Internal("stored " + std::string(record) + " has an unknown " + std::string(field) +
                  " \"" + std::string(value) + "\"");
}

}  // namespace berth::sqlite
