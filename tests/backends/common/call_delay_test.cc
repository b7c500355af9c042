#include "backends/common/call_delay.h"

#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(CallDelayTest, TheErrorCarriesTheDelayAndTellsOthersToRetryThen) {
  absl::Status status = DelayedCallError({"dynamodb", "GetItem", kNow + absl::Seconds(2)}, kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  std::optional<CallDelay> delay = DelayedCallOf(status);
  ASSERT_TRUE(delay.has_value());
  EXPECT_EQ(delay->service, "dynamodb");
  EXPECT_EQ(delay->operation, "GetItem");
  EXPECT_EQ(delay->ready_at, kNow + absl::Seconds(2));
  EXPECT_EQ(RetryDelay(status), absl::Seconds(2));
  EXPECT_FALSE(DelayedCallOf(absl::UnavailableError("x")).has_value());
  EXPECT_FALSE(DelayedCallOf(absl::OkStatus()).has_value());
}

TEST(CallDelayTest, OnlyTheFirstCallOfThatOperationTakesTheDelay) {
  EXPECT_FALSE(TakeDelayedCall("dynamodb", "GetItem").has_value());  // no scope
  DelayedCallScope scope(CallDelay{"dynamodb", "GetItem", kNow});
  EXPECT_FALSE(scope.taken());
  EXPECT_FALSE(TakeDelayedCall("dynamodb", "PutItem").has_value());
  EXPECT_FALSE(TakeDelayedCall("dynamodbstreams", "GetItem").has_value());
  EXPECT_EQ(TakeDelayedCall("dynamodb", "GetItem"), kNow);
  EXPECT_TRUE(scope.taken());
  EXPECT_FALSE(TakeDelayedCall("dynamodb", "GetItem").has_value());
}

TEST(CallDelayTest, ScopesNestAndAnEmptyOneChangesNothing) {
  DelayedCallScope outer(CallDelay{"dynamodb", "GetItem", kNow});
  {
    DelayedCallScope empty(std::nullopt);
    EXPECT_FALSE(empty.taken());
    {
      DelayedCallScope inner(CallDelay{"dynamodb", "PutItem", kNow});
      EXPECT_EQ(TakeDelayedCall("dynamodb", "PutItem"), kNow);
    }
  }
  EXPECT_FALSE(outer.taken());
  EXPECT_EQ(TakeDelayedCall("dynamodb", "GetItem"), kNow);
}

}  // namespace
}  // namespace awsfacade::backends
