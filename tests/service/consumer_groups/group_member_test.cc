// GroupMember on a fake clock, the simulator's DynamoDB and Streams, and a
// fake ShardSource the test feeds by hand: assignment, spread and hand-over,
// membership of members holding no lease, checkpoint fencing, parents first,
// auto-checkpoint. Every step is a Tick() run inline: no thread, no sleep.
#include "service/consumer_groups/group_member.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/executor.h"
#include "tests/common/status_matchers.h"
#include "tests/service/consumer_groups/active_lease_table.h"
#include "tests/service/consumer_groups/lease_test_util.h"

namespace awsfacade::service::consumer_groups {
namespace {

namespace cg = ::awsfacade::consumergroups::v1;
namespace streams = ::aws::dynamodbstreams::v1;
using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::Duration kLease = absl::Seconds(10);
constexpr char kMemberGroup[] = "billing";

// One feed the test drives: what was asked, and the callbacks to answer.
struct FeedState {
  streams::SubscribeToShardRequest request;
  ShardSource::OnEvent on_event;
  ShardSource::OnEnd on_end;
  int nexts = 0;
  bool cancelled = false;
};

class FakeSource final : public ShardSource {
 public:
  std::unique_ptr<ShardFeed> Open(const streams::SubscribeToShardRequest& request, OnEvent on_event,
                                  OnEnd on_end) override {
    auto state = std::make_shared<FeedState>(FeedState{request, on_event, on_end});
    opened.push_back(state);
    class Feed final : public ShardFeed {
     public:
      explicit Feed(std::shared_ptr<FeedState> s) : s_(std::move(s)) {}
      void Next() override { ++s_->nexts; }
      void Cancel() override { s_->cancelled = true; }

     private:
      std::shared_ptr<FeedState> s_;
    };
    return std::make_unique<Feed>(state);
  }
  // The latest feed opened on `shard_id`.
  std::shared_ptr<FeedState> Latest(const std::string& shard_id) {
    for (auto it = opened.rbegin(); it != opened.rend(); ++it) {
      if ((*it)->request.shard_id() == shard_id) return *it;
    }
    return nullptr;
  }
  std::vector<std::shared_ptr<FeedState>> opened;
};

// Records events; gRPC "takes" every write at once.
class FakeOutput final : public MemberOutput {
 public:
  void Send(cg::JoinGroupResponse event, absl::AnyInvocable<void() &&> written,
            absl::AnyInvocable<bool()> wanted) override {
    // What may happen on another thread between the member's check and the
    // enqueue (a test sets it).
    if (event.has_records() && before_records) std::exchange(before_records, nullptr)();
    if (wanted && !wanted()) return;
    events.push_back(std::move(event));
    if (written) std::move(written)();
  }
  void Close(const grpc::Status& status) override { closed = status; }

  std::vector<cg::JoinGroupResponse> Of(cg::JoinGroupResponse::EventCase kind) const {
    std::vector<cg::JoinGroupResponse> out;
    for (const auto& e : events) {
      if (e.event_case() == kind) out.push_back(e);
    }
    return out;
  }
  std::vector<cg::JoinGroupResponse> events;
  std::optional<grpc::Status> closed;
  std::function<void()> before_records;
};

streams::SubscribeToShardResponse Records(const std::string& shard_id,
                                          std::vector<std::string> sequence_numbers) {
  streams::SubscribeToShardResponse event;
  for (const std::string& seq : sequence_numbers) {
    streams::SubscribedRecord* r = event.mutable_records()->add_records();
    r->set_shard_id(shard_id);
    r->mutable_record()->mutable_dynamodb()->set_sequence_number(seq);
  }
  event.mutable_records()->set_millis_behind_latest(250);
  return event;
}

class GroupMemberTest : public ::testing::Test {
 protected:
  void MakeStream(int open_shards) {
    backends::simulator::SimulatorOptions options;
    options.clock = clock_;
    options.seed = 15;
    backends::simulator::DynamoDbSimulatorOptions ddb_options;
    ddb_options.open_shards_per_stream = open_shards;
    sim_ = std::make_shared<backends::simulator::DynamoDbSimulator>(options, ddb_options);
    auto created = leasetest::CreatePkTable(*sim_, "orders", /*stream=*/true);
    ASSERT_TRUE(created.ok()) << created.status();
    stream_arn_ = created->table_description().latest_stream_arn();
  }

