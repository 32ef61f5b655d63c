#include "store/record_codec.h"

namespace berth::codec {

std::string ColumnList(std::initializer_list<const char*> columns) {
  std::string out;
  for (const char* column : columns) {
    if (!out.empty()) out += ", ";
    out += column;
  }
  return out;
}

std::string Placeholders(char mark, size_t first, size_t count) {
  std::string out = "(";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += mark + std::to_string(first + i);
  }
  return out + ")";
}

std::string InsertSql(char mark, const char* table, std::initializer_list<const char*> columns,
                      size_t rows) {
  std::string sql = std::string("INSERT INTO ") + table + " (" + ColumnList(columns) + ") VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ", ";
    sql += Placeholders(mark, 1 + i * columns.size(), columns.size());
  }
  return sql;
}

std::string SelectSql(const char* table, std::initializer_list<const char*> columns) {
  return "SELECT " + ColumnList(columns) + " FROM " + table;
}

std::string UpdateDeploymentSql(char mark) {
  std::string set;
  size_t index = 0;
  for (const char* column : kDeploymentColumns) {
    if (++index == 1) continue;  // deployed_model is the key, bound first
    if (!set.empty()) set += ", ";
    set += std::string(column) + " = " + mark + std::to_string(index);
  }
  return "UPDATE deployments SET " + set + " WHERE deployed_model = " + mark +
         "1 AND version = " + mark + std::to_string(index + 1);
}

Status Corrupt(std::string_view record, std::string_view field, std::string_view value) {
  return Internal("stored " + std::string(record) + " has an unknown " + std::string(field) +
                  " \"" + std::string(value) + "\"");
}

std::string JoinPlans(const std::vector<Plan>& plans) {
  std::string out;
  for (Plan plan : plans) {
    if (!out.empty()) out += ",";
    out += PlanName(plan);
  }
  return out;
}

StatusOr<std::vector<Plan>> SplitPlans(std::string_view text) {
  std::vector<Plan> plans;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    std::optional<Plan> plan = ParsePlan(name);
    if (!plan) return Corrupt("custom model", "plan", name);
    plans.push_back(*plan);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return plans;
}

}  // namespace berth::codec
