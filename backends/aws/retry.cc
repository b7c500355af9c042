#include "backends/aws/retry.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/random/random.h"

namespace awsfacade::backends::aws {
namespace {

bool Contains(const std::vector<absl::string_view>& list, absl::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

class BitGenRandomSource final : public RandomSource {
 public:
  double Uniform01() override {
    absl::MutexLock lock(&mu_);
    return absl::Uniform<double>(absl::IntervalClosedOpen, gen_, 0.0, 1.0);
  }

 private:
  absl::Mutex mu_;
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

// botocore/retries/standard.py, TransientRetryableChecker.
const std::vector<absl::string_view>& TransientErrorCodes() {
  static const auto* const codes = new std::vector<absl::string_view>{
      "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"};
  return *codes;
}

const std::vector<int>& TransientStatusCodes() {
  static const auto* const codes = new std::vector<int>{500, 502, 503, 504};
  return *codes;
}

// botocore/retries/standard.py, ThrottledRetryableChecker. (It lists
// PriorRequestNotComplete as well as the transient checker does.)
const std::vector<absl::string_view>& ThrottlingErrorCodes() {
  static const auto* const codes = new std::vector<absl::string_view>{
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  return *codes;
}

ServiceRetryTraits RetryTraitsFor(absl::string_view service) {
  ServiceRetryTraits traits;
  if (service == "sts") {
    // botocore/retries/special.py RetryIDPCommunicationError.
    traits.modeled.push_back({"IDPCommunicationError", false});
  } else if (service == "dynamodb") {
    // dynamodb/2012-08-10/service-2.json: "retryable": {"throttling": false}.
    traits.modeled.push_back({"ReplicatedWriteConflictException", false});
  }
  return traits;
}

RetryDecision Classify(int http_status, absl::string_view aws_error_code,
                       TransportError transport_error, const ServiceRetryTraits& traits) {
  RetryDecision decision;
  const bool has_code = !aws_error_code.empty();
  if (has_code && Contains(TransientErrorCodes(), aws_error_code)) decision.transient = true;
  if (http_status != 0) {
    const auto& statuses = TransientStatusCodes();
    if (std::find(statuses.begin(), statuses.end(), http_status) != statuses.end()) {
      decision.transient = true;
    }
  } else if (transport_error != TransportError::kNone &&
             transport_error != TransportError::kOther) {
    // botocore: isinstance(caught_exception, (ConnectionError, HTTPClientError)).
    decision.transient = true;
  }
  if (has_code && Contains(ThrottlingErrorCodes(), aws_error_code)) decision.throttling = true;
  if (has_code) {
    for (const auto& modeled : traits.modeled) {
      if (modeled.code == aws_error_code) {
        decision.modeled = true;
        decision.throttling = decision.throttling || modeled.throttling;
      }
    }
  }
  decision.timeout = transport_error == TransportError::kConnectTimeout ||
                     transport_error == TransportError::kReadTimeout;
  decision.retryable = decision.transient || decision.throttling || decision.modeled;
  return decision;
}

std::shared_ptr<RandomSource> MakeDefaultRandomSource() {
  return std::make_shared<BitGenRandomSource>();
}

bool RetryQuota::Acquire(int amount) {
  absl::MutexLock lock(&mu_);
  if (amount > available_) return false;
  available_ -= amount;
  return true;
}

void RetryQuota::Release(int amount) {
  absl::MutexLock lock(&mu_);
  available_ += std::min(max_ - available_, amount);
}

int RetryQuota::available() const {
  absl::MutexLock lock(&mu_);
  return available_;
}

absl::Duration BackoffDelay(int attempt_number, double uniform01, absl::Duration base,
                            absl::Duration max_backoff) {
  // 2^(n-1) overflows nothing below 2^62; beyond ~40 the cap applies anyway.
  const int exponent = std::clamp(attempt_number - 1, 0, 40);
  const absl::Duration ceiling = std::min(base * std::ldexp(1.0, exponent), max_backoff);
  return ceiling * std::clamp(uniform01, 0.0, 1.0);
}

absl::string_view RetryStopName(RetryStop stop) {
  switch (stop) {
    case RetryStop::kNotRetryable:
      return "not retryable";
    case RetryStop::kMaxAttempts:
      return "max attempts reached";
    case RetryStop::kDeadline:
      return "no time left before the deadline";
    case RetryStop::kQuota:
      return "retry quota exhausted";
  }
  return "unknown";
}

RetryPolicy::RetryPolicy(RetryOptions options, const Clock& clock,
                         std::shared_ptr<RandomSource> random)
    : options_(std::move(options)),
      clock_(clock),
      random_(random != nullptr ? std::move(random) : MakeDefaultRandomSource()),
      quota_(options_.initial_quota) {}

RetryState RetryPolicy::Begin(absl::Time deadline, int max_attempts) {
  return RetryState(
      *this, deadline,
      max_attempts > 0 ? std::min(max_attempts, options_.max_attempts) : options_.max_attempts);
}

RetryState::Next RetryState::OnFailure(const RetryDecision& decision) {
  const RetryOptions& options = policy_->options_;
  Next next;
  const int failed_attempt = attempt_;
  if (failed_attempt >= max_attempts_) {
    next.stop = RetryStop::kMaxAttempts;
    return next;
  }
  if (!decision.retryable) {
    next.stop = RetryStop::kNotRetryable;
    return next;
  }
  const absl::Duration delay = BackoffDelay(failed_attempt, policy_->random_->Uniform01(),
                                            options.base_delay, options.max_backoff);
  if (deadline_ != absl::InfiniteFuture() && policy_->clock_.Now() + delay >= deadline_) {
    next.stop = RetryStop::kDeadline;
    return next;
  }
  const int cost = decision.timeout ? options.timeout_retry_cost : options.retry_cost;
  if (!policy_->quota_.Acquire(cost)) {
    next.stop = RetryStop::kQuota;
    return next;
  }
  last_acquired_ = cost;
  ++attempt_;
  next.retry = true;
  next.delay = delay;
  return next;
}

void RetryState::OnSuccess() {
  policy_->quota_.Release(last_acquired_ > 0 ? last_acquired_
                                             : policy_->options_.no_retry_increment);
}

absl::Duration RetryState::AttemptTimeout(absl::Duration per_attempt) const {
  if (deadline_ == absl::InfiniteFuture()) return per_attempt;
  const absl::Duration left = deadline_ - policy_->clock_.Now();
  return std::max(absl::ZeroDuration(), std::min(per_attempt, left));
}

}  // namespace awsfacade::backends::aws
