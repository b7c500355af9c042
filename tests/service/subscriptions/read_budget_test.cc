#include "service/subscriptions/read_budget.h"

#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {

TEST(ReadBudgetTest, ReadsAreOneIntervalApartOnTheInjectedClock) {
  backends::FakeClock clock;
  ReadBudget budget(&clock, 5);
  EXPECT_EQ(budget.TryTake(), absl::InfinitePast());
  const absl::Time next = budget.TryTake();
  EXPECT_EQ(next, clock.Now() + absl::Milliseconds(200));
  clock.Advance(absl::Milliseconds(199));
  EXPECT_EQ(budget.TryTake(), next);  // still refused, same answer
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(budget.TryTake(), absl::InfinitePast());
}

TEST(ReadBudgetTest, HoldsTheRateHoweverManyAsk) {
  backends::FakeClock clock;
  ReadBudget budget(&clock, 5);
  int taken = 0;
  for (int ms = 0; ms < 10000; ms += 10) {  // 10 s, 100 askers every 10 ms
    for (int asker = 0; asker < 100; ++asker) taken += budget.TryTake() == absl::InfinitePast();
    clock.Advance(absl::Milliseconds(10));
  }
  EXPECT_EQ(taken, 50);
}

TEST(ReadBudgetTest, ZeroRateIsUnlimited) {
  backends::FakeClock clock;
  ReadBudget budget(&clock, 0);
  EXPECT_TRUE(budget.unlimited());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(budget.TryTake(), absl::InfinitePast());
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
