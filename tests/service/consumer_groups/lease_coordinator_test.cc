#include "service/consumer_groups/lease_coordinator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/consumer_groups/lease_table.h"
#include "tests/common/status_matchers.h"
#include "tests/service/consumer_groups/active_lease_table.h"
#include "tests/service/consumer_groups/lease_test_util.h"

namespace awsfacade::service::consumer_groups {
namespace {

using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsOk;
using ::awsfacade::testutil::IsOkAndHolds;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kCoordinatorStreamArn[] = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x";
constexpr absl::Duration kTick = absl::Seconds(1);

std::unique_ptr<LeaseTable> ActiveTable(backends::DynamoDbBackend* ddb) {
  return leasetest::ActiveLeaseTable(ddb, "group", kCoordinatorStreamArn);
}

// Members of one group, each with its own LeaseTable and coordinator, driven
// tick by tick on a fake clock the way a replica's timer would drive them.
class Group {
 public:
  Group(backends::DynamoDbBackend* ddb, std::shared_ptr<backends::FakeClock> clock,
        std::unique_ptr<LeaseKeySource> keys)
      : ddb_(ddb), clock_(std::move(clock)), keys_(std::move(keys)) {}

  void Join(const std::string& id) {
    members_.push_back(std::make_unique<Member>(
        Member{id, ActiveTable(ddb_), LeaseCoordinator(id, clock_.get())}));
  }
  // The member stops ticking (killed): its leases are left to expire.
  void Kill(const std::string& id) {
    members_.erase(std::remove_if(members_.begin(), members_.end(),
                                  [&](const auto& m) { return m->id == id; }),
                   members_.end());
  }

  // One timer tick of every member, then the clock moves on.
  // One timer tick of every member in turn (each reads what the previous
  // one wrote), then the clock moves on.
  void Tick() {
    for (const auto& m : members_) Act(*m, Plan(*m));
    clock_->Advance(kTick);
  }
  // One tick in which every member reads and decides before any writes, as
  // members on different replicas ticking at the same moment would.
  void TickTogether() {
    std::vector<LeasePlan> plans;
    for (const auto& m : members_) plans.push_back(Plan(*m));
    for (size_t i = 0; i < members_.size(); ++i) Act(*members_[i], plans[i]);
    clock_->Advance(kTick);
  }

  // Ticks (in turn, or together) until Balanced(), at most `max_ticks`
  // times; returns how many ticks that took.
  int TickUntilBalanced(bool together, int max_ticks) {
    int ticks = 0;
    for (; ticks < max_ticks && !Balanced(); ++ticks) together ? TickTogether() : Tick();
    return ticks;
  }

  // Owner of every lease, from the table.
  std::map<std::string, std::string> Owners() {
    auto leases = members_.empty() ? ActiveTable(ddb_)->ListLeases(*keys_)
                                   : members_[0]->table->ListLeases(*keys_);
    EXPECT_THAT(leases, IsOk());
    std::map<std::string, std::string> owners;
    for (const Lease& lease : leases.value_or(std::vector<Lease>{})) {
      owners[lease.lease_key] = lease.owner;
    }
    return owners;
  }

  // Leases per live member (zero for a member holding none); leases owned
  // by anyone else count under "".
  std::map<std::string, int> Load() {
    std::map<std::string, int> load;
    for (const auto& m : members_) load[m->id] = 0;
    for (const auto& [key, owner] : Owners()) {
      ++load[load.count(owner) ? owner : std::string()];
    }
    return load;
  }

  // Every lease held by a live member, and each holds within one of the others.
  bool Balanced() {
    std::map<std::string, int> load = Load();
    if (load.count("")) return false;
    int lo = 1 << 30;
    int hi = 0;
    for (const auto& [id, n] : load) {
      lo = std::min(lo, n);
      hi = std::max(hi, n);
    }
    return hi - lo <= 1;
  }

  LeaseCoordinator& coordinator(const std::string& id) { return Find(id).coordinator; }
  LeaseTable& table(const std::string& id) { return *Find(id).table; }
  // Takes of a lease that had an owner (expiry take-overs), by anyone.
  int takeovers() const { return takeovers_; }
  int hand_overs() const { return hand_overs_; }

 private:
  struct Member {
    std::string id;
    std::unique_ptr<LeaseTable> table;
    LeaseCoordinator coordinator;
  };

  Member& Find(const std::string& id) {
    for (const auto& m : members_) {
      if (m->id == id) return *m;
    }
    ADD_FAILURE() << "no member " << id;
    return *members_.front();
  }

  void Apply(Member& m, const absl::StatusOr<Lease>& result) {
    if (result.ok()) {
      m.coordinator.Observe({*result});
    } else {
      EXPECT_THAT(result, IsAwsError("LeaseLostException")) << m.id;
    }
  }

