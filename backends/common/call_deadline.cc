#include "backends/common/call_deadline.h"

namespace awsfacade::backends {
namespace {
thread_local absl::Time current_deadline = absl::InfiniteFuture();
thread_local bool may_retry = true;
}  // namespace

absl::Time CurrentCallDeadline() { return current_deadline; }

CallDeadlineScope::CallDeadlineScope(absl::Time deadline) : previous_(current_deadline) {
  current_deadline = deadline;
}

CallDeadlineScope::~CallDeadlineScope() { current_deadline = previous_; }

bool CurrentCallMayRetry() { return may_retry; }

SingleAttemptScope::SingleAttemptScope() : previous_(may_retry) { may_retry = false; }

SingleAttemptScope::~SingleAttemptScope() { may_retry = previous_; }

}  // namespace awsfacade::backends
