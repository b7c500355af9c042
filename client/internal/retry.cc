#include "client/internal/retry.h"

#include <algorithm>
#include <cmath>

namespace awsfacade::client::internal {

bool IsRetryable(const RetryPolicy& policy, const absl::Status& status) {
  return !status.ok() && policy.retryable_codes.count(status.code()) > 0;
}

absl::Duration BackoffDelay(const RetryPolicy& policy, int failures, const absl::Status& status) {
  if (auto server_delay = RetryDelay(status)) return *server_delay;
  absl::Duration delay =
      policy.initial_backoff * std::pow(policy.multiplier, std::max(0, failures - 1));
  return std::min(delay, policy.max_backoff);
}

bool SleepBefore(absl::Duration delay, absl::Time deadline) {
  if (absl::Now() + delay >= deadline) return false;
  absl::SleepFor(delay);
  return true;
}

}  // namespace awsfacade::client::internal