  struct Member {
    std::shared_ptr<GroupMember> member;
    std::shared_ptr<FakeOutput> output;
    std::shared_ptr<FakeSource> source;
  };

  Member Join(const std::string& owner, bool auto_checkpoint = false) {
    auto table = LeaseTable::Create(sim_.get(), kMemberGroup, stream_arn_);
    EXPECT_TRUE(table.ok());
    GroupMemberOptions options;
    options.lease_duration = kLease;
    options.auto_checkpoint = auto_checkpoint;
    Member m;
    m.source = std::make_shared<FakeSource>();
    m.output = std::make_shared<FakeOutput>();
    GroupMemberDeps deps{sim_, sim_, m.source, &executor_, clock_};
    m.member = std::make_shared<GroupMember>(deps, *std::move(table), stream_arn_, kMemberGroup,
                                             owner, options);
    m.member->Start(m.output);
    return m;
  }

  // Ticks `m` until the lease table and the registry are ACTIVE (the first
  // rounds only create them).
  void TickReady(Member& m) {
    for (int i = 0; i < 3; ++i) m.member->Tick();
  }

  std::unique_ptr<LeaseTable> Table() {
    return leasetest::ActiveLeaseTable(sim_.get(), kMemberGroup, stream_arn_);
  }

  std::vector<std::string> ShardIds() {
    auto shards = ListStreamShards(*sim_, stream_arn_);
    EXPECT_TRUE(shards.ok());
    std::vector<std::string> ids;
    for (const auto& s : *shards) ids.push_back(s.shard_id());
    return ids;
  }

