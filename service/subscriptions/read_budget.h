#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_READ_BUDGET_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_READ_BUDGET_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"

namespace awsfacade::service::subscriptions {

// The upstream GetRecords budget of one shard, shared by everything that
// reads it in this process: the shard's reader at the tip and subscribers
// catching up behind it. A token bucket of one token refilled at
// `reads_per_second` (so reads are at least 1/rate apart); a rate <= 0 is
// unlimited. Time comes from `clock`. Thread-safe.
class ReadBudget {
 public:
  ReadBudget(const backends::Clock* clock, double reads_per_second)
      : clock_(clock),
        interval_(reads_per_second > 0 ? absl::Seconds(1.0 / reads_per_second)
                                       : absl::ZeroDuration()) {}

  // Takes a read now and returns InfinitePast, or takes nothing and returns
  // when the next read may be taken.
  absl::Time TryTake() {
    if (interval_ == absl::ZeroDuration()) return absl::InfinitePast();
    const absl::Time now = clock_->Now();
    absl::MutexLock lock(&mu_);
    if (now < next_) return next_;
    next_ = now + interval_;
    return absl::InfinitePast();
  }

  bool unlimited() const { return interval_ == absl::ZeroDuration(); }

 private:
  const backends::Clock* const clock_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::Time next_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_READ_BUDGET_H_
