#ifndef AWSFACADE_BACKENDS_AWS_RETRY_H_
#define AWSFACADE_BACKENDS_AWS_RETRY_H_

// AWS "standard" retry mode, as botocore 1.43 implements it in
// botocore/retries/standard.py and botocore/retries/quota.py (the default
// behaviour there: AWS_NEW_RETRIES_2026 unset). The pieces:
//
//  * Classify(status, error code, transport error): is a failed attempt
//    retryable, and is it transient and/or throttling. The lists are
//    botocore's, verbatim (tests/backends/aws/retry_botocore_oracle_test.py
//    compares the two on a shared table):
//      transient  = error code in {RequestTimeout, RequestTimeoutException,
//                   PriorRequestNotComplete}
//                   or an HTTP response with status 500, 502, 503 or 504
//                   or no response because of a connection error / HTTP
//                   client error (every TransportError except kOther);
//      throttling = error code in {Throttling, ThrottlingException,
//                   ThrottledException, RequestThrottledException,
//                   TooManyRequestsException,
//                   ProvisionedThroughputExceededException,
//                   TransactionInProgressException, RequestLimitExceeded,
//                   BandwidthLimitExceeded, LimitExceededException,
//                   RequestThrottled, SlowDown, PriorRequestNotComplete,
//                   EC2ThrottledException};
//      modeled    = error codes a service model marks "retryable", plus
//                   botocore's special cases (STS IDPCommunicationError);
//                   see RetryTraitsFor.
//    Note what is NOT retried: HTTP 429 or 509 without one of the codes above
//    (those are legacy-mode rules), and 4xx errors in general.
//
//  * Backoff: full jitter, delay = rand[0,1) * min(2^(n-1) s, 20 s) after the
//    n-th attempt failed (n from 1): the first retry waits up to 1 s, the
//    second up to 2 s, then 4, 8, 16, 20, 20, ... Throttling and transient
//    errors back off alike.
//
//  * Attempts: 3 in total by default (the first call and two retries).
//
//  * Retry quota (a token bucket shared by every call of one client): 500
//    tokens; each retry takes 5, or 10 when the attempt failed with a connect
//    or read timeout; no tokens means no retry. A call that succeeds (2xx)
//    without having retried returns 1 token; one that succeeds after retries
//    returns what its last retry took. Failed calls return nothing. Never
//    above 500.
//
//  * Deadline (our addition; botocore has none): a retry is made only when
//    its backoff ends before the caller's deadline, so a call never sleeps
//    past it; RetryState::AttemptTimeout caps each attempt at what is left.
//
// Decisions happen here; waiting happens in the caller, which must not
// block a gRPC thread while it waits (schedule the next attempt instead).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/aws/http_client.h"
#include "backends/common/clock.h"

namespace awsfacade::backends::aws {

// What Classify found. `retryable` is transient || throttling || modeled
// (StandardRetryConditions without the attempt count); the parts are
// botocore's TransientRetryableChecker, ThrottledRetryableChecker and
// ModeledRetryableChecker (+ special cases).
struct RetryDecision {
  bool retryable = false;
  bool transient = false;
  bool throttling = false;
  bool modeled = false;
  // A connect or read timeout: the retry costs kTimeoutRetryCost tokens.
  bool timeout = false;
};

// Per-service additions to the fixed lists: error codes the service model
// marks retryable (botocore ModeledRetryErrorDetector) and botocore's special
// cases (retries/special.py).
struct ServiceRetryTraits {
  struct ModeledError {
    std::string code;
    bool throttling = false;
  };
  std::vector<ModeledError> modeled;
};

// The traits of a botocore service name ("sts", "dynamodb",
// "dynamodbstreams", "personalize", "cognito-sync", ...): "sts" retries
// IDPCommunicationError; "dynamodb" retries ReplicatedWriteConflictException
// (modeled retryable, not throttling). The services the facade mirrors
// model no retryable errors, so they get none. (botocore's DynamoDB CRC32
// check is not applied: the facade does not ask for x-amz-crc32.)
ServiceRetryTraits RetryTraitsFor(absl::string_view service);

// Classifies one failed attempt.
//   http_status: the response's status, or 0 when there was no response.
//   aws_error_code: the parsed AWS error code ("" when none), already
//     stripped of any namespace ("...#Code") and ":suffix".
//   transport_error: why there was no response (kNone when there was one).
// An attempt with a 2xx status and no error code is not retryable.
RetryDecision Classify(int http_status, absl::string_view aws_error_code,
                       TransportError transport_error,
                       const ServiceRetryTraits& traits = ServiceRetryTraits{});

// The botocore lists, for tests and documentation.
const std::vector<absl::string_view>& TransientErrorCodes();
const std::vector<int>& TransientStatusCodes();
const std::vector<absl::string_view>& ThrottlingErrorCodes();

// Uniform random numbers in [0, 1). Thread-safe implementations only.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double Uniform01() = 0;
};

// absl::BitGen behind a mutex.
std::shared_ptr<RandomSource> MakeDefaultRandomSource();

