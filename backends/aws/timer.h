#ifndef AWSFACADE_BACKENDS_AWS_TIMER_H_
#define AWSFACADE_BACKENDS_AWS_TIMER_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace awsfacade::backends::aws {

// Where the AWS backend waits without holding a thread per wait: the
// backoff before a retry, and (rarely) a credentials fetch that may block.
// One thread runs every callback of the timer in due order; each callback
// must be quick (start an HTTP request, complete a call), except the one
// credentials fetch the backend hands it when its cache is empty (see
// aws_backends.cc).
//
// Destruction drops nothing: callbacks still pending run at once, in order,
// on the timer's thread, before the destructor returns (their calls then
// find the deadline or the transport gone and complete with an error).
// Destroying the timer from one of its own callbacks is allowed: the thread
// then finishes the queue and exits on its own.
class Timer {
 public:
  // Internal when the thread cannot start.
  static absl::StatusOr<std::shared_ptr<Timer>> Create();
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `fn` on the timer's thread once `delay` (steady time) has passed;
  // a delay of zero or less runs it as soon as the thread gets to it.
  void RunAfter(absl::Duration delay, absl::AnyInvocable<void() &&> fn);

  // Callbacks queued and not yet started (for tests).
  int pending() const;

 private:
  struct State;
  explicit Timer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_TIMER_H_
