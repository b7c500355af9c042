#include "service/subscriptions/subscription_options.h"

#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {

namespace v1 = ::aws::dynamodbstreams::v1;

TEST(SubscriptionOptionsTest, DefaultsWhenNothingIsSet) {
  absl::StatusOr<BatchingOptions> o = ParseBatchingOptions(v1::SubscriptionOptions());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_records, 1000);
  EXPECT_EQ(o->max_bytes, 1 << 20);
  EXPECT_EQ(o->batching_delay, absl::ZeroDuration());
  EXPECT_EQ(o->heartbeat, absl::Seconds(5));
  EXPECT_EQ(o->lifetime, absl::ZeroDuration());
  EXPECT_TRUE(o->Wants("INSERT"));
}

TEST(SubscriptionOptionsTest, TakesValuesInRange) {
  v1::SubscriptionOptions in;
  in.set_max_records_per_batch(7);
  in.set_max_bytes_per_batch(4096);
  in.mutable_max_batching_delay()->set_seconds(2);
  in.mutable_heartbeat_interval()->set_nanos(100'000'000);
  in.mutable_lifetime()->set_seconds(60);
  in.add_event_names("REMOVE");
  absl::StatusOr<BatchingOptions> o = ParseBatchingOptions(in);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_records, 7);
  EXPECT_EQ(o->max_bytes, 4096);
  EXPECT_EQ(o->batching_delay, absl::Seconds(2));
  EXPECT_EQ(o->heartbeat, absl::Milliseconds(100));
  EXPECT_EQ(o->lifetime, absl::Seconds(60));
  EXPECT_TRUE(o->Wants("REMOVE"));
  EXPECT_FALSE(o->Wants("INSERT"));
}

TEST(SubscriptionOptionsTest, OutOfRangeIsValidationExceptionNamingTheField) {
  struct Case {
    std::function<void(v1::SubscriptionOptions&)> set;
    std::string field;
  } cases[] = {
      {[](auto& o) { o.set_max_records_per_batch(0); }, "Options.MaxRecordsPerBatch"},
      {[](auto& o) { o.set_max_records_per_batch(1001); }, "Options.MaxRecordsPerBatch"},
      {[](auto& o) { o.set_max_bytes_per_batch(1023); }, "Options.MaxBytesPerBatch"},
      {[](auto& o) { o.set_max_bytes_per_batch((4 << 20) + 1); }, "Options.MaxBytesPerBatch"},
      {[](auto& o) { o.mutable_max_batching_delay()->set_seconds(11); },
       "Options.MaxBatchingDelay"},
      {[](auto& o) { o.mutable_max_batching_delay()->set_seconds(-1); },
       "Options.MaxBatchingDelay"},
      {[](auto& o) { o.mutable_heartbeat_interval()->set_nanos(99'000'000); },
       "Options.HeartbeatInterval"},
      {[](auto& o) { o.mutable_heartbeat_interval()->set_seconds(301); },
       "Options.HeartbeatInterval"},
      {[](auto& o) { o.mutable_lifetime()->set_seconds(-1); }, "Options.Lifetime"},
      {[](auto& o) { o.add_event_names("insert"); }, "Options.EventNames"},
  };
  for (const Case& c : cases) {
    v1::SubscriptionOptions in;
    c.set(in);
    absl::StatusOr<BatchingOptions> o = ParseBatchingOptions(in);
    ASSERT_FALSE(o.ok()) << c.field;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(backends::AwsErrorName(o.status()).value_or(""), "ValidationException") << c.field;
    EXPECT_EQ(backends::AwsErrorField(o.status()).value_or(""), c.field);
  }
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
