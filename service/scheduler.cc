#include "service/scheduler.h"

namespace awsfacade::service {

Scheduler::Scheduler() : thread_([this] { Loop(); }) {}

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

void Scheduler::Cancel(Id id) {
  absl::MutexLock lock(&mu_);
  auto it = when_.find(id);
  if (it == when_.end()) return;
  queue_.erase(std::make_pair(it->second, id));
  when_.erase(it);
}

void Scheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      changed_.Wait(&mu_);
      continue;
    }
    absl::Time first = queue_.begin()->first.first;
    if (first > absl::Now()) {
      // Woken early by a new callback or by stopping; then look again.
      changed_.WaitWithDeadline(&mu_, first);
      continue;
    }
    auto node = queue_.extract(queue_.begin());
    when_.erase(node.key().second);
    mu_.Unlock();
    node.mapped()();
    mu_.Lock();
  }
}

}  // namespace awsfacade::service
