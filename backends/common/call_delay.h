#ifndef AWSFACADE_BACKENDS_COMMON_CALL_DELAY_H_
#define AWSFACADE_BACKENDS_COMMON_CALL_DELAY_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace awsfacade::backends {

// Added latency that holds no thread.
//
// A backend decorator that delays calls (the simulator's latency faults)
// must not sleep: its caller's thread is a gRPC callback thread or one of a
// few subscription workers, and a sleeping one holds up every other call
// that needs it. It decides the delay and returns DelayedCallError() before
// the call runs; the caller waits on a timer (service/scheduler.h) and runs
// the same call again inside a DelayedCallScope once `ready_at` has come.
// The decorator lets that run through without delaying it again.
struct CallDelay {
  std::string service;    // as the decorator names it, e.g. "dynamodb"
  std::string operation;  // AWS operation name, e.g. "GetItem"
  absl::Time ready_at;    // when the call may run
};

// UNAVAILABLE, with RetryInfo for the time left, so a caller that does not
// know the protocol (and relays it) tells its client to retry at ready_at.
absl::Status DelayedCallError(const CallDelay& delay, absl::Time now);
// The delay a DelayedCallError carries; nullopt for any other status.
std::optional<CallDelay> DelayedCallOf(const absl::Status& status);

// Marks the calls made in its scope, on this thread, as the run of `delay`
// after the wait (nothing when `delay` is empty). Only the first call of
// that service and operation takes it (see TakeDelayedCall).
class DelayedCallScope {
 public:
  explicit DelayedCallScope(std::optional<CallDelay> delay);
  ~DelayedCallScope();
  DelayedCallScope(const DelayedCallScope&) = delete;
  DelayedCallScope& operator=(const DelayedCallScope&) = delete;
  // Whether a call took the delay (the innermost scope's answer).
  bool taken() const;

 private:
  const std::optional<CallDelay> delay_;
  const CallDelay* previous_;
  bool previous_taken_;
};

// For the decorator: when the current call is the run of a delayed call of
// `service` and `operation` (the innermost DelayedCallScope names them and
// no call took it yet), takes it and returns its ready_at. A ready_at still
// in the future means the caller ran it early (a subscription woken by a
// write): the decorator asks again for the same ready_at, not a new delay.
std::optional<absl::Time> TakeDelayedCall(absl::string_view service, absl::string_view operation);

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_CALL_DELAY_H_