  LeasePlan Plan(Member& m) {
    std::vector<std::string> ids;
    for (const auto& member : members_) ids.push_back(member->id);
    auto leases = m.table->ListLeases(*keys_);
    EXPECT_THAT(leases, IsOk());
    m.coordinator.Observe(leases.value_or(std::vector<Lease>{}));
    return m.coordinator.Decide(ids);
  }

  void Act(Member& m, const LeasePlan& plan) {
    for (const Lease& lease : plan.renew) Apply(m, m.table->RenewLease(lease));
    for (const Lease& lease : plan.take) {
      absl::StatusOr<Lease> taken = m.table->TakeLease(lease, m.id);
      if (taken.ok() && !lease.owner.empty()) ++takeovers_;
      Apply(m, taken);
    }
    for (const LeasePlan::HandOver& h : plan.hand_over) {
      absl::StatusOr<Lease> handed = m.table->HandOver(h.lease, h.to);
      if (handed.ok()) ++hand_overs_;
      Apply(m, handed);
    }
  }

  backends::DynamoDbBackend* ddb_;
  std::shared_ptr<backends::FakeClock> clock_;
  std::unique_ptr<LeaseKeySource> keys_;
  std::vector<std::unique_ptr<Member>> members_;
  int takeovers_ = 0;
  int hand_overs_ = 0;
};

std::vector<std::string> ShardKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat("shardId-", 100 + i));
  return keys;
}

// A group of `members` members ("m0", "m1", ...) over `shards` unowned
// leases, in a simulator of its own.
struct GroupOnOwnSimulator {
  GroupOnOwnSimulator(int shards, int members)
      : sim(leasetest::MakeSimulator(clock)), keys(ShardKeys(shards)) {
    leasetest::CreateUnownedLeases(*ActiveTable(sim.get()), keys);
    group = std::make_unique<Group>(sim.get(), clock, std::make_unique<FixedLeaseKeys>(keys));
    for (int m = 0; m < members; ++m) group->Join(absl::StrCat("m", m));
  }
  std::shared_ptr<backends::FakeClock> clock = std::make_shared<backends::FakeClock>();
  std::unique_ptr<backends::simulator::DynamoDbSimulator> sim;
  std::vector<std::string> keys;
  std::unique_ptr<Group> group;
};

class LeaseCoordinatorTest : public ::testing::Test {
 protected:
  LeaseCoordinatorTest() : sim_(leasetest::MakeSimulator(clock_)) {}

  // A table holding one unowned lease per key.
  std::unique_ptr<LeaseTable> TableWithLeases(const std::vector<std::string>& keys) {
    std::unique_ptr<LeaseTable> table = ActiveTable(sim_.get());
    leasetest::CreateUnownedLeases(*table, keys);
    return table;
  }

  std::shared_ptr<backends::FakeClock> clock_ = std::make_shared<backends::FakeClock>();
  std::unique_ptr<backends::simulator::DynamoDbSimulator> sim_;
};

TEST_F(LeaseCoordinatorTest, TwoCoordinatorsTakingOneLeaseHaveOneWinner) {
  std::unique_ptr<LeaseTable> table = TableWithLeases({"shardId-1"});
  LeaseCoordinator a("a", clock_.get());
  LeaseCoordinator b("b", clock_.get());
  FixedLeaseKeys keys({"shardId-1"});
  auto leases = table->ListLeases(keys);
  ASSERT_THAT(leases, IsOk());
  a.Observe(*leases);
  b.Observe(*leases);
  // Neither knows of the other yet: each plans to take the free lease.
  LeasePlan plan_a = a.Decide({"a"});
  LeasePlan plan_b = b.Decide({"b"});
  ASSERT_THAT(plan_a.take, SizeIs(1));
  ASSERT_THAT(plan_b.take, SizeIs(1));
  EXPECT_THAT(table->TakeLease(plan_a.take[0], "a"), IsOk());
  EXPECT_THAT(table->TakeLease(plan_b.take[0], "b"), IsAwsError("LeaseLostException"));
  EXPECT_THAT(table->GetLease("shardId-1"),
              IsOkAndHolds(::testing::Optional(Field(&Lease::owner, "a"))));
}

