// The codec of the incarnations table: the facts of each deployment incarnation, kept after
// the deployment record is deleted so billing can still price its past hours.
#include <initializer_list>

#include "store/sqlite/codec.h"
#include "store/sqlite/row_codec.h"

namespace berth::sqlite {
namespace {

// The order of this list is the order of BindIncarnation and ReadIncarnation.
// clang-format off
constexpr std::initializer_list<const char*> kIncarnationColumns = {
    "uid", "deployed_model", "workspace_id", "model_name", "plan", "model_unit_spec",
    "base_capacity", "charge_type", "billing_method",
    "ptu_input_tpm", "ptu_output_tpm", "ptu_thinking_output_tpm", "created", "deleted"};
// clang-format on

}  // namespace

const std::string& InsertIncarnationSql() {
  static const std::string sql = InsertSql("incarnations", kIncarnationColumns);
  return sql;
}

const std::string& SelectIncarnationSql() {
  static const std::string sql = SelectSql("incarnations", kIncarnationColumns);
  return sql;
}

void BindIncarnation(Statement& st, const Incarnation& i) {
  Binder b(st);
  b.Text(i.uid);
  b.Text(i.deployed_model);
  b.Text(i.workspace_id);
  b.Text(i.model_name);
  b.Text(PlanName(i.plan));
  b.Text(i.model_unit_spec);
  b.Int(i.base_capacity);
  b.Text(i.charge_type);
  b.Text(i.billing_method);
  BindPtu(b, i.ptu_capacity);
  b.Time(i.created);
  b.OptionalInt(i.deleted ? std::optional<int64_t>(ToUnixMillis(*i.deleted)) : std::nullopt);
}

StatusOr<Incarnation> ReadIncarnation(const Statement& st) {
  Reader r(st);
  Incarnation i;
  i.uid = r.Text();
  i.deployed_model = r.Text();
  i.workspace_id = r.Text();
  i.model_name = r.Text();
  std::string plan = r.Text();
  i.model_unit_spec = r.Text();
  i.base_capacity = r.Int32();
  i.charge_type = r.Text();
  i.billing_method = r.Text();
  i.ptu_capacity = ReadPtu(r);
  i.created = r.Time();
  if (std::optional<int64_t> deleted = r.OptionalInt()) i.deleted = FromUnixMillis(*deleted);
  std::optional<Plan> parsed = ParsePlan(plan);
  if (!parsed) return Corrupt("incarnation " + i.uid, "plan", plan);
  i.plan = *parsed;
  return i;
}

}  // namespace berth::sqlite
