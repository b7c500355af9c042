#include "backends/aws/retry.h"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends::aws {
namespace {

using ::testing::ElementsAre;

// Returns the queued numbers in order, then the last one forever.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::vector<double> values) : values_(values.begin(), values.end()) {}
  double Uniform01() override {
    absl::MutexLock lock(&mu_);
    const double value = values_.front();
    if (values_.size() > 1) values_.pop_front();
    return value;
  }

 private:
  absl::Mutex mu_;
  std::deque<double> values_ ABSL_GUARDED_BY(mu_);
};

RetryDecision Throttled() { return Classify(400, "ThrottlingException", TransportError::kNone); }
RetryDecision ServerError() { return Classify(500, "InternalFailure", TransportError::kNone); }
RetryDecision ReadTimeout() { return Classify(0, "", TransportError::kReadTimeout); }

TEST(RetryClassifyTest, TransientStatusCodesAreRetryable) {
  for (int status : {500, 502, 503, 504}) {
    const RetryDecision d = Classify(status, "", TransportError::kNone);
    EXPECT_TRUE(d.retryable) << status;
    EXPECT_TRUE(d.transient) << status;
    EXPECT_FALSE(d.throttling) << status;
  }
}

TEST(RetryClassifyTest, OtherStatusCodesWithoutCodeAreNotRetryable) {
  // 429 and 509 are legacy-mode rules; standard mode needs a code.
  for (int status : {200, 400, 403, 404, 429, 501, 505, 509}) {
    EXPECT_FALSE(Classify(status, "", TransportError::kNone).retryable) << status;
  }
}

TEST(RetryClassifyTest, EveryThrottlingCodeIsThrottling) {
  ASSERT_EQ(ThrottlingErrorCodes().size(), 14u);
  for (absl::string_view code : ThrottlingErrorCodes()) {
    const RetryDecision d = Classify(400, code, TransportError::kNone);
    EXPECT_TRUE(d.retryable) << code;
    EXPECT_TRUE(d.throttling) << code;
  }
}

TEST(RetryClassifyTest, TransientCodesAreTransient) {
  for (absl::string_view code : {"RequestTimeout", "RequestTimeoutException"}) {
    const RetryDecision d = Classify(400, code, TransportError::kNone);
    EXPECT_TRUE(d.transient) << code;
    EXPECT_FALSE(d.throttling) << code;
  }
}

TEST(RetryClassifyTest, PriorRequestNotCompleteIsBothTransientAndThrottling) {
  const RetryDecision d = Classify(400, "PriorRequestNotComplete", TransportError::kNone);
  EXPECT_TRUE(d.transient);
  EXPECT_TRUE(d.throttling);
}

TEST(RetryClassifyTest, QuotaErrorsOfOurServicesAreThrottling) {
  // docs/aws-semantics.md §2.3, §9.5: standard mode retries LimitExceededException and
  // TooManyRequestsException (Personalize, Cognito Sync quotas).
  EXPECT_TRUE(Classify(400, "LimitExceededException", TransportError::kNone).throttling);
  EXPECT_TRUE(Classify(429, "TooManyRequestsException", TransportError::kNone).throttling);
}

TEST(RetryClassifyTest, CodesMatchExactly) {
  for (absl::string_view code :
       {"throttlingexception", "ThrottlingException ", "Throttled", "LimitExceeded",
        "ValidationException", "ResourceNotFoundException", "AccessDeniedException"}) {
    EXPECT_FALSE(Classify(400, code, TransportError::kNone).retryable) << code;
  }
}

TEST(RetryClassifyTest, TransportErrorsAreTransientExceptOther) {
  for (TransportError e : {TransportError::kConnectTimeout, TransportError::kReadTimeout,
                           TransportError::kConnectionError, TransportError::kConnectionClosed}) {
    const RetryDecision d = Classify(0, "", e);
    EXPECT_TRUE(d.retryable) << TransportErrorName(e);
    EXPECT_TRUE(d.transient) << TransportErrorName(e);
  }
  EXPECT_FALSE(Classify(0, "", TransportError::kOther).retryable);
}

TEST(RetryClassifyTest, OnlyTimeoutsCostTheTimeoutPrice) {
  EXPECT_TRUE(Classify(0, "", TransportError::kConnectTimeout).timeout);
  EXPECT_TRUE(Classify(0, "", TransportError::kReadTimeout).timeout);
  EXPECT_FALSE(Classify(0, "", TransportError::kConnectionClosed).timeout);
  EXPECT_FALSE(Classify(503, "", TransportError::kNone).timeout);
}

TEST(RetryClassifyTest, ServiceTraitsAddModeledErrors) {
  EXPECT_FALSE(Classify(400, "IDPCommunicationError", TransportError::kNone).retryable);
  const RetryDecision sts =
      Classify(400, "IDPCommunicationError", TransportError::kNone, RetryTraitsFor("sts"));
  EXPECT_TRUE(sts.retryable);
  EXPECT_TRUE(sts.modeled);
  EXPECT_FALSE(sts.throttling);
  EXPECT_TRUE(Classify(400, "ReplicatedWriteConflictException", TransportError::kNone,
                       RetryTraitsFor("dynamodb"))
                  .retryable);
  EXPECT_FALSE(Classify(400, "ReplicatedWriteConflictException", TransportError::kNone,
                        RetryTraitsFor("dynamodbstreams"))
                   .retryable);
}

