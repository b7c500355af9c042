// DynamoDbSimulator::SaveState / LoadState, and the determinism persistence
// relies on: IDs from the seed, housekeeping from time alone.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/request_validator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/state/dynamodb_state.pb.h"
#include "backends/simulator/state/state_bytes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"

namespace awsfacade::backends::simulator {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace dds = ::aws::dynamodbstreams::v1;
namespace state = ::awsfacade::simulator::state;
using dynamodb_test::N;
using dynamodb_test::S;
using dynamodb_test::TableRequest;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kTable[] = "Music";
constexpr uint64_t kSeed = 42;
constexpr char kTokenKey[] = "dynamodb-state-test";

// One simulator on its own fake clock; two with the same seed and key are
// driven side by side.
class Sim {
 public:
  explicit Sim(uint64_t seed = kSeed, DynamoDbSimulatorOptions ddb_options = Options()) {
    SimulatorOptions options;
    options.clock = clock_;
    options.sealer = std::make_shared<TokenSealer>(kTokenKey);
    options.seed = seed;
    sim_ = std::make_shared<DynamoDbSimulator>(options, ddb_options);
    api_ = std::make_unique<ValidatedDynamoDb>(sim_);
    streams_ = std::make_unique<ValidatedDynamoDbStreams>(sim_);
  }

  // Rollover every hour, records kept three hours: a test crosses every
  // kind of due time within a simulated afternoon.
  static DynamoDbSimulatorOptions Options() {
    DynamoDbSimulatorOptions o;
    o.shard_rollover_interval = absl::Hours(1);
    o.retention = absl::Hours(3);
    o.iterator_lifetime = absl::Hours(1);
    return o;
  }

  DynamoDbSimulator& operator*() { return *sim_; }
  DynamoDbSimulator* operator->() { return sim_.get(); }
  // The operations as the server calls them: behind the model validation,
  // which the simulator leaves to its caller.
  ValidatedDynamoDb& api() { return *api_; }
  ValidatedDynamoDbStreams& streams() { return *streams_; }
  FakeClock& clock() { return *clock_; }
  // The time since the fake clock's start.
  void At(absl::Duration since_start) { clock_->Set(kStart + since_start); }

  std::string Save() const {
    state::DynamoDbState out;
    sim_->SaveState(&out);
    return DeterministicBytes(out);
  }
  state::DynamoDbState SaveProto() const {
    state::DynamoDbState out;
    sim_->SaveState(&out);
    return out;
  }

  // Creates the test table (key "pk", stream NEW_AND_OLD_IMAGES, TTL on
  // "expires"); returns its stream ARN.
  std::string CreateTable(absl::string_view name = kTable) {
    absl::StatusOr<ddb::CreateTableResponse> r =
        api_->CreateTable(TableRequest(name, "NEW_AND_OLD_IMAGES"));
    EXPECT_TRUE(r.ok()) << r.status();
    ddb::UpdateTimeToLiveRequest ttl;
    ttl.set_table_name(std::string(name));
    ttl.mutable_time_to_live_specification()->set_enabled(true);
    ttl.mutable_time_to_live_specification()->set_attribute_name("expires");
    EXPECT_TRUE(api_->UpdateTimeToLive(ttl).ok());
    return r.ok() ? r->table_description().latest_stream_arn() : "";
  }

  // Puts {pk, v[, expires]}; `expires` is relative to the clock's start.
  void Put(absl::string_view pk, absl::string_view v,
           std::optional<absl::Duration> expires = std::nullopt) {
    ddb::PutItemRequest request;
    request.set_table_name(kTable);
    (*request.mutable_item())["pk"] = S(pk);
    (*request.mutable_item())["v"] = S(v);
    if (expires) {
      (*request.mutable_item())["expires"] = N(absl::ToUnixSeconds(kStart + *expires));
    }
    absl::Status s = api_->PutItem(request).status();
    EXPECT_TRUE(s.ok()) << s;
  }

