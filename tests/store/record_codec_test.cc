// The record codec both stores share (store/record_codec.h), over an in-memory row: every
// record reads back as written, column for column with its list, and a stored enum name this
// berth does not know is an Internal error naming the record, the field and the value. The
// stores themselves run the whole contract suite on SQLite and PostgreSQL.
#include "store/record_codec.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store_test_util.h"

namespace berth {
namespace {

using Cell = std::variant<std::monostate, std::string, int64_t>;

// Binder and reader of the codec over a vector of cells (null, text or integer).
class Cells {
 public:
  void Text(std::string_view v) { cells_.emplace_back(std::string(v)); }
  void Int(int64_t v) { cells_.emplace_back(v); }
  void Bool(bool v) { cells_.emplace_back(int64_t{v ? 1 : 0}); }
  void Time(SystemTime t) { cells_.emplace_back(ToUnixMillis(t)); }
  void OptionalInt(const std::optional<int64_t>& v) {
    if (v) return Int(*v);
    cells_.emplace_back(std::monostate{});
  }
  void OptionalBool(const std::optional<bool>& v) {
    OptionalInt(v ? std::optional<int64_t>(*v) : std::nullopt);
  }

  std::string Text() { return std::get<std::string>(cells_.at(next_++)); }
  int64_t Int() { return std::get<int64_t>(cells_.at(next_++)); }
  int Int32() { return static_cast<int>(Int()); }
  bool Bool() { return Int() != 0; }
  SystemTime Time() { return FromUnixMillis(Int()); }
  std::optional<int64_t> OptionalInt() {
    if (std::holds_alternative<std::monostate>(cells_.at(next_))) {
      ++next_;
      return std::nullopt;
    }
    return Int();
  }
  std::optional<bool> OptionalBool() {
    std::optional<int64_t> v = OptionalInt();
    return v ? std::optional<bool>(*v != 0) : std::nullopt;
  }

  size_t size() const { return cells_.size(); }
  Cell& at(size_t i) { return cells_.at(i); }
  void Rewind() { next_ = 0; }
  void PrependSeq(int64_t seq) { cells_.insert(cells_.begin(), Cell(seq)); }

 private:
  std::vector<Cell> cells_;
  size_t next_ = 0;
};

TEST(RecordCodecTest, ADeploymentReadsBackAsWrittenOneCellPerColumn) {
  Deployment d = testing::MakeDeployment("codec-d");
  d.enable_thinking = false;
  d.rpm_limit = 30;
  d.ptu_capacity = PtuCapacity{900, 300, std::nullopt};
  d.status = DeploymentStatus::kRunning;
  Cells row;
  codec::EncodeDeployment(row, d, 7);
  EXPECT_EQ(row.size(), codec::kDeploymentColumns.size());
  StatusOr<Deployment> back = codec::DecodeDeployment(row);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  d.version = 7;
  EXPECT_EQ(back->enable_thinking, std::optional<bool>(false)) << "false is not null";
  EXPECT_EQ(back->ptu_capacity, d.ptu_capacity);
  EXPECT_EQ(back->rpm_limit, 30);
  EXPECT_EQ(back->status, DeploymentStatus::kRunning);
  EXPECT_EQ(back->version, 7);
  EXPECT_EQ(back->created, d.created);
}

TEST(RecordCodecTest, AnUnknownStoredEnumIsInternalNamingRecordFieldAndValue) {
  Deployment d = testing::MakeDeployment("codec-bad");
  Cells row;
  codec::EncodeDeployment(row, d, 1);
  row.at(24) = Cell(std::string("HIBERNATING"));  // status
  StatusOr<Deployment> bad = codec::DecodeDeployment(row);
  ASSERT_EQ(bad.status().code(), StatusCode::kInternal);
  EXPECT_EQ(bad.status().message(),
            "stored deployment codec-bad has an unknown status \"HIBERNATING\"");

  DeploymentEvent e = testing::CreatedEvent(d);
  Cells event;
  codec::EncodeEvent(event, e);
  EXPECT_EQ(event.size(), codec::kEventColumns.size());
  event.PrependSeq(12);
  event.at(6) = Cell(std::string("nope"));
  EXPECT_EQ(codec::DecodeEvent(event).status().message(),
            "stored event 12 has an unknown status \"nope\"");

  CustomModel m{"my-model", "qwen3-8b", {Plan::kMu}, testing::At(0)};
  Cells custom;
  codec::EncodeCustomModel(custom, m);
  custom.at(2) = Cell(std::string("mu,gold"));
  EXPECT_EQ(codec::DecodeCustomModel(custom).status().code(), StatusCode::kInternal);
}

TEST(RecordCodecTest, TheOtherRecordsReadBackAsWritten) {
  Incarnation i{"uid-1",
                "m",
                "ws",
                "qwen3-8b",
                Plan::kPtu,
                "spec",
                2,
                "charge",
                "billing",
                PtuCapacity{10, 20, 30},
                testing::At(1),
                testing::At(2)};
  Cells inc;
  codec::EncodeIncarnation(inc, i);
  EXPECT_EQ(inc.size(), codec::kIncarnationColumns.size());
  StatusOr<Incarnation> inc_back = codec::DecodeIncarnation(inc);
  ASSERT_TRUE(inc_back.ok());
  EXPECT_EQ(*inc_back, i);

  UsageRecord u;
  u.deployed_model = "m";
  u.time = testing::At(3);
  u.input_tokens = 5;
  u.thinking = true;
  Cells usage;
  codec::EncodeUsage(usage, u);
  EXPECT_EQ(usage.size(), codec::kUsageColumns.size());
  UsageRecord usage_back = codec::DecodeUsage(usage);
  EXPECT_EQ(usage_back.input_tokens, 5);
  EXPECT_TRUE(usage_back.thinking);
  EXPECT_EQ(usage_back.time, u.time);

  EXPECT_EQ(codec::JoinPlans({Plan::kMu, Plan::kLora}), "mu,lora");
  EXPECT_EQ(*codec::SplitPlans("mu,lora"), (std::vector<Plan>{Plan::kMu, Plan::kLora}));
  EXPECT_EQ(codec::UpdateDeploymentSql('$').substr(0, 48),
            "UPDATE deployments SET uid = $2, name = $3, mode");
}

}  // namespace
}  // namespace berth

namespace berth::codec {
namespace {

TEST(RecordCodecTest, AnInsertOfSeveralRowsNumbersEachRowsParametersOnward) {
  EXPECT_EQ(InsertSql('?', "t", {"a", "b"}), "INSERT INTO t (a, b) VALUES (?1, ?2)");
  EXPECT_EQ(InsertSql('$', "t", {"a", "b"}, 3),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)");
}

}  // namespace
}  // namespace berth::codec
