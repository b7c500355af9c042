#include "service/subscriptions/sequence_number.h"

#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {

TEST(SequenceNumberTest, ComparesNumericallyNotAsText) {
  EXPECT_LT(CompareSequenceNumbers("900000000000000000000", "1000000000000000000000"), 0);
  EXPECT_GT(CompareSequenceNumbers("1000000000000000000000", "900000000000000000000"), 0);
  EXPECT_LT(CompareSequenceNumbers("100000000000000000001", "100000000000000000002"), 0);
  EXPECT_EQ(CompareSequenceNumbers("000000000000000000042", "42"), 0);
  EXPECT_LT(CompareSequenceNumbers("000000000000000000042", "000000000000000000043"), 0);
  EXPECT_EQ(CompareSequenceNumbers("0", "000"), 0);
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
