#include "service/subscriptions/buffer_budget.h"

#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {

TEST(BufferBudgetTest, BatchesAndReadsAreFullSizeUnderTheBudget) {
  BufferBudget budget(1000);
  budget.Hold(3, 999);
  EXPECT_FALSE(budget.Over());
  EXPECT_EQ(budget.BatchBytes(1 << 20), 1 << 20);
  EXPECT_EQ(budget.ReadRecords(1000), 1000);
}

TEST(BufferBudgetTest, AtTheBudgetBatchesAndReadsSqueeze) {
  BufferBudget budget(1000);
  budget.Hold(3, 1000);
  EXPECT_TRUE(budget.Over());
  EXPECT_EQ(budget.BatchBytes(1 << 20), BufferBudget::kSqueezedBatchBytes);
  EXPECT_EQ(budget.BatchBytes(1024), 1024);  // never more than asked
  EXPECT_EQ(budget.ReadRecords(1000), BufferBudget::kSqueezedReadRecords);
  EXPECT_EQ(budget.ReadRecords(5), 5);
}

TEST(BufferBudgetTest, ReleasingBringsItBackUnder) {
  BufferBudget budget(1000);
  budget.Hold(2, 600);
  budget.Hold(1, 600);
  EXPECT_TRUE(budget.Over());
  budget.Release(1, 600);
  EXPECT_FALSE(budget.Over());
  EXPECT_EQ(budget.records(), 2);
  EXPECT_EQ(budget.bytes(), 600);
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
