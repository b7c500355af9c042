#include "service/consumer_groups/lease_table.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/status_matchers.h"
#include "tests/service/consumer_groups/active_lease_table.h"
#include "tests/service/consumer_groups/lease_test_util.h"

namespace awsfacade::service::consumer_groups {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;
using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsAwsErrorOnField;
using ::awsfacade::testutil::IsOk;
using ::awsfacade::testutil::IsOkAndHolds;
using ::awsfacade::testutil::StatusIs;
using leasetest::CountingDynamoDb;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kStreamArn[] =
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000";

class LeaseTableTest : public ::testing::Test {
 protected:
  LeaseTableTest() : sim_(leasetest::MakeSimulator(clock_)), counting_(sim_.get()) {}

  std::unique_ptr<LeaseTable> ActiveTable(absl::string_view group = "billing") {
    return leasetest::ActiveLeaseTable(&counting_, group, kStreamArn);
  }

  // The item as DynamoDB holds it, attribute by attribute.
  ddb::GetItemResponse RawItem(const LeaseTable& table, const std::string& key) {
    ddb::GetItemRequest request;
    request.set_table_name(table.table_name());
    (*request.mutable_key())["leaseKey"].set_s(key);
    auto response = sim_->GetItem(request);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : ddb::GetItemResponse();
  }

  static Lease NewLease(const std::string& key) {
    Lease lease;
    lease.lease_key = key;
    lease.checkpoint = kTrimHorizon;
    return lease;
  }