TEST_F(LeaseCoordinatorTest, ExpiryIsJudgedOnTheObserversOwnClock) {
  std::unique_ptr<LeaseTable> table = TableWithLeases({"shardId-1"});
  FixedLeaseKeys keys({"shardId-1"});
  auto held = table->TakeLease(*table->GetLease("shardId-1").value(), "writer");
  ASSERT_THAT(held, IsOk());

  // The observer's clock is years away from the writer's (the simulator's):
  // only the observer's own elapsed time matters.
  backends::FakeClock observer_clock(absl::FromUnixSeconds(1924992000));  // 2031
  LeaseCoordinator observer("observer", &observer_clock);
  auto look = [&] {
    auto leases = table->ListLeases(keys);
    ASSERT_THAT(leases, IsOk());
    observer.Observe(*leases);
  };
  look();
  EXPECT_FALSE(observer.Expired("shardId-1"));  // first sight: not expired
  observer_clock.Advance(absl::Seconds(9));
  clock_->Advance(absl::Hours(5));  // the writer's clock jumping means nothing
  look();
  EXPECT_FALSE(observer.Expired("shardId-1"));
  EXPECT_THAT(observer.Decide({"writer", "observer"}).take, IsEmpty());

  ASSERT_THAT(table->RenewLease(*held), IsOk());  // the counter moves
  observer_clock.Advance(absl::Milliseconds(500));
  look();  // seen at 9.5 s: the 10 s start again from here
  observer_clock.Advance(absl::Milliseconds(9900));
  look();
  EXPECT_FALSE(observer.Expired("shardId-1"));
  EXPECT_THAT(observer.Decide({"writer", "observer"}).take, IsEmpty());

  observer_clock.Advance(absl::Milliseconds(100));
  look();
  EXPECT_TRUE(observer.Expired("shardId-1"));
  LeasePlan plan = observer.Decide({"writer", "observer"});
  ASSERT_THAT(plan.take, SizeIs(1));
  EXPECT_EQ(plan.take[0].owner, "writer");
  EXPECT_THAT(table->TakeLease(plan.take[0], "observer"), IsOk());
}

TEST_F(LeaseCoordinatorTest, UnownedLeaseIsFreeAtFirstSight) {
  std::unique_ptr<LeaseTable> table = TableWithLeases({"shardId-1"});
  LeaseCoordinator member("m", clock_.get());
  FixedLeaseKeys keys({"shardId-1"});
  member.Observe(table->ListLeases(keys).value());
  EXPECT_TRUE(member.Expired("shardId-1"));
  EXPECT_THAT(member.Decide({"m"}).take, SizeIs(1));
}

TEST_F(LeaseCoordinatorTest, SpreadsEvenlyAndStaysPutOneToSixMembersOneToTwelveShards) {
  for (int shards = 1; shards <= 12; ++shards) {
    for (int members = 1; members <= 6; ++members) {
      SCOPED_TRACE(absl::StrCat(members, " members, ", shards, " shards"));
      GroupOnOwnSimulator world(shards, members);
      Group& group = *world.group;
      const int ticks = group.TickUntilBalanced(/*together=*/false, 5);
      ASSERT_TRUE(group.Balanced()) << ::testing::PrintToString(group.Load());
      // Free leases are taken at once: no one waited for an expiry.
      EXPECT_LT(ticks * kTick, absl::Seconds(10));
      // Renewals keep it that way well past the lease duration.
      const std::map<std::string, std::string> settled = group.Owners();
      for (int i = 0; i < 25; ++i) group.Tick();
      EXPECT_EQ(group.Owners(), settled);
      EXPECT_EQ(group.takeovers(), 0);
    }
  }
}

TEST_F(LeaseCoordinatorTest, SimultaneousDecisionsStillSettleWithinOneAfterAJoin) {
  for (int shards = 1; shards <= 12; ++shards) {
    for (int members = 1; members <= 5; ++members) {
      SCOPED_TRACE(absl::StrCat(members, "+1 members, ", shards, " shards"));
      GroupOnOwnSimulator world(shards, members);
      Group& group = *world.group;
      group.TickUntilBalanced(/*together=*/true, 8);
      ASSERT_TRUE(group.Balanced()) << ::testing::PrintToString(group.Load());
      group.Join("late");
      group.TickUntilBalanced(/*together=*/true, 8);
      ASSERT_TRUE(group.Balanced()) << ::testing::PrintToString(group.Load());
      const std::map<std::string, std::string> settled = group.Owners();
      for (int i = 0; i < 15; ++i) group.TickTogether();
      EXPECT_EQ(group.Owners(), settled);
      EXPECT_EQ(group.takeovers(), 0);  // all by taking free leases and hand-over
    }
  }
}

