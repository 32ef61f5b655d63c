#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace berth {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s, Status::Ok());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = NotFound("Model: x not found!");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "Model: x not found!");
  EXPECT_EQ(s.ToString(), "NOT_FOUND: Model: x not found!");
  EXPECT_NE(s, NotFound("other"));
  EXPECT_NE(s, InvalidArgument("Model: x not found!"));
}

TEST(StatusTest, HelpersSetTheirCodes) {
  EXPECT_EQ(InvalidArgument("m").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AlreadyExists("m").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(FailedPrecondition("m").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Aborted("m").code(), StatusCode::kAborted);
  EXPECT_EQ(ResourceExhausted("m").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Unavailable("m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Unauthenticated("m").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(PermissionDenied("m").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Internal("m").code(), StatusCode::kInternal);
}

TEST(StatusOrTest, HoldsValue) {
  StatusOr<std::string> v(std::string("hello"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v.status().ok());
  EXPECT_EQ(*v, "hello");
  EXPECT_EQ(v->size(), 5u);
}

TEST(StatusOrTest, HoldsError) {
  StatusOr<int> v(Unavailable("down"));
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status(), Unavailable("down"));
}

TEST(StatusOrTest, OkStatusWithoutValueBecomesInternal) {
  StatusOr<int> v(Status::Ok());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInternal);
}

TEST(StatusOrTest, MovesOutMoveOnlyValue) {
  StatusOr<std::unique_ptr<int>> v(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(v).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

// Helpers for the macros: `steps` records how far each function got.
Status Step(bool fail, int& steps) {
  ++steps;
  return fail ? InvalidArgument("step failed") : Status::Ok();
}

Status TwoSteps(bool fail_first, int& steps) {
  RETURN_IF_ERROR(Step(fail_first, steps));
  RETURN_IF_ERROR(Step(false, steps));
  return Status::Ok();
}

StatusOr<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument(std::to_string(n) + " is odd");
  return n / 2;
}

StatusOr<int> Quarter(int n, int& reached) {
  ASSIGN_OR_RETURN(int half, Half(n));
  reached = 1;
  ASSIGN_OR_RETURN(int quarter, Half(half));
  reached = 2;
  return quarter;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtFirstError) {
  int steps = 0;
  EXPECT_EQ(TwoSteps(true, steps), InvalidArgument("step failed"));
  EXPECT_EQ(steps, 1);
  steps = 0;
  EXPECT_TRUE(TwoSteps(false, steps).ok());
  EXPECT_EQ(steps, 2);
}

TEST(StatusMacrosTest, AssignOrReturnAssignsOrPropagates) {
  int reached = 0;
  StatusOr<int> q = Quarter(12, reached);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 3);
  EXPECT_EQ(reached, 2);

  reached = 0;
  q = Quarter(6, reached);  // 6 / 2 = 3 is odd
  EXPECT_EQ(q.status(), InvalidArgument("3 is odd"));
  EXPECT_EQ(reached, 1);

  reached = 0;
  q = Quarter(5, reached);
  EXPECT_EQ(q.status(), InvalidArgument("5 is odd"));
  EXPECT_EQ(reached, 0);
}

TEST(StatusOrDeathTest, ValueOfAnErrorCrashesWithTheStatus) {
  StatusOr<int> error = NotFound("no such thing");
  EXPECT_DEATH((void)error.value(), "StatusOr::value\\(\\) on an error: NOT_FOUND: no such thing");
  EXPECT_DEATH((void)*error, "NOT_FOUND: no such thing");
}

}  // namespace
}  // namespace berth