  std::shared_ptr<backends::FakeClock> clock_ = std::make_shared<backends::FakeClock>();
  InlineExecutor executor_;
  std::shared_ptr<backends::simulator::DynamoDbSimulator> sim_;
  std::string stream_arn_;
};

TEST_F(GroupMemberTest, ALoneMemberIsAssignedEveryShardFromTheInitialPosition) {
  MakeStream(4);
  Member a = Join("a:1");
  TickReady(a);
  EXPECT_THAT(a.member->HeldShards(), SizeIs(4));
  ASSERT_THAT(a.output->events, SizeIs(5));
  EXPECT_EQ(a.output->events[0].joined().lease_owner(), "a:1");
  for (const auto& e : a.output->Of(cg::JoinGroupResponse::kShardAssigned)) {
    EXPECT_EQ(e.shard_assigned().resume_after(), "TRIM_HORIZON");
    EXPECT_EQ(e.shard_assigned().lease_proof(), "a:1");
  }
  ASSERT_THAT(a.source->opened, SizeIs(4));
  EXPECT_EQ(a.source->opened[0]->request.starting_position().type(), "TRIM_HORIZON");
}

TEST_F(GroupMemberTest, RecordsCarryTheSequenceNumberToCheckpointAndPullTheNextEvent) {
  MakeStream(1);
  Member a = Join("a:1");
  TickReady(a);
  const std::string shard = ShardIds()[0];
  auto feed = a.source->Latest(shard);
  ASSERT_NE(feed, nullptr);
  feed->on_event(Records(shard, {"100", "200"}));
  auto records = a.output->Of(cg::JoinGroupResponse::kRecords);
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_EQ(records[0].records().checkpoint_sequence_number(), "200");
  EXPECT_THAT(records[0].records().records(), SizeIs(2));
  EXPECT_EQ(feed->nexts, 1);  // written, so the next event is asked for
  // Without auto-checkpoint nothing is checkpointed by the server.
  auto lease = Table()->GetLease(shard);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  EXPECT_EQ((*lease)->checkpoint, "TRIM_HORIZON");
}

TEST_F(GroupMemberTest, AutoCheckpointWritesEachBatchOnceTaken) {
  MakeStream(1);
  Member a = Join("a:1", /*auto_checkpoint=*/true);
  TickReady(a);
  const std::string shard = ShardIds()[0];
  a.source->Latest(shard)->on_event(Records(shard, {"100", "200"}));
  auto lease = Table()->GetLease(shard);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  EXPECT_EQ((*lease)->checkpoint, "200");
}

TEST_F(GroupMemberTest, AMemberHoldingNoLeaseGetsItsShareByHandOver) {
  MakeStream(4);
  Member a = Join("a:1");
  TickReady(a);
  ASSERT_THAT(a.member->HeldShards(), SizeIs(4));
  // b (as if on another replica: they share only the table) holds nothing;
  // a learns of it from the membership item alone.
  Member b = Join("b:1");
  TickReady(b);
  EXPECT_THAT(b.member->HeldShards(), IsEmpty());
  a.member->Tick();
  EXPECT_THAT(a.member->HeldShards(), SizeIs(2));
  auto revoked = a.output->Of(cg::JoinGroupResponse::kShardRevoked);
  ASSERT_THAT(revoked, SizeIs(2));
  EXPECT_EQ(revoked[0].shard_revoked().reason(), cg::REVOKE_REASON_HANDED_OVER);
  EXPECT_TRUE(a.source->Latest(revoked[0].shard_revoked().shard_id())->cancelled);
  b.member->Tick();
  EXPECT_THAT(b.member->HeldShards(), SizeIs(2));
  auto assigned = b.output->Of(cg::JoinGroupResponse::kShardAssigned);
  ASSERT_THAT(assigned, SizeIs(2));
  EXPECT_EQ(assigned[0].shard_assigned().lease_proof(), "b:1");
  // No clock moved: a hand-over, not an expiry.
}

TEST_F(GroupMemberTest, HandedOverShardResumesAfterTheCheckpoint) {
  MakeStream(2);
  Member a = Join("a:1");
  TickReady(a);
  for (const std::string& shard : ShardIds()) {
    a.source->Latest(shard)->on_event(Records(shard, {"300"}));
    ASSERT_THAT(a.member->HeldShards(), SizeIs(2));
  }
  absl::StatusOr<int64_t> done;
  for (const std::string& shard : ShardIds()) {
    a.member->Checkpoint(shard, "300", [&](absl::StatusOr<int64_t> r) { done = r; });
    ASSERT_THAT(done.status(), IsOk());
  }
  Member b = Join("b:1");
  TickReady(b);
  a.member->Tick();
  b.member->Tick();
  ASSERT_THAT(b.source->opened, SizeIs(1));
  EXPECT_EQ(b.source->opened[0]->request.starting_position().type(), "AFTER_SEQUENCE_NUMBER");
  EXPECT_EQ(b.source->opened[0]->request.starting_position().sequence_number(), "300");
}

TEST_F(GroupMemberTest, AZombieCheckpointIsRefusedAndMovesNothing) {
  MakeStream(1);
  Member a = Join("a:1");
  TickReady(a);
  const std::string shard = ShardIds()[0];
  // a stops ticking (stalled); b joins and, a lease duration later by b's
  // own clock, takes the lease over.
  Member b = Join("b:1");
  TickReady(b);
  clock_->Advance(kLease + absl::Seconds(1));
  b.member->Tick();
  ASSERT_THAT(b.member->HeldShards(), ElementsAre(shard));
  absl::StatusOr<int64_t> result;
  a.member->Checkpoint(shard, "500", [&](absl::StatusOr<int64_t> r) { result = r; });
  EXPECT_THAT(result.status(), IsAwsError("LeaseLostException"));
  auto revoked = a.output->Of(cg::JoinGroupResponse::kShardRevoked);
  ASSERT_THAT(revoked, SizeIs(1));
  EXPECT_EQ(revoked[0].shard_revoked().reason(), cg::REVOKE_REASON_LEASE_LOST);
  auto table = Table();
  // Through any replica, by proof: the zombie's proof is refused, the
  // holder's accepted.
  EXPECT_THAT(CheckpointByProof(*table, shard, "500", "a:1").status(),
              IsAwsError("LeaseLostException"));
  auto lease = table->GetLease(shard);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  EXPECT_EQ((*lease)->checkpoint, "TRIM_HORIZON");
  EXPECT_THAT(CheckpointByProof(*table, shard, "600", "b:1").status(), IsOk());
  lease = table->GetLease(shard);
  EXPECT_EQ((*lease)->checkpoint, "600");
}

TEST_F(GroupMemberTest, ACheckpointThroughAnotherReplicaDoesNotCostTheHolderItsLease) {
  MakeStream(1);
  Member a = Join("a:1");
  TickReady(a);
  const std::string shard = ShardIds()[0];
  auto table = Table();
  ASSERT_THAT(CheckpointByProof(*table, shard, "700", "a:1").status(), IsOk());
  // a's counter is stale now; its renewal must find it still owns the lease.
  a.member->Tick();
  EXPECT_THAT(a.member->HeldShards(), ElementsAre(shard));
  EXPECT_THAT(a.output->Of(cg::JoinGroupResponse::kShardRevoked), IsEmpty());
}

TEST_F(GroupMemberTest, ChildIsAssignedOnlyAfterItsParentIsCheckpointedAtShardEnd) {
  MakeStream(1);
  ASSERT_TRUE(sim_->ForceShardRollover(stream_arn_).ok());
  const std::vector<std::string> shards = ShardIds();
  ASSERT_THAT(shards, SizeIs(2));
  const std::string& parent = shards[0];
  const std::string& child = shards[1];
  Member a = Join("a:1");
  TickReady(a);
  EXPECT_THAT(a.member->HeldShards(), ElementsAre(parent));
  auto feed = a.source->Latest(parent);
  streams::SubscribeToShardResponse end;
  end.mutable_shard_end()->set_shard_id(parent);
  end.mutable_shard_end()->add_child_shard_ids(child);
  feed->on_event(end);
  auto ended = a.output->Of(cg::JoinGroupResponse::kShardEnded);
  ASSERT_THAT(ended, SizeIs(1));
  EXPECT_THAT(ended[0].shard_ended().child_shard_ids(), ElementsAre(child));
  a.member->Tick();
  EXPECT_THAT(a.member->HeldShards(), ElementsAre(parent));  // not checkpointed yet
  absl::StatusOr<int64_t> result;
  a.member->Checkpoint(parent, "SHARD_END", [&](absl::StatusOr<int64_t> r) { result = r; });
  ASSERT_THAT(result.status(), IsOk());
  a.member->Tick();
  EXPECT_THAT(a.member->HeldShards(), ElementsAre(child));
  EXPECT_EQ(a.source->Latest(child)->request.starting_position().type(), "TRIM_HORIZON");
}

TEST_F(GroupMemberTest, LeavingReleasesLeasesForTheOthersAtOnce) {
  MakeStream(4);
  Member a = Join("a:1");
  TickReady(a);
  Member b = Join("b:1");
  TickReady(b);
  a.member->Tick();
  b.member->Tick();
  ASSERT_THAT(b.member->HeldShards(), SizeIs(2));
  bool left = false;
  b.member->Leave([&] { left = true; });
  ASSERT_TRUE(left);
  a.member->Tick();  // the clock never moved
  EXPECT_THAT(a.member->HeldShards(), SizeIs(4));
}

TEST_F(GroupMemberTest, AKilledMembersLeasesAreTakenAfterTheLeaseDuration) {
  MakeStream(2);
  Member a = Join("a:1");
  TickReady(a);
  Member b = Join("b:1");
  TickReady(b);
  a.member->Tick();
  b.member->Tick();
  a.member->Tick();  // a sees b's last renewal: expiry counts from here
  ASSERT_THAT(a.member->HeldShards(), SizeIs(1));
  // b is killed: it never ticks again.
  clock_->Advance(kLease - absl::Seconds(1));
  a.member->Tick();
  EXPECT_THAT(a.member->HeldShards(), SizeIs(1));
  clock_->Advance(absl::Seconds(2));
  a.member->Tick();
  EXPECT_THAT(a.member->HeldShards(), SizeIs(2));
}

TEST_F(GroupMemberTest, AFeedThatFailsIsReopenedAfterTheLastRecordSent) {
  MakeStream(1);
  Member a = Join("a:1");
  TickReady(a);
  const std::string shard = ShardIds()[0];
  auto first = a.source->Latest(shard);
  first->on_event(Records(shard, {"100", "200"}));
  first->on_end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "engine restarting"));
  a.member->Tick();
  auto second = a.source->Latest(shard);
  ASSERT_NE(second, first);
  EXPECT_EQ(second->request.starting_position().type(), "AFTER_SEQUENCE_NUMBER");
  EXPECT_EQ(second->request.starting_position().sequence_number(), "200");
  // Still one lease, never revoked: nothing repeated or lost within it.
  EXPECT_THAT(a.output->Of(cg::JoinGroupResponse::kShardRevoked), IsEmpty());
  // Events of the failed feed are ignored from now on.
  first->on_event(Records(shard, {"300"}));
  EXPECT_THAT(a.output->Of(cg::JoinGroupResponse::kRecords), SizeIs(1));
}