TEST_F(LeaseCoordinatorTest, NewMemberGetsItsShareByHandOverBeforeAnyExpiry) {
  const std::vector<std::string> keys = ShardKeys(12);
  TableWithLeases(keys);
  Group group(sim_.get(), clock_, std::make_unique<FixedLeaseKeys>(keys));
  for (const char* id : {"a", "b", "c"}) group.Join(id);
  for (int i = 0; i < 3; ++i) group.Tick();
  ASSERT_TRUE(group.Balanced());

  group.Join("d");
  const int ticks = group.TickUntilBalanced(/*together=*/false, 20);
  EXPECT_TRUE(group.Balanced());
  EXPECT_EQ(group.Load(), (std::map<std::string, int>{{"a", 3}, {"b", 3}, {"c", 3}, {"d", 3}}));
  EXPECT_LT(ticks * kTick, absl::Seconds(10));  // sooner than any lease could expire
  EXPECT_EQ(group.takeovers(), 0);              // nobody's lease was taken from them
  EXPECT_EQ(group.hand_overs(), 3);
}

TEST_F(LeaseCoordinatorTest, DeadMembersLeasesMoveAfterTheLeaseDuration) {
  const std::vector<std::string> keys = ShardKeys(9);
  TableWithLeases(keys);
  Group group(sim_.get(), clock_, std::make_unique<FixedLeaseKeys>(keys));
  for (const char* id : {"a", "b", "c"}) group.Join(id);
  for (int i = 0; i < 3; ++i) group.Tick();
  ASSERT_EQ(group.Load(), (std::map<std::string, int>{{"a", 3}, {"b", 3}, {"c", 3}}));

  group.Kill("c");  // c's last renewal was in the tick just run
  const absl::Duration waited = group.TickUntilBalanced(/*together=*/false, 30) * kTick;
  EXPECT_TRUE(group.Balanced());
  EXPECT_GE(waited, absl::Seconds(9));   // not before c's leases stood still 10 s
  EXPECT_LE(waited, absl::Seconds(12));  // lease duration + 2 s
  EXPECT_EQ(group.takeovers(), 3);
  std::map<std::string, int> load = group.Load();
  EXPECT_EQ(load["a"] + load["b"], 9);
}

TEST_F(LeaseCoordinatorTest, ParentsAreFinishedBeforeChildrenAreAssigned) {
  leasetest::Lineage lineage = leasetest::ThreeGenerationStream(*sim_);
  ASSERT_THAT(lineage.shards, SizeIs(3));
  const std::string& stream_arn = lineage.stream_arn;
  const std::vector<::aws::dynamodbstreams::v1::Shard>* shards = &lineage.shards;
  const std::string parent = (*shards)[0].shard_id();
  const std::string child = (*shards)[1].shard_id();
  const std::string grandchild = (*shards)[2].shard_id();
  ASSERT_EQ((*shards)[2].parent_shard_id(), child);
  ASSERT_EQ((*shards)[1].parent_shard_id(), parent);

  std::unique_ptr<LeaseTable> table = ActiveTable(sim_.get());
  ASSERT_THAT(CreateMissingLeases(*table, *shards, kTrimHorizon), IsOkAndHolds(3));
  Group group(sim_.get(), clock_, std::make_unique<StreamShardLeaseKeys>(sim_.get(), stream_arn));
  group.Join("a");
  group.Join("b");
  auto owners = [&] { return group.Owners(); };
  // Checkpoints `key` as its current holder would.
  auto checkpoint = [&](const std::string& key, absl::string_view at) {
    auto lease = table->GetLease(key);
    ASSERT_THAT(lease, IsOk());
    ASSERT_TRUE(lease->has_value());
    ASSERT_THAT(table->Checkpoint(**lease, at), IsOk());
  };

  for (int i = 0; i < 3; ++i) group.Tick();
  EXPECT_NE(owners()[parent], "");
  EXPECT_EQ(owners()[child], "");
  EXPECT_EQ(owners()[grandchild], "");

  checkpoint(parent, "4200");  // progress, but not the end
  for (int i = 0; i < 3; ++i) group.Tick();
  EXPECT_EQ(owners()[child], "");

  checkpoint(parent, kShardEnd);
  for (int i = 0; i < 3; ++i) group.Tick();
  EXPECT_NE(owners()[child], "");
  EXPECT_EQ(owners()[grandchild], "");

  checkpoint(child, kShardEnd);
  for (int i = 0; i < 3; ++i) group.Tick();
  EXPECT_NE(owners()[grandchild], "");
  // Finished leases are left alone: nobody renews or takes them again.
  auto parent_lease = table->GetLease(parent);
  ASSERT_THAT(parent_lease, IsOk());
  const int64_t parent_counter = (*parent_lease)->counter;
  for (int i = 0; i < 15; ++i) group.Tick();
  EXPECT_THAT(table->GetLease(parent),
              IsOkAndHolds(::testing::Optional(Field(&Lease::counter, parent_counter))));
}

}  // namespace
}  // namespace awsfacade::service::consumer_groups
