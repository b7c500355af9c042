// The simulator's fault injector decides faults and never waits: a latency
// rule that fires makes the call ask to run later (DelayedCallError), and
// the run after the wait draws no latency again.
#include "backends/simulator/fault_injector.h"

#include "backends/common/aws_error.h"
#include "backends/common/call_delay.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends::simulator {
namespace {

using Kind = FaultInjector::Kind;

FaultInjector::Rule Rule(Kind kind, absl::Duration latency = absl::ZeroDuration()) {
  FaultInjector::Rule rule;
  rule.service = "dynamodb";
  rule.operation = "GetItem";
  rule.kind = kind;
  rule.latency = latency;
  return rule;
}

TEST(FaultInjectorTest, ALatencyRuleDecidesADelayWithoutWaiting) {
  FaultInjector faults;
  ASSERT_TRUE(faults.SetRules({Rule(Kind::kLatency, absl::Seconds(10))}).ok());
  const absl::Time before = absl::Now();
  absl::Status status = faults.Before("dynamodb", "GetItem");
  const absl::Time after = absl::Now();
  EXPECT_LT(after - before, absl::Seconds(1));  // no sleep
  std::optional<CallDelay> delay = DelayedCallOf(status);
  ASSERT_TRUE(delay.has_value()) << status;
  EXPECT_EQ(delay->service, "dynamodb");
  EXPECT_EQ(delay->operation, "GetItem");
  EXPECT_GE(delay->ready_at, before + absl::Seconds(10));
  EXPECT_LE(delay->ready_at, after + absl::Seconds(10));
  EXPECT_TRUE(faults.Before("dynamodb", "PutItem").ok());  // another operation
  EXPECT_EQ(faults.fired(), 1);
}

TEST(FaultInjectorTest, TheRunAfterTheDelayDrawsItsErrorsButNoLatency) {
  FaultInjector faults;
  ASSERT_TRUE(
      faults.SetRules({Rule(Kind::kLatency, absl::Seconds(1)), Rule(Kind::kThrottle)}).ok());
  std::optional<CallDelay> delay = DelayedCallOf(faults.Before("dynamodb", "GetItem"));
  ASSERT_TRUE(delay.has_value());
  EXPECT_EQ(faults.fired(), 1);   // the throttle is drawn when the call runs
  delay->ready_at = absl::Now();  // as if the wait were over
  DelayedCallScope rerun(delay);
  absl::Status status = faults.Before("dynamodb", "GetItem");
  EXPECT_EQ(AwsErrorName(status), "ProvisionedThroughputExceededException");
  EXPECT_EQ(faults.fired(), 2);
}

TEST(FaultInjectorTest, AnEarlyRunKeepsItsTimeAndDrawsNothing) {
  FaultInjector faults;
  ASSERT_TRUE(faults.SetRules({Rule(Kind::kLatency, absl::Seconds(5))}).ok());
  std::optional<CallDelay> delay = DelayedCallOf(faults.Before("dynamodb", "GetItem"));
  ASSERT_TRUE(delay.has_value());
  DelayedCallScope early(delay);
  std::optional<CallDelay> again = DelayedCallOf(faults.Before("dynamodb", "GetItem"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->ready_at, delay->ready_at);
  EXPECT_EQ(faults.fired(), 1);
}

TEST(FaultInjectorTest, LatenciesOfRulesThatFireAddUp) {
  FaultInjector faults;
  ASSERT_TRUE(faults
                  .SetRules({Rule(Kind::kLatency, absl::Seconds(1)),
                             Rule(Kind::kLatency, absl::Seconds(2))})
                  .ok());
  const absl::Time before = absl::Now();
  std::optional<CallDelay> delay = DelayedCallOf(faults.Before("dynamodb", "GetItem"));
  ASSERT_TRUE(delay.has_value());
  EXPECT_GE(delay->ready_at, before + absl::Seconds(3));
}

}  // namespace
}  // namespace awsfacade::backends::simulator
