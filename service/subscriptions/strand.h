#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_STRAND_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_STRAND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"
#include "service/executor.h"
#include "service/scheduler.h"

namespace awsfacade::service::subscriptions {

// Where a strand runs and how it tells time. Owned by the engine; outlives
// every strand.
struct StrandEnvironment {
  Executor* executor = nullptr;
  Scheduler* scheduler = nullptr;  // on `clock`
  const backends::Clock* clock = nullptr;
};

// The serialized strand of one subscription session: its steps run on the
// executor one at a time, never two at once, without any lock of the strand
// held. Owns the running / run-again flags, the one pending timer and the
// wake generation; nothing of the session's state.
//
// Guarantees, between Open() and Close():
// - A Kick() (or Wake(), or a timer that fires) is followed by at least one
//   step that begins after it: a kick during a step makes the strand run
//   again instead of starting a second runner.
// - A turn runs at most kStepsPerTurn steps, then yields the worker (it
//   queues itself again), so one busy session cannot starve the others.
// - KickAt keeps only the earliest pending time; times come from the
//   environment's clock (tests use a FakeClock and Scheduler::ClockChanged).
// Before Open() kicks do nothing; Close() is final: the timer is cancelled
// and no step starts afterwards (one that is running finishes).
//
// The strand is a member of its owner and keeps the owner alive (the
// `owner` given to Open) while a turn is queued or running; a timer holds
// it weakly.
class Strand {
 public:
  static constexpr int kStepsPerTurn = 16;

  // `step` runs one step and returns true when another should follow at once.
  Strand(const StrandEnvironment* env, std::function<bool()> step)
      : env_(env), step_(std::move(step)) {}
  Strand(const Strand&) = delete;
  Strand& operator=(const Strand&) = delete;

  // Steps may run from now on; runs one.
  void Open(std::weak_ptr<void> owner);
  // Final: no step starts after this, the pending timer is dropped.
  void Close();

  void Kick();
  // The backend (or a shard reader) may have something new: bumps the wake
  // generation, then kicks.
  void Wake();
  // Wakes at `at` on the environment's clock (now, when it has passed),
  // unless an earlier wake-up is already pending.
  void WakeAt(absl::Time at);
  void WakeAfter(absl::Duration delay) {
    WakeAt(env_->clock->Now() + std::max(delay, absl::ZeroDuration()));
  }

  // Counts Wake()s (timers included): a step that saw the same generation
  // before and after a read knows nothing woke it meanwhile.
  uint64_t wake_generation() const;
  const StrandEnvironment& env() const { return *env_; }

 private:
  void RunSteps();

  const StrandEnvironment* const env_;
  const std::function<bool()> step_;
  mutable absl::Mutex mu_;
  std::weak_ptr<void> owner_ ABSL_GUARDED_BY(mu_);
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool rerun_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t wake_generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<Scheduler::Id> timer_ ABSL_GUARDED_BY(mu_);
  absl::Time timer_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_STRAND_H_
