// The lease table through the real-AWS backend (backends/aws) against a moto
// server, so that its conditional writes are shown to work on DynamoDB's wire
// protocol too, not only on the simulator. run_with_moto.py starts moto and
// passes its URL in AWSFACADE_LEASES_MOTO_ENDPOINT; without it every case
// skips, saying so.

#include <cstdlib>
#include <memory>
#include <string>

#include "backends/aws/aws_backends.h"
#include "backends/aws/credentials.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/consumer_groups/lease_table.h"
#include "tests/common/status_matchers.h"
#include "tests/service/consumer_groups/active_lease_table.h"

namespace awsfacade::service::consumer_groups {
namespace {

using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsOk;
using ::awsfacade::testutil::IsOkAndHolds;
using ::testing::Field;
using ::testing::Optional;

constexpr char kStreamArn[] =
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000";

class LeaseTableMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* endpoint = std::getenv("AWSFACADE_LEASES_MOTO_ENDPOINT");
    if (endpoint == nullptr || *endpoint == '\0') {
      GTEST_SKIP() << "AWSFACADE_LEASES_MOTO_ENDPOINT is not set: ctest's consumer_groups_moto "
                      "(run_with_moto.py) starts moto and sets it";
    }
    backends::aws::AwsBackendOptions options;
    options.region = "us-east-1";
    options.endpoints.dynamodb = endpoint;
    options.endpoints.dynamodb_streams = endpoint;
    options.credentials = std::make_shared<backends::aws::StaticCredentialsProvider>(
        backends::aws::TimedCredentials{{"testing", "testing", ""}});
    auto set = backends::aws::CreateAwsBackends(std::move(options));
    ASSERT_THAT(set, IsOk());
    backends_ = *std::move(set);
  }

  std::unique_ptr<LeaseTable> ActiveTable(absl::string_view group) {
    return leasetest::ActiveLeaseTable(backends_.dynamodb.get(), group, kStreamArn, 20);
  }

  backends::aws::AwsBackendSet backends_;
};

TEST_F(LeaseTableMotoTest, TableIsOnDemandKeyedByLeaseKey) {
  std::unique_ptr<LeaseTable> table = ActiveTable("moto-schema");
  aws::dynamodb::v1::DescribeTableRequest request;
  request.set_table_name(table->table_name());
  auto described = backends_.dynamodb->DescribeTable(request);
  ASSERT_THAT(described, IsOk());
  EXPECT_EQ(described->table().billing_mode_summary().billing_mode(), "PAY_PER_REQUEST");
  ASSERT_EQ(described->table().key_schema_size(), 1);
  EXPECT_EQ(described->table().key_schema(0).attribute_name(), "leaseKey");
  // A second member finds it: no second CreateTable error surfaces.
  EXPECT_THAT(ActiveTable("moto-schema")->EnsureTable(),
              IsOkAndHolds(LeaseTable::TableState::kActive));
}

TEST_F(LeaseTableMotoTest, ConditionalWritesRefuseLosersAndZombies) {
  std::unique_ptr<LeaseTable> table = ActiveTable("moto-writes");
  Lease fresh;
  fresh.lease_key = "shardId-1";
  fresh.checkpoint = kTrimHorizon;
  fresh.parent_shard_ids = {"shardId-0"};
  ASSERT_THAT(table->CreateLeaseIfAbsent(fresh), IsOkAndHolds(true));
  EXPECT_THAT(table->CreateLeaseIfAbsent(fresh), IsOkAndHolds(false));

  // Two members take what they both saw: one wins.
  auto won = table->TakeLease(fresh, "m1");
  ASSERT_THAT(won, IsOk());
  EXPECT_THAT(table->TakeLease(fresh, "m2"), IsAwsError("LeaseLostException"));
  EXPECT_EQ(won->counter, 1);
  EXPECT_EQ(won->parent_shard_ids, std::vector<std::string>{"shardId-0"});

  auto renewed = table->RenewLease(*won);
  ASSERT_THAT(renewed, IsOk());
  EXPECT_EQ(renewed->counter, 2);
  auto checkpointed = table->Checkpoint(*renewed, "100");
  ASSERT_THAT(checkpointed, IsOk());

  // m2 takes over; m1's checkpoint (stale counter) is refused and moves nothing.
  auto taken = table->TakeLease(*checkpointed, "m2");
  ASSERT_THAT(taken, IsOk());
  EXPECT_EQ(taken->owner_switches_since_checkpoint, 1);
  EXPECT_THAT(table->Checkpoint(*checkpointed, "200"), IsAwsError("LeaseLostException"));
  EXPECT_THAT(table->GetLease("shardId-1"),
              IsOkAndHolds(Optional(Field(&Lease::checkpoint, "100"))));

  auto handed = table->HandOver(*taken, "m3");
  ASSERT_THAT(handed, IsOk());
  EXPECT_EQ(handed->owner, "m3");
  auto released = table->HandOver(*handed, "");
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(table->GetLease("shardId-1"), IsOkAndHolds(Optional(Field(&Lease::owner, ""))));
}

}  // namespace
}  // namespace awsfacade::service::consumer_groups
