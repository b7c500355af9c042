#include "service/subscriptions/shard_lineage.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {

namespace v1 = ::aws::dynamodbstreams::v1;
using ::testing::ElementsAre;

v1::Shard MakeShard(const std::string& id, const std::string& parent = "") {
  v1::Shard s;
  s.set_shard_id(id);
  s.set_parent_shard_id(parent);
  return s;
}

std::vector<std::string> Ids(const std::vector<const v1::Shard*>& shards) {
  std::vector<std::string> out;
  for (const v1::Shard* s : shards) out.push_back(s->shard_id());
  return out;
}

// a -> b -> c (a rolled over twice), and a separate root d.
std::vector<v1::Shard> Listing() {
  return {MakeShard("a"), MakeShard("b", "a"), MakeShard("c", "b"), MakeShard("d")};
}

TEST(ShardLineageTest, EverythingIsNewToASubscriptionTrackingNothing) {
  std::vector<v1::Shard> listed = Listing();
  ShardLineage lineage(listed);
  EXPECT_THAT(Ids(lineage.NewShards([](const std::string&) { return false; })),
              ElementsAre("a", "b", "c", "d"));
}

TEST(ShardLineageTest, AncestorsOfATrackedShardWereReadAndForgotten) {
  std::vector<v1::Shard> listed = Listing();
  ShardLineage lineage(listed);
  std::set<std::string> tracked = {"c"};
  EXPECT_THAT(Ids(lineage.NewShards([&](const std::string& id) { return tracked.count(id) > 0; })),
              ElementsAre("d"));
}

TEST(ShardLineageTest, ChildrenOfATrackedShardAreNew) {
  std::vector<v1::Shard> listed = Listing();
  ShardLineage lineage(listed);
  std::set<std::string> tracked = {"a", "d"};
  EXPECT_THAT(Ids(lineage.NewShards([&](const std::string& id) { return tracked.count(id) > 0; })),
              ElementsAre("b", "c"));
}

TEST(ShardLineageTest, ListedTellsTrimmedShardsApart) {
  std::vector<v1::Shard> listed = Listing();
  ShardLineage lineage(listed);
  EXPECT_TRUE(lineage.Listed("b"));
  EXPECT_FALSE(lineage.Listed("trimmed"));
}

TEST(ShardLineageTest, AParentCycleInAMalformedListingEnds) {
  std::vector<v1::Shard> listed = {MakeShard("x", "y"), MakeShard("y", "x")};
  ShardLineage lineage(listed);
  EXPECT_THAT(Ids(lineage.NewShards([](const std::string&) { return false; })),
              ElementsAre("x", "y"));
}

TEST(ShardLineageTest, ParentsFirst) {
  const bool done = true, open = false;
  EXPECT_TRUE(ParentAllowsReading("", nullptr));
  EXPECT_TRUE(ParentAllowsReading("p", nullptr));  // trimmed or forgotten
  EXPECT_TRUE(ParentAllowsReading("p", &done));
  EXPECT_FALSE(ParentAllowsReading("p", &open));
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