  void Delete(absl::string_view pk) {
    ddb::DeleteItemRequest request;
    request.set_table_name(kTable);
    (*request.mutable_key())["pk"] = S(pk);
    EXPECT_TRUE(api_->DeleteItem(request).ok());
  }

  bool Has(absl::string_view pk) {
    ddb::GetItemRequest request;
    request.set_table_name(kTable);
    (*request.mutable_key())["pk"] = S(pk);
    absl::StatusOr<ddb::GetItemResponse> r = api_->GetItem(request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && !r->item().empty();
  }

  std::vector<dds::Shard> Shards(const std::string& arn) {
    dds::DescribeStreamRequest request;
    request.set_stream_arn(arn);
    absl::StatusOr<dds::DescribeStreamResponse> d = streams_->DescribeStream(request);
    EXPECT_TRUE(d.ok()) << d.status();
    if (!d.ok()) return {};
    return {d->stream_description().shards().begin(), d->stream_description().shards().end()};
  }

  std::string Iterator(const std::string& arn, const std::string& shard_id,
                       absl::string_view type = "TRIM_HORIZON") {
    dds::GetShardIteratorRequest request;
    request.set_stream_arn(arn);
    request.set_shard_id(shard_id);
    request.set_shard_iterator_type(std::string(type));
    absl::StatusOr<dds::GetShardIteratorResponse> r = streams_->GetShardIterator(request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->shard_iterator() : "";
  }

  absl::StatusOr<dds::GetRecordsResponse> Read(const std::string& iterator, int limit = 0) {
    dds::GetRecordsRequest request;
    request.set_shard_iterator(iterator);
    if (limit > 0) request.set_limit(limit);
    return streams_->GetRecords(request);
  }

  // Every record of every shard, parents first.
  std::vector<dds::Record> Records(const std::string& arn) {
    std::vector<dds::Record> out;
    for (const dds::Shard& shard : Shards(arn)) {
      std::string iterator = Iterator(arn, shard.shard_id());
      while (!iterator.empty()) {
        absl::StatusOr<dds::GetRecordsResponse> r = Read(iterator);
        EXPECT_TRUE(r.ok()) << r.status();
        if (!r.ok() || r->records().empty()) break;
        out.insert(out.end(), r->records().begin(), r->records().end());
        iterator = r->next_shard_iterator();
      }
    }
    return out;
  }

  static inline const absl::Time kStart = FakeClock().Now();

 private:
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<DynamoDbSimulator> sim_;
  std::unique_ptr<ValidatedDynamoDb> api_;
  std::unique_ptr<ValidatedDynamoDbStreams> streams_;
};

std::string ShardIdAt(absl::Time t) {
  return absl::StrFormat("shardId-%020d-", absl::ToUnixMillis(t));
}

// --- Save and load ---------------------------------------------------------------

TEST(DynamoDbStateTest, SaveLoadSaveIsByteIdenticalAndBothGoOnAlike) {
  Sim a;
  a.At(absl::ZeroDuration());
  const std::string arn = a.CreateTable();
  a.At(absl::Seconds(1));
  a.Put("a", "1", absl::Minutes(30));
  a.Put("b", "1");
  a.At(absl::Minutes(5));
  ASSERT_TRUE(a->ForceShardRollover(arn).ok());
  a.Put("c", "1");
  a.Put("d", "1", absl::Hours(2));
  // An iterator read halfway, issued before the save.
  const std::vector<dds::Shard> shards = a.Shards(arn);
  ASSERT_THAT(shards, SizeIs(2));
  absl::StatusOr<dds::GetRecordsResponse> first =
      a.Read(a.Iterator(arn, shards[1].shard_id()), /*limit=*/1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(first->records(), SizeIs(1));
  const std::string iterator = first->next_shard_iterator();

  const std::string saved = a.Save();
  Sim b;
  b.clock().Set(a.clock().Now());
  ASSERT_TRUE(b->LoadState(a.SaveProto()).ok());
  EXPECT_EQ(b.Save(), saved);

  // The iterator issued before the save reads the same on both.
  absl::StatusOr<dds::GetRecordsResponse> ra = a.Read(iterator);
  absl::StatusOr<dds::GetRecordsResponse> rb = b.Read(iterator);
  ASSERT_TRUE(ra.ok() && rb.ok()) << ra.status() << rb.status();
  EXPECT_THAT(ra->records(), SizeIs(1));
  EXPECT_EQ(DeterministicBytes(*ra), DeterministicBytes(*rb));
  // Then both go on alike: the next record (sequence number, eventID), the
  // TTL deletion of "a" at 30 min, the next rollover's shard ids.
  for (Sim* s : {&a, &b}) {
    s->At(absl::Minutes(10));
    s->Put("e", "1");
    s->At(absl::Hours(2));
    EXPECT_FALSE(s->Has("a"));
  }
  EXPECT_EQ(DeterministicBytes(a.Records(arn).back()), DeterministicBytes(b.Records(arn).back()));
  const std::vector<dds::Shard> after_a = a.Shards(arn);
  const std::vector<dds::Shard> after_b = b.Shards(arn);
  ASSERT_EQ(after_a.size(), after_b.size());
  ASSERT_GT(after_a.size(), shards.size());
  for (size_t i = 0; i < after_a.size(); ++i) {
    EXPECT_EQ(after_a[i].shard_id(), after_b[i].shard_id());
  }
  EXPECT_EQ(a.Save(), b.Save());
}

TEST(DynamoDbStateTest, SavingTwiceGivesTheSameBytes) {
  Sim a;
  const std::string arn = a.CreateTable();
  for (int i = 0; i < 20; ++i) a.Put(absl::StrCat("k", i), "v", absl::Hours(i));
  EXPECT_EQ(a.Save(), a.Save());
}

TEST(DynamoDbStateTest, LoadReplacesEverything) {
  Sim a;
  a.CreateTable();
  a.Put("a", "1");
  Sim b;
  b.CreateTable("Other");
  const std::string empty = Sim().Save();
  ASSERT_TRUE(b->LoadState(Sim().SaveProto()).ok());
  EXPECT_EQ(b.Save(), empty);
  ASSERT_TRUE(b->LoadState(a.SaveProto()).ok());
  EXPECT_EQ(b.Save(), a.Save());
  EXPECT_TRUE(b.Has("a"));
}

// --- Replay: reads change nothing but what time alone would -----------------------

// Writes at fixed times, optionally with reads between them at other times.
// The reads come just after things fall due (TTL deletions, rollovers,
// trimming, a disabled stream's end), so with them housekeeping runs early,
// inside reads; without them it runs inside the next write.
void RunScenario(Sim& s, bool with_reads, std::string* arn_out) {
  auto at = [&](absl::Duration t) { s.At(t); };
  std::string arn;
  auto read = [&](absl::Duration t) {
    if (!with_reads) return;
    at(t);
    s.Records(arn);
    s.Has("a");
    s.Shards(arn);
  };
  at(absl::ZeroDuration());
  arn = s.CreateTable();
  at(absl::Seconds(1));
  s.Put("a", "1", absl::Minutes(30));
  s.Put("b", "1", absl::Minutes(90));
  s.Put("c", "1");
  // Already expired when written: due at once.
  s.Put("x", "1", -absl::Minutes(10));
  read(absl::Minutes(10));
  at(absl::Minutes(20));
  s.Put("d", "1", absl::Minutes(61));
  read(absl::Minutes(31));  // "a" expired at 30
  read(absl::Minutes(65));  // the rollover at 60, "d" at 61
  at(absl::Minutes(70));
  s.Put("e", "1");
  read(absl::Minutes(95));  // "b" at 90
  at(absl::Minutes(100));
  ASSERT_TRUE(s->ForceShardRollover(arn).ok());
  s.Put("c", "2");
  read(absl::Minutes(185));  // records of the first minutes trimmed at 180+
  at(absl::Minutes(200));
  s.Delete("c");
  read(absl::Hours(5) + absl::Minutes(1));  // more rollovers and trimming
  at(absl::Hours(5) + absl::Minutes(30));
  s.Put("f", "1", absl::Hours(6));
  // Disable the stream; it disappears 3 h later.
  ddb::UpdateTableRequest disable;
  disable.set_table_name(kTable);
  disable.mutable_stream_specification()->set_stream_enabled(false);
  ASSERT_TRUE(s.api().UpdateTable(disable).ok());
  read(absl::Hours(6) + absl::Minutes(5));
  if (with_reads) {  // the stream is gone since 8 h 30
    at(absl::Hours(8) + absl::Minutes(40));
    dds::ListStreamsRequest list;
    absl::StatusOr<dds::ListStreamsResponse> listed = s.streams().ListStreams(list);
    ASSERT_TRUE(listed.ok()) << listed.status();
    EXPECT_THAT(listed->streams(), SizeIs(0));
    s.Has("f");
  }
  at(absl::Hours(9));
  s.Put("g", "1");
  at(absl::Hours(9) + absl::Minutes(1));
  s.Put("h", "1");
  *arn_out = arn;
}

TEST(DynamoDbStateTest, ReadsBetweenWritesLeaveTheSameStateAsWritesAlone) {
  Sim a;
  Sim b;
  std::string arn_a;
  std::string arn_b;
  RunScenario(a, /*with_reads=*/true, &arn_a);
  RunScenario(b, /*with_reads=*/false, &arn_b);
  EXPECT_EQ(arn_a, arn_b);
  EXPECT_EQ(a.Save(), b.Save());
}

TEST(DynamoDbStateTest, AReadThatNoticesARolloverLateLeavesItAtItsDueTime) {
  Sim by_write;  // the next write notices the rollover
  Sim by_read;   // a read five minutes after it was due does
  std::string arn;
  for (Sim* s : {&by_write, &by_read}) {
    s->At(absl::ZeroDuration());
    arn = s->CreateTable();
    s->Put("a", "1");
  }
  by_read.At(absl::Hours(1) + absl::Minutes(5));
  const std::vector<dds::Shard> shards = by_read.Shards(arn);
  ASSERT_THAT(shards, SizeIs(2));
  // The child opened at the due time, not when it was noticed.
  EXPECT_THAT(shards[1].shard_id(), HasSubstr(ShardIdAt(Sim::kStart + absl::Hours(1))));
  for (Sim* s : {&by_write, &by_read}) {
    s->At(absl::Hours(1) + absl::Minutes(10));
    s->Put("b", "1");
  }
  EXPECT_EQ(by_write.Save(), by_read.Save());
}

TEST(DynamoDbStateTest, TtlDeletionIsRecordedAtItsDueTimeWhoeverNoticesIt) {
  Sim by_read;
  Sim by_write;
  std::string arn;
  for (Sim* s : {&by_read, &by_write}) {
    s->At(absl::ZeroDuration());
    arn = s->CreateTable();
    s->Put("a", "1", absl::Minutes(30));
  }
  by_read.At(absl::Minutes(50));
  EXPECT_FALSE(by_read.Has("a"));
  by_read.At(absl::Minutes(55));
  by_read.Put("b", "1");
  by_write.At(absl::Minutes(55));
  by_write.Put("b", "1");
  EXPECT_EQ(by_read.Save(), by_write.Save());
  const std::vector<dds::Record> records = by_read.Records(arn);
  ASSERT_THAT(records, SizeIs(3));
  EXPECT_EQ(records[1].event_name(), "REMOVE");
  EXPECT_EQ(records[1].user_identity().principal_id(), "dynamodb.amazonaws.com");
  EXPECT_EQ(records[1].dynamodb().approximate_creation_date_time().seconds(),
            absl::ToUnixSeconds(Sim::kStart + absl::Minutes(30)));
}

TEST(DynamoDbStateTest, TtlDeletionDueBeforeARolloverLandsInTheParentShard) {
  // "a" expires at 59 min, the shard rolls over at 60 min: noticed at 70
  // min, the REMOVE still belongs to the parent.
  Sim s;
  s.At(absl::ZeroDuration());
  const std::string arn = s.CreateTable();
  s.Put("a", "1", absl::Minutes(59));
  s.At(absl::Minutes(70));
  const std::vector<dds::Shard> shards = s.Shards(arn);
  ASSERT_THAT(shards, SizeIs(2));
  absl::StatusOr<dds::GetRecordsResponse> parent = s.Read(s.Iterator(arn, shards[0].shard_id()));
  ASSERT_TRUE(parent.ok()) << parent.status();
  ASSERT_THAT(parent->records(), SizeIs(2));
  EXPECT_EQ(parent->records(1).event_name(), "REMOVE");
}

TEST(DynamoDbStateTest, CountRolloversReplayAlike) {
  DynamoDbSimulatorOptions options = Sim::Options();
  options.shard_rollover_records = 2;
  options.open_shards_per_stream = 2;
  Sim a(kSeed, options);
  Sim b(kSeed, options);
  std::string arn;
  for (Sim* s : {&a, &b}) {
    s->At(absl::ZeroDuration());
    arn = s->CreateTable();
    for (int i = 0; i < 9; ++i) {
      s->At(absl::Minutes(7 * i));
      s->Put(absl::StrCat("k", i % 4), absl::StrCat(i), absl::Minutes(7 * i + 20));
      if (s == &a) a.Records(arn);
    }
    s->At(absl::Hours(4));
    s->Put("z", "1");
  }
  EXPECT_EQ(a.Save(), b.Save());
}

// --- IDs from the seed ----------------------------------------------------------

struct Ids {
  std::string table_id;
  std::string stream_arn;
  std::string label;
  std::vector<std::string> shard_ids;
  std::vector<std::string> event_ids;
};

Ids IdsOf(uint64_t seed) {
  Sim s(seed);
  s.At(absl::ZeroDuration());
  Ids ids;
  ids.stream_arn = s.CreateTable();
  s.Put("a", "1");
  EXPECT_TRUE(s->ForceShardRollover(ids.stream_arn).ok());
  s.Put("b", "1");
  ddb::DescribeTableRequest describe;
  describe.set_table_name(kTable);
  absl::StatusOr<ddb::DescribeTableResponse> d = s.api().DescribeTable(describe);
  EXPECT_TRUE(d.ok()) << d.status();
  if (!d.ok()) return ids;
  ids.table_id = d->table().table_id();
  ids.label = d->table().latest_stream_label();
  for (const dds::Shard& shard : s.Shards(ids.stream_arn))
    ids.shard_ids.push_back(shard.shard_id());
  for (const dds::Record& r : s.Records(ids.stream_arn)) ids.event_ids.push_back(r.event_id());
  return ids;
}

TEST(DynamoDbStateTest, TheSameSeedGivesTheSameIds) {
  const Ids one = IdsOf(kSeed);
  const Ids two = IdsOf(kSeed);
  EXPECT_EQ(one.table_id, two.table_id);
  EXPECT_EQ(one.stream_arn, two.stream_arn);
  EXPECT_EQ(one.label, two.label);
  EXPECT_EQ(one.shard_ids, two.shard_ids);
  EXPECT_EQ(one.event_ids, two.event_ids);
  EXPECT_THAT(one.shard_ids, SizeIs(2));
  EXPECT_THAT(one.event_ids, SizeIs(2));
}

TEST(DynamoDbStateTest, AnotherSeedGivesOtherIds) {
  const Ids one = IdsOf(kSeed);
  const Ids other = IdsOf(kSeed + 1);
  EXPECT_NE(one.table_id, other.table_id);
  EXPECT_NE(one.shard_ids, other.shard_ids);
  EXPECT_NE(one.event_ids[0], other.event_ids[0]);
  // Labels (and so stream ARNs) are creation times, as on AWS.
  EXPECT_EQ(one.label, other.label);
}

// --- Corrupt input ----------------------------------------------------------------

class CorruptStateTest : public ::testing::Test {
 protected:
  CorruptStateTest() {
    source_.At(absl::ZeroDuration());
    arn_ = source_.CreateTable();
    source_.Put("a", "1", absl::Hours(2));
    EXPECT_TRUE(source_->ForceShardRollover(arn_).ok());
    source_.Put("b", "1");
    state_ = source_.SaveProto();
  }

  void SetUp() override {
    ASSERT_EQ(state_.streams().streams_size(), 1);
    ASSERT_EQ(state_.streams().streams(0).shards_size(), 2);
    ASSERT_EQ(state_.streams().streams(0).shards(0).records_size(), 1);
  }

  // Loading `state_` fails with DataLoss naming `what`, and the target
  // keeps its state.
  void ExpectRejected(absl::string_view what) {
    Sim target;
    target.At(absl::ZeroDuration());
    target.CreateTable("Kept");
    const std::string before = target.Save();
    absl::Status s = target->LoadState(state_);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(s.message(), HasSubstr(what));
    EXPECT_EQ(target.Save(), before);
  }

  state::DynamoDbShard& Shard(int i) {
    return *state_.mutable_streams()->mutable_streams(0)->mutable_shards(i);
  }

  Sim source_;
  std::string arn_;
  state::DynamoDbState state_;
};

TEST_F(CorruptStateTest, TheUntouchedStateLoads) {
  Sim target;
  EXPECT_TRUE(target->LoadState(state_).ok());
}

TEST_F(CorruptStateTest, AShardWhoseParentDoesNotExist) {
  Shard(1).set_parent_id("shardId-00000000000000000001-deadbeef");
  ExpectRejected("parent");
}

TEST_F(CorruptStateTest, ARecordOutsideItsShard) {
  // The first shard's record, moved into the child's sequence range's past.
  *Shard(1).add_records() = Shard(0).records(0);
  ExpectRejected("record");
}

TEST_F(CorruptStateTest, ARecordWithAnotherSequenceNumber) {
  Shard(0).mutable_records(0)->set_seq(Shard(0).records(0).seq() + 1);
  ExpectRejected("record");
}

TEST_F(CorruptStateTest, TwoOpenShardsInOneSlot) {
  Shard(0).clear_closed_unix_nanos();
  Shard(0).clear_end_seq();
  ExpectRejected("shard");
}

TEST_F(CorruptStateTest, DuplicateTableNames) {
  *state_.add_tables() = state_.tables(0);
  ExpectRejected("appears twice");
}

TEST_F(CorruptStateTest, ATableWhoseStreamIsMissing) {
  state_.mutable_streams()->clear_streams();
  ExpectRejected("stream");
}

TEST_F(CorruptStateTest, AnItemWithoutItsKey) {
  state_.mutable_tables(0)->mutable_items(0)->mutable_item()->erase("pk");
  ExpectRejected("key");
}

TEST_F(CorruptStateTest, AUidNotYetIssued) {
  state_.set_next_table_uid(1);
  ExpectRejected("uid");
}

TEST_F(CorruptStateTest, ABadShardId) {
  Shard(0).set_id("shard-0");
  ExpectRejected("shard-0");
}

}  // namespace
}  // namespace awsfacade::backends::simulator
