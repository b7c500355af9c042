#ifndef AWSFACADE_BACKENDS_COMMON_CALL_DEADLINE_H_
#define AWSFACADE_BACKENDS_COMMON_CALL_DEADLINE_H_

#include "absl/time/time.h"

namespace awsfacade::backends {

// The deadline of the gRPC call a backend method is serving, so a backend
// doing I/O (real AWS) never works past the moment its caller gave up.
// service/ sets it around each backend call on the thread that runs it;
// absl::InfiniteFuture() when the caller set none or outside any call.
absl::Time CurrentCallDeadline();

class CallDeadlineScope {
 public:
  explicit CallDeadlineScope(absl::Time deadline);
  ~CallDeadlineScope();
  CallDeadlineScope(const CallDeadlineScope&) = delete;
  CallDeadlineScope& operator=(const CallDeadlineScope&) = delete;

 private:
  absl::Time previous_;
};

// Whether the backend may retry the call it is serving. The subscription
// engine rides out throttling and transient errors on its own schedule
// (backoff, RetryInfo) and must never end a subscription on them, so it asks
// for one attempt per backend call: retries then happen at exactly one
// layer, never attempts times attempts. True outside any SingleAttemptScope.
bool CurrentCallMayRetry();

class SingleAttemptScope {
 public:
  SingleAttemptScope();
  ~SingleAttemptScope();
  SingleAttemptScope(const SingleAttemptScope&) = delete;
  SingleAttemptScope& operator=(const SingleAttemptScope&) = delete;

 private:
  bool previous_;
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_CALL_DEADLINE_H_
