#include "store/sqlite/group_commit.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite/connection.h"
#include "store_test_util.h"

namespace berth::sqlite {
namespace {

using berth::testing::TempDir;

class GroupCommitWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto connection = Connection::Open(dir_.File("w.db"), false);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    ASSERT_TRUE((*connection)->Exec("CREATE TABLE t (v TEXT UNIQUE, b BLOB)").ok());
    writer_ = std::make_unique<GroupCommitWriter>(std::move(connection).value());
  }

  Status Insert(const std::string& value) {
    return writer_->Run(
        [&](Connection& db) { return db.Exec("INSERT INTO t (v) VALUES ('" + value + "')"); });
  }

  int64_t Count() {
    auto reader = Connection::Open(dir_.File("w.db"), true);
    auto count = (*reader)->Prepare("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(count.ok() && count->Step().ok());
    return count->Int(0);
  }

  TempDir dir_;
  std::unique_ptr<GroupCommitWriter> writer_;
};

TEST_F(GroupCommitWriterTest, AFailedWriteRollsBackOnlyItself) {
  ASSERT_TRUE(Insert("a").ok());
  Status failed = writer_->Run([](Connection& db) -> Status {
    RETURN_IF_ERROR(db.Exec("INSERT INTO t (v) VALUES ('half')"));
    return Aborted("changed my mind");
  });
  EXPECT_EQ(failed, Aborted("changed my mind"));
  EXPECT_EQ(Insert("a").code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(Insert("b").ok());
  EXPECT_EQ(Count(), 2);
  EXPECT_EQ(writer_->writes(), 4);
  EXPECT_EQ(writer_->commits(), 4);  // one caller at a time: nothing to batch
}

TEST_F(GroupCommitWriterTest, AFullDiskIsUnavailableAndTheWriterCarriesOn) {
  ASSERT_TRUE(Insert("a").ok());
  ASSERT_TRUE(
      writer_->Run([](Connection& db) { return db.Exec("PRAGMA max_page_count = 8"); }).ok());
  Status full = writer_->Run([](Connection& db) {
    return db.Exec("INSERT INTO t (v, b) VALUES ('big', zeroblob(1000000))");
  });
  EXPECT_EQ(full.code(), StatusCode::kUnavailable) << full.ToString();
  EXPECT_NE(full.message().find("full"), std::string::npos) << full.message();
  EXPECT_TRUE(writer_->Run([](Connection& db) { return db.Exec("DELETE FROM t"); }).ok());
  EXPECT_EQ(Count(), 0);
}

TEST(ErrorStatusTest, MapsSqliteCodesToStatusCodes) {
  const std::pair<int, StatusCode> cases[] = {
      {SQLITE_CONSTRAINT_UNIQUE, StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_PRIMARYKEY, StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_FOREIGNKEY, StatusCode::kFailedPrecondition},
      {SQLITE_CONSTRAINT_NOTNULL, StatusCode::kInternal},
      {SQLITE_BUSY, StatusCode::kUnavailable},
      {SQLITE_FULL, StatusCode::kUnavailable},
      {SQLITE_IOERR_FSYNC, StatusCode::kUnavailable},
      {SQLITE_CANTOPEN, StatusCode::kUnavailable},
      {SQLITE_CORRUPT, StatusCode::kInternal},
      {SQLITE_MISUSE, StatusCode::kInternal},
  };
  for (const auto& [rc, want] : cases) {
    Status status = ErrorStatus(nullptr, rc, "ctx");
    EXPECT_EQ(status.code(), want) << rc << " " << status.message();
    EXPECT_TRUE(status.message().starts_with("ctx: ")) << status.message();
  }
}

}  // namespace
}  // namespace berth::sqlite
