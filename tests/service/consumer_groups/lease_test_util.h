#ifndef AWSFACADE_TESTS_SERVICE_CONSUMER_GROUPS_LEASE_TEST_UTIL_H_
#define AWSFACADE_TESTS_SERVICE_CONSUMER_GROUPS_LEASE_TEST_UTIL_H_

// What the consumer-group tests share: the simulator's DynamoDB behind a
// decorator that counts calls (and can keep a new table CREATING for a
// while, as AWS does), and a source table with a stream to take shards from.

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "backends/common/clock.h"
#include "backends/dynamodb_backend.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "gtest/gtest.h"
#include "service/consumer_groups/lease_table.h"

namespace awsfacade::service::consumer_groups::leasetest {

// Forwards to the simulator; counts CreateTable and DescribeTable, and
// answers CREATING to the first `describes_while_creating` DescribeTable
// calls after a CreateTable. Thread-safe.
class CountingDynamoDb final : public backends::DynamoDbBackend {
 public:
  explicit CountingDynamoDb(backends::DynamoDbBackend* child) : child_(child) {}

  void set_describes_while_creating(int n) {
    absl::MutexLock lock(&mu_);
    describes_while_creating_ = n;
  }
  int create_table_calls() const {
    absl::MutexLock lock(&mu_);
    return create_table_calls_;
  }
  int describe_table_calls() const {
    absl::MutexLock lock(&mu_);
    return describe_table_calls_;
  }

  absl::StatusOr<::aws::dynamodb::v1::CreateTableResponse> CreateTable(
      const ::aws::dynamodb::v1::CreateTableRequest& request) override {
    {
      absl::MutexLock lock(&mu_);
      ++create_table_calls_;
      creating_left_ = describes_while_creating_;
    }
    return child_->CreateTable(request);
  }
  absl::StatusOr<::aws::dynamodb::v1::DescribeTableResponse> DescribeTable(
      const ::aws::dynamodb::v1::DescribeTableRequest& request) override {
    absl::StatusOr<::aws::dynamodb::v1::DescribeTableResponse> response =
        child_->DescribeTable(request);
    absl::MutexLock lock(&mu_);
    ++describe_table_calls_;
    if (response.ok() && creating_left_ > 0) {
      --creating_left_;
      response->mutable_table()->set_table_status("CREATING");
    }
    return response;
  }

#define AWSFACADE_FORWARD(Op)                                     \
  absl::StatusOr<::aws::dynamodb::v1::Op##Response> Op(           \
      const ::aws::dynamodb::v1::Op##Request& request) override { \
    return child_->Op(request);                                   \
  }
  AWSFACADE_FORWARD(UpdateTable)
  AWSFACADE_FORWARD(DeleteTable)
  AWSFACADE_FORWARD(PutItem)
  AWSFACADE_FORWARD(GetItem)
  AWSFACADE_FORWARD(DeleteItem)
  AWSFACADE_FORWARD(UpdateItem)
  AWSFACADE_FORWARD(UpdateTimeToLive)
  AWSFACADE_FORWARD(DescribeTimeToLive)
#undef AWSFACADE_FORWARD

 private:
  backends::DynamoDbBackend* child_;
  mutable absl::Mutex mu_;
  int describes_while_creating_ ABSL_GUARDED_BY(mu_) = 0;
  int creating_left_ ABSL_GUARDED_BY(mu_) = 0;
  int create_table_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int describe_table_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

inline std::unique_ptr<backends::simulator::DynamoDbSimulator> MakeSimulator(
    std::shared_ptr<backends::FakeClock> clock) {
  backends::simulator::SimulatorOptions options;
  options.clock = std::move(clock);
  options.seed = 15;
  return std::make_unique<backends::simulator::DynamoDbSimulator>(options);
}

// A table "orders" whose stream has rolled over twice: three shards, each
// the parent of the next (the oldest first, as DescribeStream lists them).
struct Lineage {
  std::string stream_arn;
  std::vector<::aws::dynamodbstreams::v1::Shard> shards;
};
// Creates an on-demand table `name` keyed by the string "pk", with a
// NEW_IMAGE stream when `stream` is set.
inline absl::StatusOr<::aws::dynamodb::v1::CreateTableResponse> CreatePkTable(
    backends::DynamoDbBackend& ddb, const std::string& name, bool stream) {
  ::aws::dynamodb::v1::CreateTableRequest request;
  request.set_table_name(name);
  auto* attribute = request.add_attribute_definitions();
  attribute->set_attribute_name("pk");
  attribute->set_attribute_type("S");
  auto* hash = request.add_key_schema();
  hash->set_attribute_name("pk");
  hash->set_key_type("HASH");
  request.set_billing_mode("PAY_PER_REQUEST");
  if (stream) {
    request.mutable_stream_specification()->set_stream_enabled(true);
    request.mutable_stream_specification()->set_stream_view_type("NEW_IMAGE");
  }
  return ddb.CreateTable(request);
}

inline Lineage ThreeGenerationStream(backends::simulator::DynamoDbSimulator& sim) {
  auto response = CreatePkTable(sim, "orders", /*stream=*/true);
  EXPECT_TRUE(response.ok()) << response.status();
  Lineage lineage;
  if (!response.ok()) return lineage;
  lineage.stream_arn = response->table_description().latest_stream_arn();
  EXPECT_TRUE(sim.ForceShardRollover(lineage.stream_arn).ok());
  EXPECT_TRUE(sim.ForceShardRollover(lineage.stream_arn).ok());
  auto shards = ListStreamShards(sim, lineage.stream_arn);
  EXPECT_TRUE(shards.ok()) << shards.status();
  if (shards.ok()) lineage.shards = *std::move(shards);
  EXPECT_EQ(lineage.shards.size(), 3u);
  return lineage;
}

// Puts one unowned lease at TRIM_HORIZON per key.
inline void CreateUnownedLeases(LeaseTable& table, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    Lease lease;
    lease.lease_key = key;
    lease.checkpoint = kTrimHorizon;
    auto created = table.CreateLeaseIfAbsent(lease);
    EXPECT_TRUE(created.ok() && *created) << key << ": " << created.status();
  }
}

}  // namespace awsfacade::service::consumer_groups::leasetest

#endif  // AWSFACADE_TESTS_SERVICE_CONSUMER_GROUPS_LEASE_TEST_UTIL_H_
