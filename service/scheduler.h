#ifndef AWSFACADE_SERVICE_SCHEDULER_H_
#define AWSFACADE_SERVICE_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace awsfacade::service {

// Runs callbacks at wall-clock times on one thread. Callbacks must be quick
// (they hand work to an Executor); they never run under the scheduler's lock.
class Scheduler {
 public:
  using Id = uint64_t;
  Scheduler();
  ~Scheduler();  // drops pending callbacks, joins the thread

  Id RunAt(absl::Time when, std::function<void()> fn);
  Id RunAfter(absl::Duration delay, std::function<void()> fn) {
    return RunAt(absl::Now() + delay, std::move(fn));
  }
  // Removes a pending callback; no effect if it already ran.
  void Cancel(Id id);

 private:
  void Loop();

  absl::Mutex mu_;
  absl::CondVar changed_;
  std::map<std::pair<absl::Time, Id>, std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  std::map<Id, absl::Time> when_ ABSL_GUARDED_BY(mu_);
  Id next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_SCHEDULER_H_
