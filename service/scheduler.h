#ifndef AWSFACADE_SERVICE_SCHEDULER_H_
#define AWSFACADE_SERVICE_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"

namespace awsfacade::service {

// Runs callbacks at times of a clock (by default the wall clock) on one
// thread. Callbacks must be quick (they hand work to an Executor); they
// never run under the scheduler's lock.
class Scheduler {
 public:
  using Id = uint64_t;
  // `clock` (null: the wall clock) must outlive the scheduler. With a clock
  // that jumps (a FakeClock in tests), call ClockChanged() after moving it.
  explicit Scheduler(const backends::Clock* clock = nullptr);
  ~Scheduler();  // drops pending callbacks, joins the thread

  Id RunAt(absl::Time when, std::function<void()> fn);
  Id RunAfter(absl::Duration delay, std::function<void()> fn) {
    return RunAt(Now() + delay, std::move(fn));
  }
  // Looks at the clock again: runs what is due now.
  void ClockChanged();
  absl::Time Now() const { return clock_ != nullptr ? clock_->Now() : absl::Now(); }
  // Removes a pending callback. True when it was pending (it will never
  // run); false when it already ran or is running.
  bool Cancel(Id id);

 private:
  void Loop();

  const backends::Clock* const clock_;
  absl::Mutex mu_;
  absl::CondVar changed_;
  std::map<std::pair<absl::Time, Id>, std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  std::map<Id, absl::Time> when_ ABSL_GUARDED_BY(mu_);
  Id next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// One callback at a time on a Scheduler, which its owner may drop: a
// reactor waiting for a delayed backend call (backends/common/call_delay.h)
// that its client may cancel meanwhile. For each Arm, exactly one of "the
// callback runs" and "Cancel() returns true" happens, so the reactor
// finishes exactly once whichever comes first. Cancel() is final: a later
// Arm is refused.
class CancellableTimer {
 public:
  explicit CancellableTimer(Scheduler* scheduler) : scheduler_(scheduler) {}
  // Runs `fn` at `when` on the scheduler's thread. False (fn dropped) after
  // Cancel().
  bool Arm(absl::Time when, std::function<void()> fn);
  // True when an armed callback was dropped; false when none was armed or
  // it has started.
  bool Cancel();

 private:
  Scheduler* const scheduler_;
  absl::Mutex mu_;
  std::optional<Scheduler::Id> armed_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_SCHEDULER_H_
