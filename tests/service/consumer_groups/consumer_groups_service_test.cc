// ConsumerGroupsService end to end on the simulator: a FacadeServer on port
// 0, members joining over gRPC, records written through DynamoDB, and every
// record delivered once per lease; hand-over to a new member resumes after
// the checkpoint; a zombie's checkpoint is refused with LeaseLostException;
// DescribeGroup, ListGroups, reflection, validation. The lease duration is
// 2 s; the test waits for conditions (with a deadline), never for a time.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "app/server.h"
#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "awsfacade/consumergroups/v1/consumergroups.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/grpc_test_util.h"

namespace awsfacade::service::consumer_groups {
namespace {

namespace cg = ::awsfacade::consumergroups::v1;
namespace ddb = ::aws::dynamodb::v1;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kGroup[] = "billing";
constexpr absl::Duration kWait = absl::Seconds(20);

// One JoinGroup call read on its own thread.
class Member {
 public:
  Member(cg::ConsumerGroupsService::Stub* stub, const cg::JoinGroupRequest& request) {
    reader_ = stub->JoinGroup(&context_, request);
    thread_ = std::thread([this] {
      cg::JoinGroupResponse event;
      while (reader_->Read(&event)) {
        absl::MutexLock lock(&mu_);
        events_.push_back(event);
      }
      grpc::Status status = reader_->Finish();
      absl::MutexLock lock(&mu_);
      status_ = status;
    });
  }
  ~Member() {
    context_.TryCancel();
    thread_.join();
  }

  // Waits until `done(events)` holds; false after kWait.
  bool WaitFor(const std::function<bool(const std::vector<cg::JoinGroupResponse>&)>& done) {
    absl::MutexLock lock(&mu_);
    auto cond = [&] { return done(events_) || status_.has_value(); };
    mu_.AwaitWithTimeout(absl::Condition(&cond), kWait);
    return done(events_);
  }
  std::vector<cg::JoinGroupResponse> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  std::optional<grpc::Status> status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<cg::JoinGroupResponse>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<cg::JoinGroupResponse> events_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mu_);
};

// The pk of every record in `events`, per shard, in order.
std::map<std::string, std::vector<std::string>> KeysByShard(
    const std::vector<cg::JoinGroupResponse>& events) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& e : events) {
    if (!e.has_records()) continue;
    for (const auto& r : e.records().records()) {
      out[e.records().shard_id()].push_back(r.dynamodb().keys().at("pk").s());
    }
  }
  return out;
}