struct RetryOptions {
  int max_attempts = 3;  // botocore DEFAULT_MAX_ATTEMPTS; includes the first
  absl::Duration base_delay = absl::Seconds(1);  // 2^(n-1) is in these units
  absl::Duration max_backoff = absl::Seconds(20);
  int initial_quota = 500;
  int retry_cost = 5;
  int timeout_retry_cost = 10;
  int no_retry_increment = 1;
  ServiceRetryTraits traits;
};

// The retry quota: a token bucket. Thread-safe.
class RetryQuota {
 public:
  explicit RetryQuota(int capacity) : max_(capacity), available_(capacity) {}

  // Takes `amount` tokens if there are that many; false otherwise.
  bool Acquire(int amount);
  // Returns up to `amount` tokens, never above the initial capacity.
  void Release(int amount);
  int available() const;

 private:
  const int max_;
  mutable absl::Mutex mu_;
  int available_ ABSL_GUARDED_BY(mu_);
};

// The delay before the retry that follows failed attempt `attempt_number`
// (1-based): uniform01 * min(base * 2^(attempt_number - 1), max_backoff).
absl::Duration BackoffDelay(int attempt_number, double uniform01,
                            absl::Duration base = absl::Seconds(1),
                            absl::Duration max_backoff = absl::Seconds(20));

class RetryState;

// One client's retry policy: options, the shared quota, randomness and time.
// Create one per AWS client (botocore: per client) and a RetryState per
// call. Thread-safe.
class RetryPolicy {
 public:
  RetryPolicy(RetryOptions options, const Clock& clock,
              std::shared_ptr<RandomSource> random = MakeDefaultRandomSource());

  // Starts the bookkeeping for one logical call that must finish by
  // `deadline` (absl::InfiniteFuture() for none), with at most
  // `max_attempts` attempts (0: the options' max_attempts; 1: no retry, for
  // a caller that retries on its own schedule).
  RetryState Begin(absl::Time deadline, int max_attempts = 0);

  const RetryOptions& options() const { return options_; }
  RetryQuota& quota() { return quota_; }
  const Clock& clock() const { return clock_; }

 private:
  friend class RetryState;
  const RetryOptions options_;
  const Clock& clock_;
  std::shared_ptr<RandomSource> random_;
  RetryQuota quota_;
};

// Why RetryState::OnFailure said no.
enum class RetryStop {
  kNotRetryable,
  kMaxAttempts,
  kDeadline,  // the backoff would end at or after the deadline
  kQuota,     // the retry quota is empty
};
absl::string_view RetryStopName(RetryStop stop);

// The retry bookkeeping of one logical call. Not thread-safe (one call runs
// one attempt at a time). Usage:
//
//   RetryState state = policy.Begin(deadline);
//   while (true) {
//     attempt with timeout state.AttemptTimeout(per_attempt_timeout);
//     if (success) { state.OnSuccess(); return; }
//     auto next = state.OnFailure(Classify(...));
//     if (!next.retry) return the attempt's error;  // next.stop says why
//     wait next.delay (without blocking a gRPC thread), then loop
//   }
class RetryState {
 public:
  struct Next {
    bool retry = false;
    absl::Duration delay = absl::ZeroDuration();  // when retry
    RetryStop stop = RetryStop::kNotRetryable;    // when !retry
  };

  // Records a failed attempt and decides. In botocore's order: attempts
  // left and retryable, then (ours) the deadline, then the quota, whose
  // tokens are taken only when the retry will happen.
  Next OnFailure(const RetryDecision& decision);

  // Records the call's success (2xx): refunds the quota.
  void OnSuccess();

  // Attempts started so far (1 before the first OnFailure).
  int attempt() const { return attempt_; }
  absl::Time deadline() const { return deadline_; }

  // The timeout for the next attempt: `per_attempt` capped by the time left
  // before the deadline (zero when it has passed).
  absl::Duration AttemptTimeout(absl::Duration per_attempt) const;

 private:
  friend class RetryPolicy;
  RetryState(RetryPolicy& policy, absl::Time deadline, int max_attempts)
      : policy_(&policy), deadline_(deadline), max_attempts_(max_attempts) {}

  RetryPolicy* policy_;
  absl::Time deadline_;
  int max_attempts_;
  int attempt_ = 1;
  int last_acquired_ = 0;  // tokens taken by the last retry, 0 = no retry yet
};

// Runs `attempt` (given its timeout) until it succeeds, fails for good, or
// the deadline leaves no room, sleeping with `sleep` between attempts. For
// code that may block (the credentials providers, on their own threads);
// the gRPC path drives RetryState itself. `classify` maps one attempt's
// outcome to a decision, or nullopt for success.
template <typename T>
T RunWithRetries(RetryPolicy& policy, absl::Time deadline, absl::Duration per_attempt,
                 const std::function<T(absl::Duration timeout)>& attempt,
                 const std::function<std::optional<RetryDecision>(const T&)>& classify,
                 const std::function<void(absl::Duration)>& sleep) {
  RetryState state = policy.Begin(deadline);
  while (true) {
    T result = attempt(state.AttemptTimeout(per_attempt));
    const std::optional<RetryDecision> decision = classify(result);
    if (!decision.has_value()) {
      state.OnSuccess();
      return result;
    }
    const RetryState::Next next = state.OnFailure(*decision);
    if (!next.retry) return result;
    sleep(next.delay);
  }
}

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_RETRY_H_