TEST(RetryBackoffTest, FullJitterDoublingCappedAtTwentySeconds) {
  EXPECT_EQ(BackoffDelay(1, 1.0), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(2, 1.0), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(3, 0.5), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(5, 1.0), absl::Seconds(16));
  EXPECT_EQ(BackoffDelay(6, 1.0), absl::Seconds(20));
  EXPECT_EQ(BackoffDelay(60, 0.25), absl::Seconds(5));
  EXPECT_EQ(BackoffDelay(1, 0.0), absl::ZeroDuration());
}

TEST(RetryQuotaTest, AcquireAndReleaseStayWithinCapacity) {
  RetryQuota quota(12);
  EXPECT_TRUE(quota.Acquire(5));
  EXPECT_TRUE(quota.Acquire(5));
  EXPECT_FALSE(quota.Acquire(5));
  EXPECT_EQ(quota.available(), 2);
  quota.Release(100);
  EXPECT_EQ(quota.available(), 12);
}

class RetryStateTest : public ::testing::Test {
 protected:
  FakeClock clock_;
};

TEST_F(RetryStateTest, ThreeAttemptsByDefault) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{0.5}));
  RetryState state = policy.Begin(absl::InfiniteFuture());
  RetryState::Next first = state.OnFailure(ServerError());
  ASSERT_TRUE(first.retry);
  EXPECT_EQ(first.delay, absl::Milliseconds(500));
  RetryState::Next second = state.OnFailure(ServerError());
  ASSERT_TRUE(second.retry);
  EXPECT_EQ(second.delay, absl::Seconds(1));
  RetryState::Next third = state.OnFailure(ServerError());
  EXPECT_FALSE(third.retry);
  EXPECT_EQ(third.stop, RetryStop::kMaxAttempts);
  EXPECT_EQ(state.attempt(), 3);
}

TEST_F(RetryStateTest, SingleAttemptCallStopsAtItsFirstFailureWithoutTakingTokens) {
  RetryPolicy policy(RetryOptions{}, clock_);
  RetryState state = policy.Begin(absl::InfiniteFuture(), /*max_attempts=*/1);
  RetryState::Next next = state.OnFailure(Throttled());
  EXPECT_FALSE(next.retry);
  EXPECT_EQ(next.stop, RetryStop::kMaxAttempts);
  EXPECT_EQ(policy.quota().available(), 500);
}

TEST_F(RetryStateTest, MaxAttemptsOfACallNeverExceedThePolicys) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{0.1}));
  RetryState state = policy.Begin(absl::InfiniteFuture(), /*max_attempts=*/10);
  EXPECT_TRUE(state.OnFailure(Throttled()).retry);
  EXPECT_TRUE(state.OnFailure(Throttled()).retry);
  EXPECT_EQ(state.OnFailure(Throttled()).stop, RetryStop::kMaxAttempts);
}

TEST_F(RetryStateTest, NonRetryableStopsAtOnceWithoutTakingTokens) {
  RetryPolicy policy(RetryOptions{}, clock_);
  RetryState state = policy.Begin(absl::InfiniteFuture());
  RetryState::Next next =
      state.OnFailure(Classify(400, "ValidationException", TransportError::kNone));
  EXPECT_FALSE(next.retry);
  EXPECT_EQ(next.stop, RetryStop::kNotRetryable);
  EXPECT_EQ(policy.quota().available(), 500);
}

TEST_F(RetryStateTest, NeverSleepsPastTheDeadline) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{0.9}));
  // 0.9 s of backoff would end after a deadline 0.5 s away.
  RetryState state = policy.Begin(clock_.Now() + absl::Milliseconds(500));
  RetryState::Next next = state.OnFailure(Throttled());
  EXPECT_FALSE(next.retry);
  EXPECT_EQ(next.stop, RetryStop::kDeadline);
  EXPECT_EQ(policy.quota().available(), 500) << "no tokens for a retry that does not happen";
}

TEST_F(RetryStateTest, RetriesWhenTheBackoffEndsBeforeTheDeadline) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{0.4}));
  RetryState state = policy.Begin(clock_.Now() + absl::Milliseconds(500));
  RetryState::Next next = state.OnFailure(Throttled());
  ASSERT_TRUE(next.retry);
  EXPECT_EQ(next.delay, absl::Milliseconds(400));
  clock_.Advance(next.delay);
  EXPECT_EQ(state.AttemptTimeout(absl::Seconds(10)), absl::Milliseconds(100));
}

