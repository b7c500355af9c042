#ifndef AWSFACADE_BACKENDS_COMMON_CLOCK_H_
#define AWSFACADE_BACKENDS_COMMON_CLOCK_H_

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace awsfacade::backends {

// The time source of every backend. The simulator's whole notion of time
// (iterator expiry, trimming, status lifecycles) comes from here, so tests
// advance a FakeClock instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// Wall-clock time.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1767225600))  // 2026-01-01T00:00:00Z
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// A clock that runs with the wall clock but can be pushed forward: the
// simulator server's clock, so SimulatorService.AdvanceClock can jump hours
// ahead while time still passes normally in between.
class OffsetClock final : public Clock {
 public:
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return absl::Now() + offset_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    offset_ += d;
  }
  // What Advance() has added so far (persistence saves and restores it).
  absl::Duration offset() const {
    absl::MutexLock lock(&mu_);
    return offset_;
  }
  void set_offset(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    offset_ = d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Duration offset_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_CLOCK_H_