// Waits until `done()` holds, looking every 10 ms; false after kWait.
bool WaitUntil(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + kWait;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

int CountOf(const std::vector<cg::JoinGroupResponse>& events, cg::JoinGroupResponse::EventCase c) {
  int n = 0;
  for (const auto& e : events) n += e.event_case() == c ? 1 : 0;
  return n;
}

class ConsumerGroupsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.backends.dynamodb.open_shards_per_stream = 2;
    options.consumer_groups.lease_duration = absl::Seconds(2);
    auto server = app::FacadeServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    groups_ = cg::ConsumerGroupsService::NewStub(channel_);
    ddb_ = ddb::DynamoDbService::NewStub(channel_);
    ddb::CreateTableRequest create;
    create.set_table_name("orders");
    auto* a = create.add_attribute_definitions();
    a->set_attribute_name("pk");
    a->set_attribute_type("S");
    auto* k = create.add_key_schema();
    k->set_attribute_name("pk");
    k->set_key_type("HASH");
    create.set_billing_mode("PAY_PER_REQUEST");
    create.mutable_stream_specification()->set_stream_enabled(true);
    create.mutable_stream_specification()->set_stream_view_type("KEYS_ONLY");
    ddb::CreateTableResponse created;
    auto context = testing::ContextWithDeadline();
    ASSERT_TRUE(ddb_->CreateTable(context.get(), create, &created).ok());
    stream_arn_ = created.table_description().latest_stream_arn();
  }

  void Put(int from, int to) {
    for (int i = from; i < to; ++i) {
      ddb::PutItemRequest put;
      put.set_table_name("orders");
      (*put.mutable_item())["pk"].set_s(absl::StrCat("k", i));
      ddb::PutItemResponse out;
      auto context = testing::ContextWithDeadline();
      ASSERT_TRUE(ddb_->PutItem(context.get(), put, &out).ok());
    }
  }

  cg::JoinGroupRequest Join(const std::string& member) {
    cg::JoinGroupRequest request;
    request.set_group_name(kGroup);
    request.set_stream_arn(stream_arn_);
    request.set_member_id(member);
    return request;
  }

  grpc::Status Checkpoint(const std::string& shard, const std::string& seq,
                          const std::string& proof) {
    cg::CheckpointRequest request;
    request.set_group_name(kGroup);
    request.set_stream_arn(stream_arn_);
    request.set_shard_id(shard);
    request.set_sequence_number(seq);
    request.set_lease_proof(proof);
    cg::CheckpointResponse response;
    auto context = testing::ContextWithDeadline();
    return groups_->Checkpoint(context.get(), request, &response);
  }

  cg::DescribeGroupResponse Describe() {
    cg::DescribeGroupRequest request;
    request.set_group_name(kGroup);
    request.set_stream_arn(stream_arn_);
    cg::DescribeGroupResponse response;
    auto context = testing::ContextWithDeadline();
    grpc::Status status = groups_->DescribeGroup(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::unique_ptr<app::FacadeServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cg::ConsumerGroupsService::Stub> groups_;
  std::unique_ptr<ddb::DynamoDbService::Stub> ddb_;
  std::string stream_arn_;
};

size_t TotalKeys(const std::vector<cg::JoinGroupResponse>& events) {
  size_t n = 0;
  for (const auto& [shard, keys] : KeysByShard(events)) n += keys.size();
  return n;
}

TEST_F(ConsumerGroupsServiceTest, MembersShareTheShardsAndHandOverResumesAfterTheCheckpoint) {
  Put(0, 40);
  Member a(groups_.get(), Join("a"));
  ASSERT_TRUE(a.WaitFor([](const auto& e) { return TotalKeys(e) == 40; }))
      << "delivered " << TotalKeys(a.events());
  const std::vector<cg::JoinGroupResponse> first = a.events();
  ASSERT_TRUE(first[0].has_joined());
  const std::string a_owner = first[0].joined().lease_owner();
  EXPECT_EQ(CountOf(first, cg::JoinGroupResponse::kShardAssigned), 2);
  // Each key once, in write order within its shard.
  std::set<std::string> keys;
  for (const auto& [shard, shard_keys] : KeysByShard(first)) {
    keys.insert(shard_keys.begin(), shard_keys.end());
  }
  EXPECT_THAT(keys, SizeIs(40));

  // Checkpoint everything delivered so far, through the RPC.
  std::map<std::string, std::string> last;
  for (const auto& e : first) {
    if (e.has_records()) last[e.records().shard_id()] = e.records().checkpoint_sequence_number();
  }
  for (const auto& [shard, seq] : last) {
    grpc::Status s = Checkpoint(shard, seq, a_owner);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  cg::DescribeGroupResponse described = Describe();
  ASSERT_THAT(described.leases(), SizeIs(2));
  for (const auto& lease : described.leases()) {
    EXPECT_EQ(lease.owner(), a_owner);
    EXPECT_EQ(lease.checkpoint(), last[lease.shard_id()]);
  }
  EXPECT_THAT(described.members(), ElementsAre(a_owner));

  // b joins: a hands one shard over (no expiry), b resumes after the
  // checkpoint, so nothing already processed is delivered again.
  const absl::Time joined = absl::Now();
  Member b(groups_.get(), Join("b"));
  ASSERT_TRUE(b.WaitFor(
      [](const auto& e) { return CountOf(e, cg::JoinGroupResponse::kShardAssigned) == 1; }));
  // The bound for a new member's share: lease duration (2 s) + 2 s.
  EXPECT_LT(absl::Now() - joined, absl::Seconds(2) + absl::Seconds(2));
  ASSERT_TRUE(a.WaitFor(
      [](const auto& e) { return CountOf(e, cg::JoinGroupResponse::kShardRevoked) == 1; }));
  cg::ShardAssigned given;
  std::string b_owner;
  for (const auto& e : b.events()) {
    if (e.has_shard_assigned()) given = e.shard_assigned();
    if (e.has_joined()) b_owner = e.joined().lease_owner();
  }
  EXPECT_EQ(given.resume_after(), last[given.shard_id()]);
  EXPECT_EQ(given.lease_proof(), b_owner);

  // The zombie: a's proof on the shard b holds now moves nothing.
  grpc::Status zombie = Checkpoint(given.shard_id(), "99999999999999999999999", a_owner);
  EXPECT_EQ(zombie.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  auto info = testing::ErrorInfoOf(zombie);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "LeaseLostException");
  const cg::DescribeGroupResponse after_zombie = Describe();
  for (const auto& lease : after_zombie.leases()) {
    EXPECT_EQ(lease.checkpoint(), last[lease.shard_id()]);
  }

  // New writes reach exactly one of the two, once.
  Put(40, 60);
  auto total = [&] { return TotalKeys(a.events()) + TotalKeys(b.events()); };
  ASSERT_TRUE(WaitUntil([&] { return total() >= 60; })) << total();
  std::multiset<std::string> all;
  for (Member* m : {&a, &b}) {
    for (const auto& [shard, shard_keys] : KeysByShard(m->events())) {
      all.insert(shard_keys.begin(), shard_keys.end());
    }
  }
  EXPECT_EQ(all.size(), 60u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 60u);

  cg::ListGroupsRequest list;
  list.set_stream_arn(stream_arn_);
  cg::ListGroupsResponse groups;
  auto context = testing::ContextWithDeadline();
  ASSERT_TRUE(groups_->ListGroups(context.get(), list, &groups).ok());
  EXPECT_THAT(groups.group_names(), ElementsAre(kGroup));
}

TEST_F(ConsumerGroupsServiceTest, AMemberThatLeavesHasItsShardsTakenWithoutWaitingForExpiry) {
  auto a = std::make_unique<Member>(groups_.get(), Join("a"));
  Member b(groups_.get(), Join("b"));
  auto held = [](Member& m) {
    const auto e = m.events();
    return CountOf(e, cg::JoinGroupResponse::kShardAssigned) -
           CountOf(e, cg::JoinGroupResponse::kShardRevoked);
  };
  ASSERT_TRUE(WaitUntil([&] { return held(*a) == 1 && held(b) == 1; }));
  const absl::Time left = absl::Now();
  a.reset();  // cancels: the member leaves, releasing its lease
  ASSERT_TRUE(WaitUntil([&] { return held(b) == 2; }));
  // Within a tick or two (a third of the lease each), well before the lease
  // could have expired.
  EXPECT_LT(absl::Now() - left, absl::Seconds(2) + absl::Seconds(2));
}

TEST_F(ConsumerGroupsServiceTest, ShutdownEndsMembersAtOnceWithUnavailable) {
  Put(0, 4);
  Member a(groups_.get(), Join("a"));
  ASSERT_TRUE(a.WaitFor([](const auto& e) { return TotalKeys(e) == 4; }));
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Seconds(10));
  // Not the grace period: members are told at once (and their reads stop
  // before the server goes, so none starts on a server going away).
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(WaitUntil([&] { return a.status().has_value(); }));
  EXPECT_EQ(a.status()->error_code(), grpc::StatusCode::UNAVAILABLE);
  server_.reset();
}

TEST_F(ConsumerGroupsServiceTest, BadRequestsNameTheField) {
  cg::JoinGroupRequest bad = Join("a");
  bad.set_group_name("no spaces");
  Member m(groups_.get(), bad);
  ASSERT_TRUE(m.WaitFor([](const auto&) { return false; }) || m.status().has_value());
  ASSERT_TRUE(m.status().has_value());
  EXPECT_EQ(m.status()->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto info = testing::ErrorInfoOf(*m.status());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ValidationException");
  EXPECT_EQ(info->metadata().at("field"), "GroupName");

  grpc::Status s = Checkpoint("shardId-1", "not-a-number", "a:1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  info = testing::ErrorInfoOf(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("field"), "SequenceNumber");

  cg::DescribeGroupRequest describe;
  describe.set_group_name("nobody");
  describe.set_stream_arn(stream_arn_);
  cg::DescribeGroupResponse out;
  auto context = testing::ContextWithDeadline();
  EXPECT_EQ(groups_->DescribeGroup(context.get(), describe, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ConsumerGroupsServiceTest, JoiningAnUnknownStreamEndsWithNotFound) {
  cg::JoinGroupRequest request = Join("a");
  request.set_stream_arn(
      "arn:aws:dynamodb:us-east-1:123456789012:table/none/stream/2026-01-01T00:00:00.000");
  Member m(groups_.get(), request);
  m.WaitFor([&](const auto&) { return false; });
  ASSERT_TRUE(m.status().has_value());
  EXPECT_EQ(m.status()->error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace awsfacade::service::consumer_groups
