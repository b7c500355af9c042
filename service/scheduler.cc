#include "service/scheduler.h"

namespace awsfacade::service {

Scheduler::Scheduler(const backends::Clock* clock) : clock_(clock), thread_([this] { Loop(); }) {}

void Scheduler::ClockChanged() {
  absl::MutexLock lock(&mu_);
  changed_.Signal();
}

Scheduler::~Scheduler() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.Signal();
  }
  thread_.join();
}

Scheduler::Id Scheduler::RunAt(absl::Time when, std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  Id id = next_id_++;
  queue_.emplace(std::make_pair(when, id), std::move(fn));
  when_.emplace(id, when);
  changed_.Signal();
  return id;
}

bool Scheduler::Cancel(Id id) {
  absl::MutexLock lock(&mu_);
  auto it = when_.find(id);
  if (it == when_.end()) return false;
  queue_.erase(std::make_pair(it->second, id));
  when_.erase(it);
  return true;
}

void Scheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      changed_.Wait(&mu_);
      continue;
    }
    absl::Time first = queue_.begin()->first.first;
    const absl::Time now = Now();
    if (first > now) {
      // Woken early by a new callback, a clock change or stopping; then
      // look again. The wait is in wall time: `clock_` may run at another
      // pace (a FakeClock does not move by itself).
      changed_.WaitWithDeadline(&mu_, absl::Now() + (first - now));
      continue;
    }
    auto node = queue_.extract(queue_.begin());
    when_.erase(node.key().second);
    mu_.Unlock();
    node.mapped()();
    mu_.Lock();
  }
}

bool CancellableTimer::Arm(absl::Time when, std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  armed_ = scheduler_->RunAt(when, [this, fn = std::move(fn)] {
    {
      absl::MutexLock lock(&mu_);
      armed_.reset();
    }
    fn();
  });
  return true;
}

bool CancellableTimer::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (!armed_) return false;
  const bool dropped = scheduler_->Cancel(*armed_);
  armed_.reset();
  return dropped;
}

}  // namespace awsfacade::service