  std::shared_ptr<backends::FakeClock> clock_ = std::make_shared<backends::FakeClock>();
  std::unique_ptr<backends::simulator::DynamoDbSimulator> sim_;
  CountingDynamoDb counting_;
};

TEST_F(LeaseTableTest, TableNameDerivesFromGroupAndStream) {
  auto name = LeaseTable::TableName("billing", kStreamArn);
  ASSERT_THAT(name, IsOk());
  EXPECT_THAT(*name, MatchesRegex("awsfacade-cg-billing-[0-9a-f]{16}"));
  EXPECT_THAT(LeaseTable::TableName("billing", kStreamArn), IsOkAndHolds(*name));
  EXPECT_THAT(LeaseTable::TableName("billing", "arn:other"), IsOkAndHolds(Not(*name)));
  EXPECT_THAT(LeaseTable::TableName("audit", kStreamArn), IsOkAndHolds(Not(*name)));
  EXPECT_THAT(LeaseTable::TableName(std::string(128, 'g'), kStreamArn), IsOk());
}

TEST_F(LeaseTableTest, BadGroupNameIsAValidationError) {
  for (absl::string_view group : {"", "a/b", "has space", "x:y"}) {
    EXPECT_THAT(LeaseTable::TableName(group, kStreamArn),
                IsAwsErrorOnField("ValidationException", "GroupName"))
        << group;
  }
  EXPECT_THAT(LeaseTable::TableName(std::string(129, 'g'), kStreamArn),
              IsAwsErrorOnField("ValidationException", "GroupName"));
}

TEST_F(LeaseTableTest, TableIsCreatedOnceWithPayPerRequest) {
  std::unique_ptr<LeaseTable> first = ActiveTable();
  std::unique_ptr<LeaseTable> second = ActiveTable();  // another member of the group
  EXPECT_THAT(first->EnsureTable(), IsOkAndHolds(LeaseTable::TableState::kActive));
  EXPECT_EQ(counting_.create_table_calls(), 1);

  ddb::DescribeTableRequest request;
  request.set_table_name(first->table_name());
  auto described = sim_->DescribeTable(request);
  ASSERT_THAT(described, IsOk());
  EXPECT_EQ(described->table().billing_mode_summary().billing_mode(), "PAY_PER_REQUEST");
  ASSERT_THAT(described->table().key_schema(), SizeIs(1));
  EXPECT_EQ(described->table().key_schema(0).attribute_name(), "leaseKey");
  EXPECT_EQ(described->table().key_schema(0).key_type(), "HASH");
}

TEST_F(LeaseTableTest, CreatingTableIsReportedWithoutWaiting) {
  counting_.set_describes_while_creating(3);
  auto table = LeaseTable::Create(&counting_, "billing", kStreamArn);
  ASSERT_THAT(table, IsOk());
  const absl::Time start = clock_->Now();
  // Call 1 creates; calls 2-4 see CREATING; call 5 sees ACTIVE. Each call is
  // one DescribeTable: nothing loops or sleeps inside.
  for (int call = 1; call <= 4; ++call) {
    EXPECT_THAT((*table)->EnsureTable(), IsOkAndHolds(LeaseTable::TableState::kCreating)) << call;
    EXPECT_EQ(counting_.describe_table_calls(), call);
  }
  EXPECT_THAT((*table)->EnsureTable(), IsOkAndHolds(LeaseTable::TableState::kActive));
  EXPECT_EQ(counting_.describe_table_calls(), 5);
  EXPECT_EQ(counting_.create_table_calls(), 1);
  EXPECT_EQ(clock_->Now(), start);
}

TEST_F(LeaseTableTest, ForeignTableOfTheSameNameIsRefused) {
  auto table = LeaseTable::Create(&counting_, "billing", kStreamArn);
  ASSERT_THAT(table, IsOk());
  ASSERT_THAT(leasetest::CreatePkTable(*sim_, (*table)->table_name(), /*stream=*/false), IsOk());
  EXPECT_THAT((*table)->EnsureTable(),
              IsAwsError("ResourceInUseException", HasSubstr("not a lease table")));
}

TEST_F(LeaseTableTest, MalformedLeaseItemIsDataLoss) {
  std::unique_ptr<LeaseTable> table = ActiveTable();
  ddb::PutItemRequest put;
  put.set_table_name(table->table_name());
  (*put.mutable_item())["leaseKey"].set_s("shardId-1");
  (*put.mutable_item())["leaseCounter"].set_s("seven");
  ASSERT_THAT(sim_->PutItem(put), IsOk());
  EXPECT_THAT(table->GetLease("shardId-1"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("leaseCounter")));
}

TEST_F(LeaseTableTest, CreateLeaseStoresKclAttributesOnce) {
  std::unique_ptr<LeaseTable> table = ActiveTable();
  Lease lease = NewLease("shardId-2");
  lease.parent_shard_ids = {"shardId-1"};
  EXPECT_THAT(table->CreateLeaseIfAbsent(lease), IsOkAndHolds(true));

  const ddb::GetItemResponse raw = RawItem(*table, "shardId-2");
  const auto& item = raw.item();
  EXPECT_EQ(item.at("leaseKey").s(), "shardId-2");
  EXPECT_EQ(item.at("leaseCounter").n(), "0");
  EXPECT_EQ(item.at("checkpoint").s(), "TRIM_HORIZON");
  EXPECT_EQ(item.at("checkpointSubSequenceNumber").n(), "0");
  EXPECT_EQ(item.at("ownerSwitchesSinceCheckpoint").n(), "0");
  ASSERT_TRUE(item.at("parentShardId").has_ss());
  EXPECT_THAT(item.at("parentShardId").ss().values(), ElementsAre("shardId-1"));
  EXPECT_EQ(item.count("leaseOwner"), 0u);  // unowned: absent, as the KCL writes it
  EXPECT_EQ(item.count("childShardId"), 0u);

  // A second create (another replica) changes nothing.
  auto taken = table->TakeLease(lease, "m1");
  ASSERT_THAT(taken, IsOk());
  EXPECT_THAT(table->CreateLeaseIfAbsent(lease), IsOkAndHolds(false));
  EXPECT_THAT(table->GetLease("shardId-2"), IsOkAndHolds(std::optional<Lease>(*taken)));
  EXPECT_THAT(table->GetLease("shardId-404"), IsOkAndHolds(std::nullopt));
}

TEST_F(LeaseTableTest, ConcurrentTakesOfOneLeaseHaveExactlyOneWinner) {
  std::unique_ptr<LeaseTable> setup = ActiveTable();
  const Lease seen = NewLease("shardId-1");
  ASSERT_THAT(setup->CreateLeaseIfAbsent(seen), IsOkAndHolds(true));

  constexpr int kMembers = 8;
  absl::Barrier barrier(kMembers);
  std::vector<absl::StatusOr<Lease>> results(kMembers, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kMembers; ++i) {
    threads.emplace_back([&, i] {
      auto table = LeaseTable::Create(&counting_, "billing", kStreamArn);
      barrier.Block();
      results[i] = (*table)->TakeLease(seen, absl::StrCat("m", i));
    });
  }
  for (std::thread& t : threads) t.join();

  int winners = 0;
  std::string winner;
  for (int i = 0; i < kMembers; ++i) {
    if (results[i].ok()) {
      ++winners;
      winner = results[i]->owner;
      EXPECT_EQ(results[i]->counter, 1);
    } else {
      EXPECT_THAT(results[i], IsAwsError("LeaseLostException", HasSubstr("shardId-1")));
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_THAT(setup->GetLease("shardId-1"),
              IsOkAndHolds(::testing::Optional(Field(&Lease::owner, winner))));
}

TEST_F(LeaseTableTest, RenewNeedsTheOwnerAndTheCounter) {
  std::unique_ptr<LeaseTable> table = ActiveTable();
  ASSERT_THAT(table->CreateLeaseIfAbsent(NewLease("shardId-1")), IsOkAndHolds(true));
  auto held = table->TakeLease(NewLease("shardId-1"), "m1");
  ASSERT_THAT(held, IsOk());
  EXPECT_EQ(held->counter, 1);

  auto renewed = table->RenewLease(*held);
  ASSERT_THAT(renewed, IsOk());
  EXPECT_EQ(renewed->counter, 2);
  EXPECT_EQ(renewed->owner, "m1");
  // The old counter is stale now.
  EXPECT_THAT(table->RenewLease(*held), IsAwsError("LeaseLostException"));
  // The right counter under another name is not the holder either.
  Lease impostor = *renewed;
  impostor.owner = "m2";
  EXPECT_THAT(table->RenewLease(impostor), IsAwsError("LeaseLostException", HasSubstr("m2")));
  EXPECT_THAT(table->GetLease("shardId-1"), IsOkAndHolds(std::optional<Lease>(*renewed)));
}

TEST_F(LeaseTableTest, ZombieCheckpointIsRefusedAndMovesNothing) {
  std::unique_ptr<LeaseTable> table = ActiveTable();
  ASSERT_THAT(table->CreateLeaseIfAbsent(NewLease("shardId-1")), IsOkAndHolds(true));
  auto zombie = table->TakeLease(NewLease("shardId-1"), "m1");
  ASSERT_THAT(zombie, IsOk());
  auto first = table->Checkpoint(*zombie, "100");
  ASSERT_THAT(first, IsOk());

  // m2 takes the lease over (m1 stopped renewing); m1 still believes it holds it.
  auto taker = table->TakeLease(*first, "m2");
  ASSERT_THAT(taker, IsOk());
  EXPECT_EQ(taker->owner_switches_since_checkpoint, 1);

  auto refused = table->Checkpoint(*first, "200");
  EXPECT_THAT(refused, IsAwsError("LeaseLostException", HasSubstr("shardId-1")));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  auto now = table->GetLease("shardId-1");
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ((*now)->checkpoint, "100");
  EXPECT_EQ((*now)->owner, "m2");

  auto moved = table->Checkpoint(*taker, "300", 2);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->checkpoint, "300");
  EXPECT_EQ(moved->checkpoint_sub_sequence_number, 2);
  EXPECT_EQ(moved->owner_switches_since_checkpoint, 0);
  EXPECT_EQ(moved->counter, taker->counter + 1);
}

TEST_F(LeaseTableTest, MalformedCheckpointIsAValidationError) {
  std::unique_ptr<LeaseTable> table = ActiveTable();
  ASSERT_THAT(table->CreateLeaseIfAbsent(NewLease("shardId-1")), IsOkAndHolds(true));
  auto held = table->TakeLease(NewLease("shardId-1"), "m1");
  ASSERT_THAT(held, IsOk());
  for (absl::string_view bad : {"", "12a", "AT_TIMESTAMP", "-5"}) {
    EXPECT_THAT(table->Checkpoint(*held, bad),
                IsAwsErrorOnField("ValidationException", "checkpoint"))
        << bad;
  }
  EXPECT_THAT(table->Checkpoint(*held, "7", -1),
              IsAwsErrorOnField("ValidationException", "checkpoint"));
  EXPECT_THAT(table->RenewLease(*held), IsOk());  // nothing was written
}

TEST_F(LeaseTableTest, ShardEndCheckpointRecordsChildren) {
  std::unique_ptr<LeaseTable> table = ActiveTable();
  ASSERT_THAT(table->CreateLeaseIfAbsent(NewLease("shardId-1")), IsOkAndHolds(true));
  auto held = table->TakeLease(NewLease("shardId-1"), "m1");
  ASSERT_THAT(held, IsOk());
  const std::vector<std::string> children = {"shardId-2"};
  auto ended = table->Checkpoint(*held, kShardEnd, 0, children);
  ASSERT_THAT(ended, IsOk());
  EXPECT_TRUE(ended->finished());
  EXPECT_THAT(ended->child_shard_ids, ElementsAre("shardId-2"));
  EXPECT_THAT(RawItem(*table, "shardId-1").item().at("childShardId").ss().values(),
              ElementsAre("shardId-2"));
}

TEST_F(LeaseTableTest, HandOverAndReleaseAreConditionalOnTheHolder) {
  std::unique_ptr<LeaseTable> table = ActiveTable();
  ASSERT_THAT(table->CreateLeaseIfAbsent(NewLease("shardId-1")), IsOkAndHolds(true));
  auto held = table->TakeLease(NewLease("shardId-1"), "m1");
  ASSERT_THAT(held, IsOk());

  auto handed = table->HandOver(*held, "m2");
  ASSERT_THAT(handed, IsOk());
  EXPECT_EQ(handed->owner, "m2");
  EXPECT_EQ(handed->counter, held->counter + 1);
  EXPECT_EQ(handed->owner_switches_since_checkpoint, 1);
  // m1 cannot hand over (or renew) what it gave away.
  EXPECT_THAT(table->HandOver(*held, "m3"), IsAwsError("LeaseLostException"));
  EXPECT_THAT(table->RenewLease(*held), IsAwsError("LeaseLostException"));

  auto released = table->HandOver(*handed, "");
  ASSERT_THAT(released, IsOk());
  EXPECT_EQ(released->owner, "");
  EXPECT_EQ(RawItem(*table, "shardId-1").item().count("leaseOwner"), 0u);
  // A released lease is free: anyone may take it at its counter.
  EXPECT_THAT(table->TakeLease(*released, "m3"), IsOk());
}

TEST_F(LeaseTableTest, LeasesFollowTheStreamsShardLineage) {
  leasetest::Lineage lineage = leasetest::ThreeGenerationStream(*sim_);
  ASSERT_THAT(lineage.shards, SizeIs(3));
  const std::string& stream_arn = lineage.stream_arn;
  const std::vector<streams::Shard>* shards = &lineage.shards;

  auto table = LeaseTable::Create(&counting_, "billing", stream_arn);
  ASSERT_THAT(table, IsOk());
  ASSERT_THAT((*table)->EnsureTable(), IsOk());
  EXPECT_THAT(CreateMissingLeases(**table, *shards, kTrimHorizon), IsOkAndHolds(3));
  EXPECT_THAT(CreateMissingLeases(**table, *shards, kTrimHorizon), IsOkAndHolds(0));

  StreamShardLeaseKeys keys(sim_.get(), stream_arn);
  auto leases = (*table)->ListLeases(keys);
  ASSERT_THAT(leases, IsOk());
  ASSERT_THAT(*leases, SizeIs(3));
  for (size_t i = 0; i < shards->size(); ++i) {
    const streams::Shard& shard = (*shards)[i];
    EXPECT_EQ((*leases)[i].lease_key, shard.shard_id());
    if (shard.parent_shard_id().empty()) {
      EXPECT_THAT((*leases)[i].parent_shard_ids, ::testing::IsEmpty());
    } else {
      EXPECT_THAT((*leases)[i].parent_shard_ids, ElementsAre(shard.parent_shard_id()));
    }
  }
  EXPECT_EQ((*leases)[1].parent_shard_ids, std::vector<std::string>{(*leases)[0].lease_key});
  EXPECT_EQ((*leases)[2].parent_shard_ids, std::vector<std::string>{(*leases)[1].lease_key});
}

}  // namespace
}  // namespace awsfacade::service::consumer_groups
