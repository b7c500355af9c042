#include "service/subscriptions/strand.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/service/subscriptions/manual_executor.h"

namespace awsfacade::service::subscriptions {
namespace {

using testing::ManualExecutor;
using testing::SettleTimers;

// A strand on a manual executor and a scheduler on a fake clock: every
// step and every timer runs when the test says so.
class StrandTest : public ::testing::Test {
 protected:
  StrandTest() : scheduler_(&clock_) {
    env_.executor = &executor_;
    env_.scheduler = &scheduler_;
    env_.clock = &clock_;
  }

  // Moves the fake clock and returns once the timers due by then have run.
  void Advance(absl::Duration d) {
    clock_.Advance(d);
    SettleTimers(scheduler_, clock_);
  }

  backends::FakeClock clock_;
  Scheduler scheduler_;
  ManualExecutor executor_;
  StrandEnvironment env_;
  std::shared_ptr<int> owner_ = std::make_shared<int>(0);
};

TEST_F(StrandTest, NothingRunsBeforeOpenAndOpenRunsOneStep) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps, false; });
  strand.Kick();
  strand.Wake();
  EXPECT_EQ(executor_.queued(), 0);
  strand.Open(owner_);
  EXPECT_EQ(executor_.Drain(), 1);
  EXPECT_EQ(steps, 1);
}

TEST_F(StrandTest, AKickDuringAStepRunsItAgainInsteadOfASecondRunner) {
  int steps = 0;
  int queued_during_step = -1;
  Strand* self = nullptr;
  Strand strand(&env_, [&] {
    if (++steps == 1) {
      self->Kick();
      queued_during_step = executor_.queued();
    }
    return false;
  });
  self = &strand;
  strand.Open(owner_);
  EXPECT_EQ(executor_.Drain(), 1);
  EXPECT_EQ(queued_during_step, 0);
  EXPECT_EQ(steps, 2);
}

TEST_F(StrandTest, ATurnYieldsTheWorkerAfterKStepsPerTurn) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps < 100; });
  strand.Open(owner_);
  ASSERT_TRUE(executor_.RunOne());
  EXPECT_EQ(steps, Strand::kStepsPerTurn + 1);
  EXPECT_EQ(executor_.queued(), 1) << "the strand queues itself again behind the others";
  executor_.Drain();
  EXPECT_EQ(steps, 100);
}

TEST_F(StrandTest, StepsNeverOverlapAndEveryKickIsFollowedByAStep) {
  // Reset after Close(): its workers finish the running turn before the
  // strand and the step's variables go (ASan at -O0 saw the last turn read
  // the strand after the test had returned).
  std::optional<ThreadPoolExecutor> pool(std::in_place, 4);
  StrandEnvironment env = env_;
  env.executor = &*pool;
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  std::atomic<bool> last_kick_done{false};
  absl::Notification step_after_last_kick;
  Strand strand(&env, [&] {
    const bool after = last_kick_done.load();
    const int now_inside = ++inside;
    int seen = most_inside.load();
    while (now_inside > seen && !most_inside.compare_exchange_weak(seen, now_inside)) {
    }
    for (volatile int i = 0; i < 200; i = i + 1) {
    }
    --inside;
    if (after && !step_after_last_kick.HasBeenNotified()) step_after_last_kick.Notify();
    return false;
  });
  strand.Open(owner_);
  std::vector<std::thread> kickers;
  for (int t = 0; t < 4; ++t) {
    kickers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) strand.Kick();
    });
  }
  for (auto& k : kickers) k.join();
  last_kick_done = true;
  strand.Kick();
  step_after_last_kick.WaitForNotification();
  strand.Close();
  pool.reset();
  EXPECT_EQ(most_inside.load(), 1);
}

TEST_F(StrandTest, ATurnQueuedBeforeCloseRunsNoStep) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps, false; });
  strand.Open(owner_);
  ASSERT_EQ(executor_.queued(), 1);
  strand.Close();
  EXPECT_EQ(executor_.Drain(), 1);
  EXPECT_EQ(steps, 0) << "Close() is final: no step starts after it";
  strand.Kick();
  EXPECT_EQ(executor_.queued(), 0);
}

TEST_F(StrandTest, WakeAtFiresWhenTheInjectedClockReachesIt) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps, false; });
  strand.Open(owner_);
  executor_.Drain();
  const uint64_t generation = strand.wake_generation();
  strand.WakeAt(clock_.Now() + absl::Seconds(5));
  Advance(absl::Seconds(4));
  EXPECT_EQ(executor_.queued(), 0);
  Advance(absl::Seconds(1));
  EXPECT_EQ(executor_.Drain(), 1);
  EXPECT_EQ(steps, 2);
  EXPECT_EQ(strand.wake_generation(), generation + 1) << "a timer counts as a wake-up";
}

TEST_F(StrandTest, OnlyTheEarliestPendingWakeUpIsKept) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps, false; });
  strand.Open(owner_);
  executor_.Drain();
  strand.WakeAt(clock_.Now() + absl::Seconds(10));
  strand.WakeAt(clock_.Now() + absl::Seconds(2));  // replaces the later one
  strand.WakeAt(clock_.Now() + absl::Seconds(3));  // ignored: an earlier one is pending
  Advance(absl::Seconds(2));
  EXPECT_EQ(executor_.Drain(), 1);
  Advance(absl::Seconds(10));
  EXPECT_EQ(executor_.queued(), 0);
  EXPECT_EQ(steps, 2);
}

TEST_F(StrandTest, WakeAfterANegativeDelayFiresAtOnce) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps, false; });
  strand.Open(owner_);
  executor_.Drain();
  strand.WakeAfter(-absl::Seconds(3));
  SettleTimers(scheduler_, clock_);
  EXPECT_EQ(executor_.Drain(), 1);
}

TEST_F(StrandTest, CloseDropsTheTimerAndIgnoresLaterKicks) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps, false; });
  strand.Open(owner_);
  executor_.Drain();
  strand.WakeAt(clock_.Now() + absl::Seconds(1));
  strand.Close();
  Advance(absl::Seconds(2));
  strand.Kick();
  strand.WakeAfter(absl::ZeroDuration());
  SettleTimers(scheduler_, clock_);
  EXPECT_EQ(executor_.queued(), 0);
  EXPECT_EQ(steps, 1);
}

TEST_F(StrandTest, AStrandWhoseOwnerIsGoneRunsNothing) {
  int steps = 0;
  Strand strand(&env_, [&] { return ++steps, false; });
  strand.Open(owner_);
  executor_.Drain();
  strand.WakeAt(clock_.Now() + absl::Seconds(1));
  owner_.reset();
  strand.Kick();
  Advance(absl::Seconds(1));
  EXPECT_EQ(executor_.queued(), 0);
  EXPECT_EQ(steps, 1);
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
