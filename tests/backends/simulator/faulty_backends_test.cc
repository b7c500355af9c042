// The fault-injecting decorators over an asynchronous backend: Async* calls
// reach the child's Async* (never its blocking form), a latency fault keeps
// the delayed-call protocol with CallContext::delayed, and IsAsynchronous is
// the child's answer.
#include "backends/simulator/faulty_backends.h"

#include <memory>
#include <optional>

#include "backends/common/aws_error.h"
#include "backends/common/call_delay.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/async_streams_fake.h"

namespace awsfacade::backends::simulator {
namespace {

using ::awsfacade::testing::AsyncStreamsFake;
using ::testing::Optional;
namespace ddbs = ::aws::dynamodbstreams::v1;

FaultInjector::Rule StreamsRule(FaultInjector::Kind kind,
                                absl::Duration latency = absl::ZeroDuration()) {
  FaultInjector::Rule rule;
  rule.service = "dynamodbstreams";
  rule.operation = "GetRecords";
  rule.kind = kind;
  rule.latency = latency;
  return rule;
}

class FaultyStreamsAsyncTest : public ::testing::Test {
 protected:
  // Runs AsyncGetRecords with `context`; the answer, if it came at once.
  std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> Call(const CallContext& context) {
    std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> answer;
    ddbs::GetRecordsRequest request;
    request.set_shard_iterator("it-1");
    faulty_.AsyncGetRecords(
        context, request,
        [&answer](absl::StatusOr<ddbs::GetRecordsResponse> r) { answer = std::move(r); });
    return answer;
  }

  std::shared_ptr<AsyncStreamsFake> child_ = std::make_shared<AsyncStreamsFake>();
  std::shared_ptr<FaultInjector> faults_ = std::make_shared<FaultInjector>();
  FaultyDynamoDbStreams faulty_{child_, faults_};
};

TEST_F(FaultyStreamsAsyncTest, ForwardsToTheChildsAsyncFormAndItsAnswer) {
  EXPECT_TRUE(faulty_.IsAsynchronous());
  CallContext context;
  context.deadline = absl::Now() + absl::Seconds(3);
  context.may_retry = false;
  EXPECT_EQ(Call(context), std::nullopt);  // held by the child, not answered
  ASSERT_EQ(child_->held(), 1);
  AsyncStreamsFake::HeldCall held = child_->TakeHeld();
  EXPECT_EQ(held.request.shard_iterator(), "it-1");
  EXPECT_EQ(held.context.deadline, context.deadline);
  EXPECT_FALSE(held.context.may_retry);
  EXPECT_EQ(child_->blocking_calls(), 0);
}

TEST_F(FaultyStreamsAsyncTest, AnInjectedErrorAnswersWithoutTheChild) {
  ASSERT_TRUE(faults_->SetRules({StreamsRule(FaultInjector::Kind::kThrottle)}).ok());
  std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> answer = Call(CallContext{});
  ASSERT_TRUE(answer.has_value());
  EXPECT_THAT(AwsErrorName(answer->status()), Optional(std::string("LimitExceededException")));
  EXPECT_EQ(child_->held(), 0);
}

// The latency fault asks to run later (DelayedCallError); the run after the
// wait carries the delay in its context, takes it here, and reaches the
// child without it.
TEST_F(FaultyStreamsAsyncTest, ALatencyFaultKeepsTheDelayedCallProtocol) {
  ASSERT_TRUE(
      faults_->SetRules({StreamsRule(FaultInjector::Kind::kLatency, absl::Seconds(5))}).ok());
  std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> first = Call(CallContext{});
  ASSERT_TRUE(first.has_value());
  std::optional<CallDelay> delay = DelayedCallOf(first->status());
  ASSERT_TRUE(delay.has_value()) << first->status();
  EXPECT_EQ(delay->service, "dynamodbstreams");
  EXPECT_EQ(delay->operation, "GetRecords");
  EXPECT_EQ(child_->held(), 0);

  delay->ready_at = absl::Now();  // as if the wait were over
  CallContext rerun;
  rerun.delayed = delay;
  EXPECT_EQ(Call(rerun), std::nullopt);
  ASSERT_EQ(child_->held(), 1);
  EXPECT_EQ(child_->TakeHeld().context.delayed, std::nullopt);
  EXPECT_EQ(faults_->fired(), 1);  // the run drew no new latency
  EXPECT_EQ(child_->blocking_calls(), 0);
}

}  // namespace
}  // namespace awsfacade::backends::simulator
