#ifndef AWSFACADE_TESTS_SERVICE_SUBSCRIPTIONS_MANUAL_EXECUTOR_H_
#define AWSFACADE_TESTS_SERVICE_SUBSCRIPTIONS_MANUAL_EXECUTOR_H_

#include <deque>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "backends/common/clock.h"
#include "service/executor.h"
#include "service/scheduler.h"

namespace awsfacade::testing {

// An executor that only queues: the test runs the work, on its own thread,
// when it says so. Thread-safe (timers queue from the scheduler's thread).
class ManualExecutor final : public service::Executor {
 public:
  void Run(absl::AnyInvocable<void() &&> fn) override {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(fn));
  }
  // Runs the oldest queued task; false when there was none.
  bool RunOne() {
    absl::AnyInvocable<void() &&> fn;
    {
      absl::MutexLock lock(&mu_);
      if (queue_.empty()) return false;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(fn)();
    return true;
  }
  // Runs until nothing is queued (what the tasks queue included); returns
  // how many ran.
  int Drain() {
    int ran = 0;
    while (RunOne()) ++ran;
    return ran;
  }
  int queued() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(queue_.size());
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
};

// Returns once every callback of `scheduler` due at `clock`'s current time
// has run: its thread runs them in time order, and this one is queued last.
inline void SettleTimers(service::Scheduler& scheduler, const backends::Clock& clock) {
  absl::Notification ran;
  scheduler.RunAt(clock.Now(), [&ran] { ran.Notify(); });
  scheduler.ClockChanged();
  ran.WaitForNotification();
}

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_SERVICE_SUBSCRIPTIONS_MANUAL_EXECUTOR_H_