TEST_F(RetryStateTest, AttemptTimeoutIsZeroAfterTheDeadline) {
  RetryPolicy policy(RetryOptions{}, clock_);
  RetryState state = policy.Begin(clock_.Now() + absl::Seconds(1));
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(state.AttemptTimeout(absl::Seconds(10)), absl::ZeroDuration());
}

TEST_F(RetryStateTest, QuotaCostsFiveOrTenAndRefundsOnSuccess) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{0.0}));
  RetryState a = policy.Begin(absl::InfiniteFuture());
  ASSERT_TRUE(a.OnFailure(ServerError()).retry);
  EXPECT_EQ(policy.quota().available(), 495);
  ASSERT_TRUE(a.OnFailure(ReadTimeout()).retry);
  EXPECT_EQ(policy.quota().available(), 485);
  a.OnSuccess();  // refunds the last retry's cost
  EXPECT_EQ(policy.quota().available(), 495);

  RetryState b = policy.Begin(absl::InfiniteFuture());
  b.OnSuccess();  // no retry: +1
  EXPECT_EQ(policy.quota().available(), 496);
}

TEST_F(RetryStateTest, EmptyQuotaStopsRetries) {
  RetryOptions options;
  options.initial_quota = 7;
  RetryPolicy policy(options, clock_, std::make_shared<ScriptedRandom>(std::vector{0.0}));
  RetryState a = policy.Begin(absl::InfiniteFuture());
  ASSERT_TRUE(a.OnFailure(ServerError()).retry);
  RetryState b = policy.Begin(absl::InfiniteFuture());
  RetryState::Next next = b.OnFailure(ServerError());
  EXPECT_FALSE(next.retry);
  EXPECT_EQ(next.stop, RetryStop::kQuota);
}

TEST_F(RetryStateTest, FailedCallsRefundNothing) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{0.0}));
  RetryState state = policy.Begin(absl::InfiniteFuture());
  ASSERT_TRUE(state.OnFailure(ServerError()).retry);
  ASSERT_TRUE(state.OnFailure(ServerError()).retry);
  EXPECT_FALSE(state.OnFailure(ServerError()).retry);
  EXPECT_EQ(policy.quota().available(), 490);
}

TEST_F(RetryStateTest, RunWithRetriesSleepsTheBackoffAndStopsOnSuccess) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{0.5}));
  std::vector<absl::Duration> sleeps;
  std::vector<absl::Duration> timeouts;
  int calls = 0;
  std::function<absl::StatusOr<int>(absl::Duration)> attempt =
      [&](absl::Duration timeout) -> absl::StatusOr<int> {
    timeouts.push_back(timeout);
    return ++calls < 3 ? absl::StatusOr<int>(absl::UnavailableError("503")) : 42;
  };
  std::function<std::optional<RetryDecision>(const absl::StatusOr<int>&)> classify =
      [](const absl::StatusOr<int>& r) -> std::optional<RetryDecision> {
    if (r.ok()) return std::nullopt;
    return Classify(503, "", TransportError::kNone);
  };
  std::function<void(absl::Duration)> sleep = [&](absl::Duration d) {
    sleeps.push_back(d);
    clock_.Advance(d);
  };
  absl::StatusOr<int> result = RunWithRetries(policy, clock_.Now() + absl::Seconds(10),
                                              absl::Seconds(3), attempt, classify, sleep);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_THAT(sleeps, ElementsAre(absl::Milliseconds(500), absl::Seconds(1)));
  EXPECT_THAT(timeouts, ElementsAre(absl::Seconds(3), absl::Seconds(3), absl::Seconds(3)));
  EXPECT_EQ(policy.quota().available(), 495);  // two retries took 10; success refunds 5
}

TEST_F(RetryStateTest, RunWithRetriesReturnsTheLastErrorWhenTimeRunsOut) {
  RetryPolicy policy(RetryOptions{}, clock_, std::make_shared<ScriptedRandom>(std::vector{1.0}));
  int calls = 0;
  std::function<absl::StatusOr<int>(absl::Duration)> attempt =
      [&](absl::Duration) -> absl::StatusOr<int> {
    ++calls;
    clock_.Advance(absl::Milliseconds(700));  // each attempt takes 0.7 s
    return absl::UnavailableError("throttled");
  };
  std::function<std::optional<RetryDecision>(const absl::StatusOr<int>&)> classify =
      [](const absl::StatusOr<int>&) -> std::optional<RetryDecision> { return Throttled(); };
  std::function<void(absl::Duration)> sleep = [&](absl::Duration d) { clock_.Advance(d); };
  absl::StatusOr<int> result = RunWithRetries(policy, clock_.Now() + absl::Seconds(2),
                                              absl::Seconds(1), attempt, classify, sleep);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  // 0.7 s attempt + 1 s backoff = 1.7 s < 2 s: a second attempt; then 2.4 s
  // have passed and no backoff fits.
  EXPECT_EQ(calls, 2);
  EXPECT_LE(clock_.Now(),
            absl::FromUnixSeconds(1767225600) + absl::Seconds(2) + absl::Milliseconds(700));
}

}  // namespace
}  // namespace awsfacade::backends::aws
