#include "service/subscriptions/strand.h"

#include <utility>

namespace awsfacade::service::subscriptions {

void Strand::Open(std::weak_ptr<void> owner) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    owner_ = std::move(owner);
    open_ = true;
  }
  Kick();
}

void Strand::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  if (timer_) env_->scheduler->Cancel(*timer_);
  timer_.reset();
  timer_at_ = absl::InfiniteFuture();
}

void Strand::Kick() {
  std::shared_ptr<void> owner;
  {
    absl::MutexLock lock(&mu_);
    if (!open_ || closed_) return;
    if (running_) {
      rerun_ = true;
      return;
    }
    owner = owner_.lock();
    if (owner == nullptr) return;  // the session is going away
    running_ = true;
  }
  env_->executor->Run([this, owner = std::move(owner)] { RunSteps(); });
}

void Strand::RunSteps() {
  {
    // A turn queued before Close() runs no step (one that runs finishes).
    absl::MutexLock lock(&mu_);
    if (closed_) {
      running_ = false;
      return;
    }
  }
  for (int steps = 0;; ++steps) {
    const bool again = step_();
    absl::MutexLock lock(&mu_);
    if (closed_ || (!again && !rerun_)) {
      running_ = false;
      return;
    }
    rerun_ = false;
    if (steps >= kStepsPerTurn) {  // let other sessions have the worker
      running_ = false;
      mu_.Unlock();
      Kick();
      mu_.Lock();
      return;
    }
  }
}

void Strand::Wake() {
  {
    absl::MutexLock lock(&mu_);
    ++wake_generation_;
  }
  Kick();
}

void Strand::WakeAt(absl::Time at) {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  if (timer_ && timer_at_ <= at) return;  // an earlier wake-up is already due
  if (timer_) env_->scheduler->Cancel(*timer_);
  timer_at_ = at;
  std::weak_ptr<void> weak = owner_;
  timer_ = env_->scheduler->RunAt(at, [this, weak = std::move(weak)] {
    std::shared_ptr<void> owner = weak.lock();
    if (owner == nullptr) return;
    {
      absl::MutexLock lock(&mu_);
      timer_.reset();
      timer_at_ = absl::InfiniteFuture();
    }
    // A timer also makes idle shards worth one more look: that is how a
    // backend without a wake-up hook gets polled.
    Wake();
  });
}

uint64_t Strand::wake_generation() const {
  absl::MutexLock lock(&mu_);
  return wake_generation_;
}

}  // namespace awsfacade::service::subscriptions
