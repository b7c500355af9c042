// The AWS backend's timer: callbacks run once, in due order, on its one
// thread; a callback may arm another; destruction runs what is still
// pending; destroying the timer from its own callback is allowed.
#include "backends/aws/timer.h"

#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends::aws {
namespace {

using ::testing::ElementsAre;

std::shared_ptr<Timer> MakeTimer() {
  absl::StatusOr<std::shared_ptr<Timer>> timer = Timer::Create();
  EXPECT_TRUE(timer.ok()) << timer.status();
  return *std::move(timer);
}

TEST(TimerTest, RunsCallbacksInDueOrderOnOneThread) {
  std::shared_ptr<Timer> timer = MakeTimer();
  absl::Mutex mu;
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  absl::Notification last;
  auto record = [&](int n) {
    absl::MutexLock lock(&mu);
    order.push_back(n);
    threads.push_back(std::this_thread::get_id());
  };
  const absl::Time start = absl::Now();
  timer->RunAfter(absl::Milliseconds(60), [&] {
    record(3);
    last.Notify();
  });
  timer->RunAfter(absl::Milliseconds(30), [&] { record(2); });
  timer->RunAfter(absl::ZeroDuration(), [&] { record(1); });
  ASSERT_TRUE(last.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(60));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
  ASSERT_EQ(threads.size(), 3u);
  EXPECT_EQ(threads[0], threads[1]);
  EXPECT_EQ(threads[1], threads[2]);
  EXPECT_NE(threads[0], std::this_thread::get_id());
}

TEST(TimerTest, ACallbackMayArmAnother) {
  std::shared_ptr<Timer> timer = MakeTimer();
  absl::Notification second;
  Timer* raw = timer.get();
  timer->RunAfter(absl::ZeroDuration(), [raw, &second] {
    raw->RunAfter(absl::Milliseconds(5), [&second] { second.Notify(); });
  });
  EXPECT_TRUE(second.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(TimerTest, DestructionRunsWhatIsPendingAtOnce) {
  int ran = 0;
  const absl::Time start = absl::Now();
  {
    std::shared_ptr<Timer> timer = MakeTimer();
    timer->RunAfter(absl::Hours(1), [&ran] { ++ran; });
    EXPECT_EQ(timer->pending(), 1);
  }
  EXPECT_EQ(ran, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(TimerTest, MayBeDestroyedFromItsOwnCallback) {
  auto timer = std::make_shared<std::shared_ptr<Timer>>(MakeTimer());
  absl::Notification done;
  (*timer)->RunAfter(absl::ZeroDuration(), [timer, &done] {
    timer->reset();  // the last hold: ~Timer on its own thread
    done.Notify();
  });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

}  // namespace
}  // namespace awsfacade::backends::aws