TEST_F(GroupMemberTest, ATrimmedPositionResumesAtTheTrimHorizon) {
  MakeStream(1);
  Member a = Join("a:1");
  TickReady(a);
  const std::string shard = ShardIds()[0];
  auto first = a.source->Latest(shard);
  first->on_event(Records(shard, {"100"}));
  // Past it was trimmed while the reader was away (older than 24 hours).
  first->on_end(grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "trimmed"));
  a.member->Tick();
  EXPECT_EQ(a.source->Latest(shard)->request.starting_position().type(), "TRIM_HORIZON");
  EXPECT_THAT(a.source->opened, SizeIs(2));
}

TEST_F(GroupMemberTest, RecordsRacingARevokeNeverFollowTheShardRevoked) {
  MakeStream(1);
  Member a = Join("a:1");
  TickReady(a);
  const std::string shard = ShardIds()[0];
  // The shard is revoked (finished, here) just as a batch of it is sent.
  a.output->before_records = [&] {
    a.member->Checkpoint(shard, "SHARD_END",
                         [](absl::StatusOr<int64_t> r) { EXPECT_THAT(r.status(), IsOk()); });
  };
  a.source->Latest(shard)->on_event(Records(shard, {"100"}));
  ASSERT_FALSE(a.output->events.empty());
  EXPECT_TRUE(a.output->events.back().has_shard_revoked());
  EXPECT_THAT(a.output->Of(cg::JoinGroupResponse::kRecords), IsEmpty());
}

TEST_F(GroupMemberTest, AnUnknownStreamEndsTheJoinWithNotFound) {
  MakeStream(1);
  stream_arn_ = "arn:aws:dynamodb:us-east-1:123456789012:table/none/stream/2026-01-01T00:00:00.000";
  Member a = Join("a:1");
  TickReady(a);
  ASSERT_TRUE(a.output->closed.has_value());
  EXPECT_EQ(a.output->closed->error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace awsfacade::service::consumer_groups
