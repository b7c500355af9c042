#include "backends/simulator/stream_store.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::dynamodbstreams::v1;
using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsOk;
using dynamodb_test::N;
using dynamodb_test::S;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kTable[] = "Music";

// The key attribute of the test table is "pk".
Item Key(absl::string_view pk) {
  Item item;
  item["pk"] = S(pk);
  return item;
}

Item Image(absl::string_view pk, absl::string_view value) {
  Item item = Key(pk);
  item["v"] = S(value);
  return item;
}

class StreamStoreTest : public ::testing::Test {
 protected:
  StreamStoreTest() { Build({}); }

  void Build(StreamStoreOptions stream_options) {
    SimulatorOptions options;
    options.clock = clock_;
    options.sealer = sealer_;
    store_ = std::make_unique<StreamStore>(options, stream_options);
  }

  std::string Create(absl::string_view view_type = "NEW_AND_OLD_IMAGES",
                     absl::string_view table = kTable) {
    v1::KeySchemaElement k;
    k.set_attribute_name("pk");
    k.set_key_type("HASH");
    absl::StatusOr<StreamStore::CreatedStream> created =
        store_->CreateStream(table, {k}, view_type);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? created->arn : "";
  }

  // Appends a change of item `pk`; returns its sequence number.
  std::string Append(const std::string& arn, absl::string_view event, absl::string_view pk,
                     const Item* old_image, const Item* new_image, bool by_ttl = false) {
    Item keys = Key(pk);
    ItemChange change;
    change.event_name = event;
    change.partition_key = pk;
    change.keys = &keys;
    change.old_image = old_image;
    change.new_image = new_image;
    change.by_ttl = by_ttl;
    absl::StatusOr<std::string> seq = store_->Append(arn, change);
    EXPECT_THAT(seq, IsOk());
    return seq.ok() ? *seq : "";
  }

  std::string Insert(const std::string& arn, absl::string_view pk, absl::string_view value = "x") {
    Item image = Image(pk, value);
    return Append(arn, "INSERT", pk, nullptr, &image);
  }

  absl::StatusOr<v1::DescribeStreamResponse> Describe(const std::string& arn,
                                                      std::optional<int> limit = {},
                                                      absl::string_view start = "") {
    v1::DescribeStreamRequest request;
    request.set_stream_arn(arn);
    if (limit) request.set_limit(*limit);
    request.set_exclusive_start_shard_id(std::string(start));
    return store_->DescribeStream(request);
  }

  std::vector<v1::Shard> Shards(const std::string& arn) {
    absl::StatusOr<v1::DescribeStreamResponse> r = Describe(arn);
    EXPECT_THAT(r, IsOk());
    if (!r.ok()) return {};
    return {r->stream_description().shards().begin(), r->stream_description().shards().end()};
  }

  std::string FirstShard(const std::string& arn) {
    std::vector<v1::Shard> shards = Shards(arn);
    return shards.empty() ? "" : shards[0].shard_id();
  }

  absl::StatusOr<std::string> TryIterator(const std::string& arn, absl::string_view shard,
                                          absl::string_view type, absl::string_view seq = "") {
    v1::GetShardIteratorRequest request;
    request.set_stream_arn(arn);
    request.set_shard_id(std::string(shard));
    request.set_shard_iterator_type(std::string(type));
    request.set_sequence_number(std::string(seq));
    absl::StatusOr<v1::GetShardIteratorResponse> r = store_->GetShardIterator(request);
    if (!r.ok()) return r.status();
    return r->shard_iterator();
  }

  std::string Iterator(const std::string& arn, absl::string_view shard, absl::string_view type,
                       absl::string_view seq = "") {
    absl::StatusOr<std::string> it = TryIterator(arn, shard, type, seq);
    EXPECT_THAT(it, IsOk());
    return it.ok() ? *it : "";
  }

  absl::StatusOr<v1::GetRecordsResponse> Read(absl::string_view iterator,
                                              std::optional<int> limit = {}) {
    v1::GetRecordsRequest request;
    request.set_shard_iterator(std::string(iterator));
    if (limit) request.set_limit(*limit);
    return store_->GetRecords(request);
  }

  // Every record of the shard from TRIM_HORIZON until no more come.
  std::vector<v1::Record> ReadAll(const std::string& arn, absl::string_view shard) {
    std::vector<v1::Record> out;
    std::string it = Iterator(arn, shard, "TRIM_HORIZON");
    while (!it.empty()) {
      absl::StatusOr<v1::GetRecordsResponse> r = Read(it);
      EXPECT_THAT(r, IsOk());
      if (!r.ok() || r->records().empty()) break;
      out.insert(out.end(), r->records().begin(), r->records().end());
      it = r->next_shard_iterator();
    }
    return out;
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<TokenSealer> sealer_ = std::make_shared<TokenSealer>("stream-store-test");
  std::unique_ptr<StreamStore> store_;
};

// --- Streams, labels, shards, sequence numbers ---------------------------------

TEST_F(StreamStoreTest, StreamArnEndsWithMillisecondLabel) {
  clock_->Advance(absl::Milliseconds(291));
  std::string arn = Create();
  EXPECT_EQ(arn,
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2026-01-01T00:00:00.291");
}

TEST_F(StreamStoreTest, LabelsOfOneTableNeverRepeat) {
  std::string first = Create("KEYS_ONLY");
  std::string second = Create("KEYS_ONLY");
  EXPECT_THAT(first, HasSubstr("/stream/2026-01-01T00:00:00.000"));
  EXPECT_THAT(second, HasSubstr("/stream/2026-01-01T00:00:00.001"));
  // Another table may share a label.
  EXPECT_THAT(Create("KEYS_ONLY", "Other"), HasSubstr("/stream/2026-01-01T00:00:00.000"));
}

TEST_F(StreamStoreTest, ShardIdHasAwsFormat) {
  std::string arn = Create();
  EXPECT_THAT(FirstShard(arn), MatchesRegex("shardId-[0-9]{20}-[0-9a-f]{8}"));
}

TEST_F(StreamStoreTest, OpenShardHasOnlyStartingSequenceNumber) {
  std::string arn = Create();
  std::vector<v1::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(1));
  EXPECT_THAT(shards[0].sequence_number_range().starting_sequence_number(),
              MatchesRegex("[0-9]{21,40}"));
  EXPECT_THAT(shards[0].sequence_number_range().ending_sequence_number(), IsEmpty());
  EXPECT_THAT(shards[0].parent_shard_id(), IsEmpty());
}

TEST_F(StreamStoreTest, SequenceNumbersAreDecimalIncreasingWithGaps) {
  std::string arn = Create();
  std::string previous = Shards(arn)[0].sequence_number_range().starting_sequence_number();
  for (int i = 0; i < 20; ++i) {
    std::string seq = Insert(arn, absl::StrCat("k", i));
    EXPECT_THAT(seq, MatchesRegex("[0-9]{21,40}"));
    EXPECT_TRUE(SequenceNumberLess(previous, seq)) << previous << " !< " << seq;
    // Not contiguous: consumers must not compute the next number.
    EXPECT_NE(*ParseSequenceNumber(seq), *ParseSequenceNumber(previous) + 1);
    previous = seq;
  }
}

TEST_F(StreamStoreTest, SequenceNumberLessComparesAsIntegers) {
  EXPECT_TRUE(SequenceNumberLess("99", "100"));
  EXPECT_FALSE(SequenceNumberLess("100", "99"));
  EXPECT_TRUE(SequenceNumberLess("000000000000000000000099", "100000000000000000000"));
  EXPECT_FALSE(SequenceNumberLess("100000000000000000000", "100000000000000000000"));
}

TEST_F(StreamStoreTest, SequenceNumbersRoundTrip) {
  EXPECT_EQ(ParseSequenceNumber(FormatSequenceNumber(12345)), 12345u);
  EXPECT_EQ(ParseSequenceNumber("12"), 0u);
  EXPECT_EQ(ParseSequenceNumber("9000000000000000000000000"), UINT64_MAX);
  EXPECT_EQ(ParseSequenceNumber("12a"), std::nullopt);
}

// --- Records --------------------------------------------------------------------

TEST_F(StreamStoreTest, RecordCarriesEventMetadata) {
  std::string arn = Create("NEW_IMAGE");
  clock_->Advance(absl::Milliseconds(1700));
  std::string seq = Insert(arn, "a");
  std::vector<v1::Record> records = ReadAll(arn, FirstShard(arn));
  ASSERT_THAT(records, SizeIs(1));
  const v1::Record& r = records[0];
  EXPECT_THAT(r.event_id(), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(r.event_name(), "INSERT");
  EXPECT_EQ(r.event_version(), "1.1");
  EXPECT_EQ(r.event_source(), "aws:dynamodb");
  EXPECT_EQ(r.aws_region(), "us-east-1");
  EXPECT_EQ(r.dynamodb().stream_view_type(), "NEW_IMAGE");
  EXPECT_EQ(r.dynamodb().sequence_number(), seq);
  // Rounded down to the second.
  EXPECT_EQ(r.dynamodb().approximate_creation_date_time().seconds(), 1767225601);
  EXPECT_EQ(r.dynamodb().approximate_creation_date_time().nanos(), 0);
  EXPECT_FALSE(r.has_user_identity());
}

TEST_F(StreamStoreTest, EventIdsAreUnique) {
  std::string arn = Create("KEYS_ONLY");
  for (int i = 0; i < 500; ++i) Insert(arn, absl::StrCat("k", i));
  absl::flat_hash_set<std::string> ids;
  for (const v1::Record& r : ReadAll(arn, FirstShard(arn))) ids.insert(r.event_id());
  EXPECT_EQ(ids.size(), 500u);
}

struct ViewCase {
  const char* view_type;
  bool insert_new, modify_new, modify_old, remove_old;
};

class ViewTypeTest : public StreamStoreTest, public ::testing::WithParamInterface<ViewCase> {};

TEST_P(ViewTypeTest, ImagesFollowViewType) {
  const ViewCase& c = GetParam();
  std::string arn = Create(c.view_type);
  Item first = Image("a", "1");
  Item second = Image("a", "2");
  Append(arn, "INSERT", "a", nullptr, &first);
  Append(arn, "MODIFY", "a", &first, &second);
  Append(arn, "REMOVE", "a", &second, nullptr);
  std::vector<v1::Record> r = ReadAll(arn, FirstShard(arn));
  ASSERT_THAT(r, SizeIs(3));
  for (const v1::Record& record : r) {
    EXPECT_EQ(record.dynamodb().keys().at("pk").s(), "a");
    EXPECT_EQ(record.dynamodb().stream_view_type(), c.view_type);
  }
  EXPECT_EQ(r[0].dynamodb().new_image_size() > 0, c.insert_new);
  EXPECT_THAT(r[0].dynamodb().old_image(), IsEmpty());
  EXPECT_EQ(r[1].dynamodb().new_image_size() > 0, c.modify_new);
  EXPECT_EQ(r[1].dynamodb().old_image_size() > 0, c.modify_old);
  EXPECT_THAT(r[2].dynamodb().new_image(), IsEmpty());
  EXPECT_EQ(r[2].dynamodb().old_image_size() > 0, c.remove_old);
  if (c.modify_new) {
    EXPECT_EQ(r[1].dynamodb().new_image().at("v").s(), "2");
  }
  if (c.modify_old) {
    EXPECT_EQ(r[1].dynamodb().old_image().at("v").s(), "1");
  }
}

INSTANTIATE_TEST_SUITE_P(AllViewTypes, ViewTypeTest,
                         ::testing::Values(ViewCase{"KEYS_ONLY", false, false, false, false},
                                           ViewCase{"NEW_IMAGE", true, true, false, false},
                                           ViewCase{"OLD_IMAGE", false, false, true, true},
                                           ViewCase{"NEW_AND_OLD_IMAGES", true, true, true, true}),
                         [](const auto& info) { return std::string(info.param.view_type); });

TEST_F(StreamStoreTest, SizeBytesCountsKeysAndImagesPresent) {
  std::string keys_only = Create("KEYS_ONLY", "KeysOnly");
  std::string both = Create("NEW_AND_OLD_IMAGES", "Both");
  Item first = Image("a", "first");
  Item second = Image("a", "second value");
  Append(keys_only, "MODIFY", "a", &first, &second);
  Append(both, "MODIFY", "a", &first, &second);
  const int64_t keys = ItemSizeBytes(Key("a"));
  EXPECT_EQ(ReadAll(keys_only, FirstShard(keys_only))[0].dynamodb().size_bytes(), keys);
  EXPECT_EQ(ReadAll(both, FirstShard(both))[0].dynamodb().size_bytes(),
            keys + ItemSizeBytes(first) + ItemSizeBytes(second));
}

TEST_F(StreamStoreTest, TtlRemoveCarriesServiceIdentity) {
  std::string arn = Create("OLD_IMAGE");
  Item old = Image("a", "1");
  Append(arn, "REMOVE", "a", &old, nullptr, /*by_ttl=*/true);
  std::vector<v1::Record> r = ReadAll(arn, FirstShard(arn));
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_EQ(r[0].user_identity().type(), "Service");
  EXPECT_EQ(r[0].user_identity().principal_id(), "dynamodb.amazonaws.com");
}

TEST_F(StreamStoreTest, AppendToDisabledStreamFails) {
  std::string arn = Create();
  ASSERT_THAT(store_->DisableStream(arn), IsOk());
  Item keys = Key("a");
  ItemChange change;
  change.event_name = "INSERT";
  change.partition_key = "a";
  change.keys = &keys;
  change.new_image = &keys;
  EXPECT_EQ(store_->Append(arn, change).status().code(), absl::StatusCode::kFailedPrecondition);
}

// --- Iterators ------------------------------------------------------------------

TEST_F(StreamStoreTest, TrimHorizonReadsFromOldestRecord) {
  std::string arn = Create();
  Insert(arn, "a");
  Insert(arn, "b");
  absl::StatusOr<v1::GetRecordsResponse> r = Read(Iterator(arn, FirstShard(arn), "TRIM_HORIZON"));
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->records(), SizeIs(2));
  EXPECT_EQ(r->records(0).dynamodb().keys().at("pk").s(), "a");
}

TEST_F(StreamStoreTest, LatestSeesOnlyLaterRecords) {
  std::string arn = Create();
  Insert(arn, "old");
  std::string it = Iterator(arn, FirstShard(arn), "LATEST");
  Insert(arn, "new");
  absl::StatusOr<v1::GetRecordsResponse> r = Read(it);
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->records(), SizeIs(1));
  EXPECT_EQ(r->records(0).dynamodb().keys().at("pk").s(), "new");
}

TEST_F(StreamStoreTest, AtSequenceNumberStartsAtThatRecord) {
  std::string arn = Create();
  Insert(arn, "a");
  std::string b = Insert(arn, "b");
  Insert(arn, "c");
  absl::StatusOr<v1::GetRecordsResponse> r =
      Read(Iterator(arn, FirstShard(arn), "AT_SEQUENCE_NUMBER", b));
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->records(), SizeIs(2));
  EXPECT_EQ(r->records(0).dynamodb().sequence_number(), b);
}

TEST_F(StreamStoreTest, AfterSequenceNumberStartsAfterThatRecord) {
  std::string arn = Create();
  Insert(arn, "a");
  std::string b = Insert(arn, "b");
  std::string c = Insert(arn, "c");
  absl::StatusOr<v1::GetRecordsResponse> r =
      Read(Iterator(arn, FirstShard(arn), "AFTER_SEQUENCE_NUMBER", b));
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->records(), SizeIs(1));
  EXPECT_EQ(r->records(0).dynamodb().sequence_number(), c);
}

TEST_F(StreamStoreTest, AtStartingSequenceNumberReadsWholeShard) {
  std::string arn = Create();
  Insert(arn, "a");
  Insert(arn, "b");
  v1::Shard shard = Shards(arn)[0];
  absl::StatusOr<v1::GetRecordsResponse> r =
      Read(Iterator(arn, shard.shard_id(), "AT_SEQUENCE_NUMBER",
                    shard.sequence_number_range().starting_sequence_number()));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->records(), SizeIs(2));
}

TEST_F(StreamStoreTest, SequenceNumberOutsideShardIsValidationError) {
  StreamStoreOptions o;
  o.open_shards_per_stream = 1;
  Build(o);
  std::string arn = Create();
  std::string first_shard = FirstShard(arn);
  std::string seq = Insert(arn, "a");
  ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  std::string later = Insert(arn, "b");  // lives in the child
  EXPECT_THAT(TryIterator(arn, first_shard, "AT_SEQUENCE_NUMBER", later),
              IsAwsError("ValidationException", HasSubstr("SequenceNumber")));
  EXPECT_THAT(TryIterator(arn, first_shard, "AT_SEQUENCE_NUMBER", "100"),
              IsAwsError("ValidationException"));  // too short
  EXPECT_THAT(TryIterator(arn, first_shard, "AT_SEQUENCE_NUMBER", "000000000000000000001"),
              IsAwsError("ValidationException"));  // below the shard
  EXPECT_THAT(TryIterator(arn, first_shard, "AT_SEQUENCE_NUMBER", seq), IsOk());
}

TEST_F(StreamStoreTest, SequenceNumberRequiredForAtAndAfter) {
  std::string arn = Create();
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "AT_SEQUENCE_NUMBER"),
              IsAwsError("ValidationException"));
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "AFTER_SEQUENCE_NUMBER"),
              IsAwsError("ValidationException"));
}

TEST_F(StreamStoreTest, SequenceNumberRejectedForTrimHorizonAndLatest) {
  std::string arn = Create();
  std::string seq = Insert(arn, "a");
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "TRIM_HORIZON", seq),
              IsAwsError("ValidationException"));
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "LATEST", seq), IsAwsError("ValidationException"));
}

TEST_F(StreamStoreTest, NonDigitSequenceNumberIsValidationError) {
  std::string arn = Create();
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "AT_SEQUENCE_NUMBER", "1234567890abcdefghij12"),
              IsAwsError("ValidationException", HasSubstr("SequenceNumber")));
}

TEST_F(StreamStoreTest, UnknownIteratorTypeIsValidationError) {
  std::string arn = Create();
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "OLDEST"),
              IsAwsError("ValidationException", HasSubstr("ShardIteratorType")));
}

TEST_F(StreamStoreTest, UnknownStreamIsResourceNotFound) {
  std::string arn = Create();
  std::string other = absl::StrReplaceAll(arn, {{"Music", "Other"}});
  EXPECT_THAT(TryIterator(other, FirstShard(arn), "LATEST"),
              IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(Describe(other), IsAwsError("ResourceNotFoundException"));
}

TEST_F(StreamStoreTest, MalformedStreamArnIsValidationError) {
  EXPECT_THAT(Describe("sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"),
              IsAwsError("ValidationException", HasSubstr("StreamArn")));
  EXPECT_THAT(Describe("arn:aws:dynamodb:us-east-1:1:table/x"),
              IsAwsError("ValidationException", HasSubstr("StreamArn")));
}

TEST_F(StreamStoreTest, UnknownShardIsResourceNotFound) {
  std::string arn = Create();
  EXPECT_THAT(TryIterator(arn, "shardId-00000000000000000000-00000000", "LATEST"),
              IsAwsError("ResourceNotFoundException"));
}

TEST_F(StreamStoreTest, IteratorIsValidForFifteenMinutes) {
  std::string arn = Create();
  std::string it = Iterator(arn, FirstShard(arn), "TRIM_HORIZON");
  clock_->Advance(absl::Minutes(15));
  EXPECT_THAT(Read(it), IsOk());
}

TEST_F(StreamStoreTest, IteratorExpiresAfterFifteenMinutes) {
  std::string arn = Create();
  std::string it = Iterator(arn, FirstShard(arn), "TRIM_HORIZON");
  clock_->Advance(absl::Minutes(15) + absl::Milliseconds(1));
  EXPECT_THAT(Read(it), IsAwsError("ExpiredIteratorException", HasSubstr("Iterator expired")));
}

TEST_F(StreamStoreTest, NextShardIteratorIsIssuedAtReadTime) {
  std::string arn = Create();
  std::string it = Iterator(arn, FirstShard(arn), "TRIM_HORIZON");
  clock_->Advance(absl::Minutes(14));
  absl::StatusOr<v1::GetRecordsResponse> r = Read(it);
  ASSERT_THAT(r, IsOk());
  clock_->Advance(absl::Minutes(14));
  EXPECT_THAT(Read(r->next_shard_iterator()), IsOk());
  EXPECT_THAT(Read(it), IsAwsError("ExpiredIteratorException"));
}

TEST_F(StreamStoreTest, GarbageIteratorIsValidationError) {
  Create();
  EXPECT_THAT(Read("sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg"),
              IsAwsError("ValidationException", HasSubstr("ShardIterator")));
}

TEST_F(StreamStoreTest, AlteredIteratorIsValidationError) {
  std::string arn = Create();
  std::string it = Iterator(arn, FirstShard(arn), "TRIM_HORIZON");
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(it, &raw));
  // Point it at another stream, keeping the MAC.
  std::string forged_raw = absl::StrReplaceAll(raw, {{"Music", "Other"}});
  ASSERT_NE(forged_raw, raw);
  std::string forged;
  absl::WebSafeBase64Escape(forged_raw, &forged);
  EXPECT_THAT(Read(forged), IsAwsError("ValidationException"));
  // A single flipped character anywhere.
  std::string flipped = it;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(Read(flipped), IsAwsError("ValidationException"));
}

TEST_F(StreamStoreTest, IteratorFromAnotherKeyOrPurposeIsValidationError) {
  std::string arn = Create();
  std::string shard = FirstShard(arn);
  TokenSealer other("another-key");
  // A token whose payload is well-formed, sealed with the wrong key...
  std::string payload =
      absl::StrCat("1|", arn, "|", shard, "|0|", absl::ToUnixNanos(clock_->Now()));
  EXPECT_THAT(Read(other.Seal("dynamodbstreams.iterator", payload)),
              IsAwsError("ValidationException"));
  // ...or with the right key for another purpose.
  EXPECT_THAT(Read(sealer_->Seal("personalize.ListDatasets", payload)),
              IsAwsError("ValidationException"));
  // The right key and purpose open it: the check is the seal, not luck.
  EXPECT_THAT(Read(sealer_->Seal("dynamodbstreams.iterator", payload)), IsOk());
}

// --- GetRecords ------------------------------------------------------------------

TEST_F(StreamStoreTest, GetRecordsReturnsAtMost1000RecordsByDefault) {
  std::string arn = Create("KEYS_ONLY");
  for (int i = 0; i < 1500; ++i) Insert(arn, absl::StrCat("k", i));
  absl::StatusOr<v1::GetRecordsResponse> first =
      Read(Iterator(arn, FirstShard(arn), "TRIM_HORIZON"));
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(first->records(), SizeIs(1000));
  absl::StatusOr<v1::GetRecordsResponse> second = Read(first->next_shard_iterator());
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(second->records(), SizeIs(500));
  EXPECT_TRUE(SequenceNumberLess(first->records(999).dynamodb().sequence_number(),
                                 second->records(0).dynamodb().sequence_number()));
}

TEST_F(StreamStoreTest, GetRecordsHonorsLimit) {
  std::string arn = Create("KEYS_ONLY");
  for (int i = 0; i < 10; ++i) Insert(arn, absl::StrCat("k", i));
  absl::StatusOr<v1::GetRecordsResponse> r =
      Read(Iterator(arn, FirstShard(arn), "TRIM_HORIZON"), 3);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->records(), SizeIs(3));
}

TEST_F(StreamStoreTest, GetRecordsLimitAbove1000IsValidationError) {
  std::string arn = Create();
  std::string it = Iterator(arn, FirstShard(arn), "LATEST");
  EXPECT_THAT(Read(it, 1000), IsOk());
  EXPECT_THAT(Read(it, 1001),
              IsAwsError("ValidationException",
                         HasSubstr("Member must have value less than or equal to 1000")));
  EXPECT_THAT(Read(it, 0), IsAwsError("ValidationException", HasSubstr("Limit")));
}

TEST_F(StreamStoreTest, GetRecordsStopsAtOneMegabyte) {
  std::string arn = Create("NEW_IMAGE");
  const std::string big(200 * 1024, 'x');
  for (int i = 0; i < 12; ++i) Insert(arn, absl::StrCat("k", i), big);
  absl::StatusOr<v1::GetRecordsResponse> r = Read(Iterator(arn, FirstShard(arn), "TRIM_HORIZON"));
  ASSERT_THAT(r, IsOk());
  int64_t bytes = 0;
  for (const v1::Record& record : r->records()) bytes += record.dynamodb().size_bytes();
  EXPECT_LE(bytes, StreamStore::kMaxGetRecordsBytes);
  EXPECT_GT(bytes + r->records(0).dynamodb().size_bytes(), StreamStore::kMaxGetRecordsBytes);
  EXPECT_THAT(r->records(), SizeIs(5));
  // The rest follows.
  absl::StatusOr<v1::GetRecordsResponse> rest = Read(r->next_shard_iterator());
  ASSERT_THAT(rest, IsOk());
  EXPECT_THAT(rest->records(), SizeIs(5));
}

TEST_F(StreamStoreTest, GetRecordsReturnsAnOversizedRecordAlone) {
  std::string arn = Create("NEW_AND_OLD_IMAGES");
  Item old_image = Image("a", std::string(600 * 1024, 'o'));
  Item new_image = Image("a", std::string(600 * 1024, 'n'));
  Append(arn, "MODIFY", "a", &old_image, &new_image);
  Insert(arn, "b");
  absl::StatusOr<v1::GetRecordsResponse> r = Read(Iterator(arn, FirstShard(arn), "TRIM_HORIZON"));
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->records(), SizeIs(1));
  EXPECT_GT(r->records(0).dynamodb().size_bytes(), StreamStore::kMaxGetRecordsBytes);
}

TEST_F(StreamStoreTest, EmptyPageOnOpenShardHasFreshIterator) {
  std::string arn = Create();
  absl::StatusOr<v1::GetRecordsResponse> r = Read(Iterator(arn, FirstShard(arn), "LATEST"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->records(), IsEmpty());
  EXPECT_THAT(r->next_shard_iterator(), Not(IsEmpty()));
  Insert(arn, "a");
  absl::StatusOr<v1::GetRecordsResponse> next = Read(r->next_shard_iterator());
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(next->records(), SizeIs(1));
}

TEST_F(StreamStoreTest, ClosedShardReadToTheEndHasNoNextIterator) {
  std::string arn = Create();
  std::string shard = FirstShard(arn);
  Insert(arn, "a");
  Insert(arn, "b");
  ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  absl::StatusOr<v1::GetRecordsResponse> page = Read(Iterator(arn, shard, "TRIM_HORIZON"), 1);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->next_shard_iterator(), Not(IsEmpty()));  // one record still to come
  page = Read(page->next_shard_iterator(), 1);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->records(), SizeIs(1));
  EXPECT_THAT(page->next_shard_iterator(), IsEmpty());
  // LATEST on a closed shard: nothing, and the end.
  page = Read(Iterator(arn, shard, "LATEST"));
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->records(), IsEmpty());
  EXPECT_THAT(page->next_shard_iterator(), IsEmpty());
}

TEST_F(StreamStoreTest, ReadFromTheMiddleOfALargeShardFindsTheRecord) {
  std::string arn = Create("KEYS_ONLY");
  std::vector<std::string> seqs;
  for (int i = 0; i < 20000; ++i) seqs.push_back(Insert(arn, absl::StrCat("k", i)));
  absl::StatusOr<v1::GetRecordsResponse> r =
      Read(Iterator(arn, FirstShard(arn), "AT_SEQUENCE_NUMBER", seqs[12345]), 2);
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->records(), SizeIs(2));
  EXPECT_EQ(r->records(0).dynamodb().keys().at("pk").s(), "k12345");
  EXPECT_EQ(r->records(1).dynamodb().keys().at("pk").s(), "k12346");
  // A number in the gap between two records starts at the next one.
  std::string in_gap = FormatSequenceNumber(*ParseSequenceNumber(seqs[500]) + 1);
  r = Read(Iterator(arn, FirstShard(arn), "AT_SEQUENCE_NUMBER", in_gap), 1);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->records(0).dynamodb().keys().at("pk").s(), "k501");
}

TEST_F(StreamStoreTest, GetRecordsRateLimitGivesLimitExceeded) {
  StreamStoreOptions o;
  o.get_records_per_second_per_shard = 2;
  Build(o);
  std::string arn = Create();
  std::string it = Iterator(arn, FirstShard(arn), "LATEST");
  EXPECT_THAT(Read(it), IsOk());
  EXPECT_THAT(Read(it), IsOk());
  EXPECT_THAT(Read(it), IsAwsError("LimitExceededException"));
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(Read(it), IsOk());
}

// --- Trimming --------------------------------------------------------------------

TEST_F(StreamStoreTest, RecordsAreTrimmedAfter24Hours) {
  std::string arn = Create();
  Insert(arn, "old");
  clock_->Advance(absl::Hours(1));
  Insert(arn, "young");
  clock_->Advance(absl::Hours(23));
  std::vector<v1::Record> left = ReadAll(arn, Shards(arn).front().shard_id());
  ASSERT_THAT(left, SizeIs(1));
  EXPECT_EQ(left[0].dynamodb().keys().at("pk").s(), "young");
}

TEST_F(StreamStoreTest, RecordsYoungerThan24HoursAreKept) {
  std::string arn = Create();
  Insert(arn, "a");
  clock_->Advance(absl::Hours(24) - absl::Milliseconds(1));
  EXPECT_THAT(ReadAll(arn, FirstShard(arn)), SizeIs(1));
}

TEST_F(StreamStoreTest, TrimmedRecordsAreFreed) {
  StreamStoreOptions o;
  o.shard_rollover_interval = absl::ZeroDuration();
  Build(o);
  std::string arn = Create("NEW_IMAGE");
  for (int i = 0; i < 1000; ++i) Insert(arn, absl::StrCat("k", i), std::string(1000, 'v'));
  StreamStoreStats before = store_->Stats();
  EXPECT_EQ(before.records, 1000);
  EXPECT_GT(before.record_bytes, 1000 * 1000);
  clock_->Advance(absl::Hours(24));
  store_->Maintain();
  StreamStoreStats after = store_->Stats();
  EXPECT_EQ(after.records, 0);
  EXPECT_EQ(after.record_bytes, 0);
  EXPECT_EQ(after.shards, 1);  // the open shard stays
}

TEST_F(StreamStoreTest, IteratorWhoseNextRecordWasTrimmedGivesTrimmedDataAccess) {
  std::string arn = Create();
  Insert(arn, "a");
  clock_->Advance(absl::Hours(23) + absl::Minutes(50));
  std::string it = Iterator(arn, FirstShard(arn), "TRIM_HORIZON");
  clock_->Advance(absl::Minutes(11));  // the record is 24h01m old; the iterator 11 minutes
  EXPECT_THAT(Read(it), IsAwsError("TrimmedDataAccessException"));
}

TEST_F(StreamStoreTest, SequenceNumberBehindTrimHorizonGivesTrimmedDataAccess) {
  std::string arn = Create();
  std::string a = Insert(arn, "a");
  clock_->Advance(absl::Hours(2));
  std::string b = Insert(arn, "b");
  clock_->Advance(absl::Hours(23));
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "AT_SEQUENCE_NUMBER", a),
              IsAwsError("TrimmedDataAccessException"));
  // Just after the trimmed record is the oldest kept one: fine.
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "AFTER_SEQUENCE_NUMBER", a), IsOk());
  EXPECT_THAT(TryIterator(arn, FirstShard(arn), "AT_SEQUENCE_NUMBER", b), IsOk());
}

// --- Shards: rollover and lineage ---------------------------------------------------

TEST_F(StreamStoreTest, ShardRollsOverAfterFourHours) {
  std::string arn = Create();
  std::string seq = Insert(arn, "a");
  clock_->Advance(absl::Hours(4) - absl::Milliseconds(1));
  EXPECT_THAT(Shards(arn), SizeIs(1));
  clock_->Advance(absl::Milliseconds(1));
  std::vector<v1::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(2));
  EXPECT_EQ(shards[0].sequence_number_range().ending_sequence_number(), seq);
  EXPECT_EQ(shards[1].parent_shard_id(), shards[0].shard_id());
  EXPECT_THAT(shards[1].sequence_number_range().ending_sequence_number(), IsEmpty());
  EXPECT_TRUE(
      SequenceNumberLess(seq, shards[1].sequence_number_range().starting_sequence_number()));
}

TEST_F(StreamStoreTest, RolloverIntervalIsConfigurable) {
  StreamStoreOptions o;
  o.shard_rollover_interval = absl::Minutes(10);
  Build(o);
  std::string arn = Create();
  clock_->Advance(absl::Minutes(10));
  EXPECT_THAT(Shards(arn), SizeIs(2));
}

TEST_F(StreamStoreTest, ShardRollsOverAfterConfiguredRecordCount) {
  StreamStoreOptions o;
  o.shard_rollover_records = 3;
  Build(o);
  std::string arn = Create();
  for (int i = 0; i < 7; ++i) Insert(arn, absl::StrCat("k", i));
  std::vector<v1::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(3));
  EXPECT_THAT(ReadAll(arn, shards[0].shard_id()), SizeIs(3));
  EXPECT_THAT(ReadAll(arn, shards[1].shard_id()), SizeIs(3));
  EXPECT_THAT(ReadAll(arn, shards[2].shard_id()), SizeIs(1));
  EXPECT_EQ(shards[1].parent_shard_id(), shards[0].shard_id());
  EXPECT_EQ(shards[2].parent_shard_id(), shards[1].shard_id());
}

TEST_F(StreamStoreTest, ForcedRolloverReportsClosedAndNewShards) {
  StreamStoreOptions o;
  o.open_shards_per_stream = 2;
  Build(o);
  std::string arn = Create();
  std::vector<v1::Shard> before = Shards(arn);
  absl::StatusOr<ShardRollover> rollover = store_->ForceShardRollover(arn);
  ASSERT_THAT(rollover, IsOk());
  EXPECT_THAT(rollover->closed_shard_ids, ElementsAre(before[0].shard_id(), before[1].shard_id()));
  ASSERT_THAT(rollover->new_shard_ids, SizeIs(2));
  std::vector<v1::Shard> after = Shards(arn);
  ASSERT_THAT(after, SizeIs(4));
  EXPECT_THAT(after[0].sequence_number_range().ending_sequence_number(), Not(IsEmpty()));
  EXPECT_EQ(after[2].shard_id(), rollover->new_shard_ids[0]);
  EXPECT_EQ(after[2].parent_shard_id(), before[0].shard_id());
  EXPECT_EQ(after[3].parent_shard_id(), before[1].shard_id());
}

TEST_F(StreamStoreTest, ForcedRolloverOfUnknownOrDisabledStreamFails) {
  std::string arn = Create();
  EXPECT_THAT(store_->ForceShardRollover(absl::StrReplaceAll(arn, {{"Music", "Nope"}})),
              IsAwsError("ResourceNotFoundException"));
  ASSERT_THAT(store_->DisableStream(arn), IsOk());
  EXPECT_EQ(store_->ForceShardRollover(arn).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StreamStoreTest, KeysStayInOneShardLineageAcrossOpenShards) {
  StreamStoreOptions o;
  o.shard_rollover_records = 0;
  o.open_shards_per_stream = 4;
  Build(o);
  std::string arn = Create("KEYS_ONLY");
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 40; ++k) Insert(arn, absl::StrCat("key", k));
    ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  }
  // Map each shard to its slot lineage through ParentShardId.
  std::vector<v1::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(16));
  absl::flat_hash_map<std::string, std::string> root;  // shard -> first ancestor
  for (const v1::Shard& s : shards) {
    std::string first = s.parent_shard_id().empty() ? s.shard_id() : root.at(s.parent_shard_id());
    root[s.shard_id()] = first;
  }
  absl::flat_hash_map<std::string, std::set<std::string>> lineages_of_key;
  std::set<std::string> used;
  for (const v1::Shard& s : shards) {
    for (const v1::Record& r : ReadAll(arn, s.shard_id())) {
      lineages_of_key[r.dynamodb().keys().at("pk").s()].insert(root[s.shard_id()]);
      used.insert(root[s.shard_id()]);
    }
  }
  ASSERT_EQ(lineages_of_key.size(), 40u);
  for (const auto& [key, lineages] : lineages_of_key) EXPECT_THAT(lineages, SizeIs(1)) << key;
  EXPECT_GT(used.size(), 1u);  // the keys spread over the open shards
}

TEST_F(StreamStoreTest, DescribeStreamListsParentsBeforeChildren) {
  StreamStoreOptions o;
  o.open_shards_per_stream = 3;
  Build(o);
  std::string arn = Create();
  for (int i = 0; i < 3; ++i) ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  std::vector<v1::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(12));
  std::set<std::string> seen;
  for (size_t i = 0; i < shards.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(shards[i - 1].shard_id(), shards[i].shard_id());
    }
    if (!shards[i].parent_shard_id().empty()) {
      EXPECT_EQ(seen.count(shards[i].parent_shard_id()), 1u);
    }
    seen.insert(shards[i].shard_id());
  }
}

TEST_F(StreamStoreTest, ClosedTrimmedShardDisappearsAfter24Hours) {
  StreamStoreOptions o;
  o.shard_rollover_interval = absl::ZeroDuration();  // only the forced rollover
  Build(o);
  std::string arn = Create();
  std::string first = FirstShard(arn);
  Insert(arn, "a");
  ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  clock_->Advance(absl::Hours(24) - absl::Milliseconds(1));
  EXPECT_THAT(Shards(arn), SizeIs(2));
  clock_->Advance(absl::Milliseconds(1));
  std::vector<v1::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(1));
  EXPECT_EQ(shards[0].parent_shard_id(), first);  // lineage still names it
  EXPECT_THAT(TryIterator(arn, first, "TRIM_HORIZON"), IsAwsError("ResourceNotFoundException"));
}

TEST_F(StreamStoreTest, DisabledStreamClosesShardsAndStaysReadableFor24Hours) {
  std::string arn = Create();
  Insert(arn, "a");
  ASSERT_THAT(store_->DisableStream(arn), IsOk());
  absl::StatusOr<v1::DescribeStreamResponse> d = Describe(arn);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->stream_description().stream_status(), "DISABLED");
  ASSERT_THAT(d->stream_description().shards(), SizeIs(1));
  EXPECT_THAT(d->stream_description().shards(0).sequence_number_range().ending_sequence_number(),
              Not(IsEmpty()));
  clock_->Advance(absl::Hours(23));
  EXPECT_THAT(ReadAll(arn, d->stream_description().shards(0).shard_id()), SizeIs(1));
  clock_->Advance(absl::Hours(1));
  EXPECT_THAT(Describe(arn), IsAwsError("ResourceNotFoundException"));
  absl::StatusOr<v1::ListStreamsResponse> list = store_->ListStreams({});
  ASSERT_THAT(list, IsOk());
  EXPECT_THAT(list->streams(), IsEmpty());
  EXPECT_EQ(store_->Stats().shards, 0);
}

// --- DescribeStream and ListStreams ------------------------------------------------

TEST_F(StreamStoreTest, DescribeStreamDescribesTheStream) {
  std::string arn = Create("OLD_IMAGE");
  absl::StatusOr<v1::DescribeStreamResponse> d = Describe(arn);
  ASSERT_THAT(d, IsOk());
  const v1::StreamDescription& s = d->stream_description();
  EXPECT_EQ(s.stream_arn(), arn);
  EXPECT_EQ(s.stream_label(), "2026-01-01T00:00:00.000");
  EXPECT_EQ(s.stream_status(), "ENABLED");
  EXPECT_EQ(s.stream_view_type(), "OLD_IMAGE");
  EXPECT_EQ(s.table_name(), kTable);
  EXPECT_EQ(s.creation_request_date_time().seconds(), 1767225600);
  ASSERT_THAT(s.key_schema(), SizeIs(1));
  EXPECT_EQ(s.key_schema(0).attribute_name(), "pk");
  EXPECT_EQ(s.key_schema(0).key_type(), "HASH");
  EXPECT_THAT(s.last_evaluated_shard_id(), IsEmpty());
}

TEST_F(StreamStoreTest, DescribeStreamPagesShards) {
  std::string arn = Create();
  for (int i = 0; i < 4; ++i) ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  std::vector<std::string> ids;
  std::string start;
  int pages = 0;
  do {
    absl::StatusOr<v1::DescribeStreamResponse> d = Describe(arn, 2, start);
    ASSERT_THAT(d, IsOk());
    EXPECT_LE(d->stream_description().shards_size(), 2);
    for (const v1::Shard& s : d->stream_description().shards()) ids.push_back(s.shard_id());
    start = d->stream_description().last_evaluated_shard_id();
    if (!start.empty()) {
      EXPECT_EQ(start, ids.back());
    }
    ++pages;
  } while (!start.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_THAT(ids, SizeIs(5));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5u);
  // After the last shard: nothing more.
  absl::StatusOr<v1::DescribeStreamResponse> after = Describe(arn, {}, ids.back());
  ASSERT_THAT(after, IsOk());
  EXPECT_THAT(after->stream_description().shards(), IsEmpty());
}

TEST_F(StreamStoreTest, DescribeStreamLimitIsOneToHundred) {
  std::string arn = Create();
  EXPECT_THAT(Describe(arn, 100), IsOk());
  EXPECT_THAT(Describe(arn, 101), IsAwsError("ValidationException", HasSubstr("Limit")));
  EXPECT_THAT(Describe(arn, 0), IsAwsError("ValidationException", HasSubstr("Limit")));
}

TEST_F(StreamStoreTest, DescribeStreamShardFilterReturnsOnlyChildren) {
  StreamStoreOptions o;
  o.open_shards_per_stream = 2;
  Build(o);
  std::string arn = Create();
  std::vector<v1::Shard> roots = Shards(arn);
  ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  ASSERT_THAT(store_->ForceShardRollover(arn), IsOk());
  v1::DescribeStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_shard_filter()->set_type("CHILD_SHARDS");
  request.mutable_shard_filter()->set_shard_id(roots[1].shard_id());
  absl::StatusOr<v1::DescribeStreamResponse> d = store_->DescribeStream(request);
  ASSERT_THAT(d, IsOk());
  ASSERT_THAT(d->stream_description().shards(), SizeIs(1));
  EXPECT_EQ(d->stream_description().shards(0).parent_shard_id(), roots[1].shard_id());
}

TEST_F(StreamStoreTest, DescribeStreamShardFilterNeedsChildShardsType) {
  std::string arn = Create();
  v1::DescribeStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_shard_filter()->set_type("PARENT_SHARDS");
  request.mutable_shard_filter()->set_shard_id(FirstShard(arn));
  EXPECT_THAT(store_->DescribeStream(request),
              IsAwsError("ValidationException", HasSubstr("ShardFilter.Type")));
}

TEST_F(StreamStoreTest, ListStreamsPagesHonestly) {
  for (const char* table : {"Aaa", "Bbb", "Ccc"}) {
    Create("KEYS_ONLY", table);
    Create("KEYS_ONLY", table);
  }
  std::vector<std::string> arns;
  v1::ListStreamsRequest request;
  request.set_limit(4);
  int pages = 0;
  while (true) {
    absl::StatusOr<v1::ListStreamsResponse> r = store_->ListStreams(request);
    ASSERT_THAT(r, IsOk());
    ++pages;
    for (const v1::Stream& s : r->streams()) arns.push_back(s.stream_arn());
    if (r->last_evaluated_stream_arn().empty()) break;
    EXPECT_EQ(r->last_evaluated_stream_arn(), arns.back());
    // A stream created between pages sorts after the ones already listed
    // or is listed later; the others are neither skipped nor repeated.
    if (pages == 1) Create("KEYS_ONLY", "Zzz");
    request.set_exclusive_start_stream_arn(r->last_evaluated_stream_arn());
  }
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(arns, SizeIs(7));
  EXPECT_EQ(std::set<std::string>(arns.begin(), arns.end()).size(), 7u);
}

TEST_F(StreamStoreTest, ListStreamsFiltersByTableName) {
  std::string a1 = Create("KEYS_ONLY", "Aaa");
  Create("KEYS_ONLY", "Bbb");
  std::string a2 = Create("KEYS_ONLY", "Aaa");
  v1::ListStreamsRequest request;
  request.set_table_name("Aaa");
  request.set_limit(1);
  absl::StatusOr<v1::ListStreamsResponse> r = store_->ListStreams(request);
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->streams(), SizeIs(1));
  EXPECT_EQ(r->streams(0).stream_arn(), a1);
  EXPECT_EQ(r->streams(0).table_name(), "Aaa");
  EXPECT_EQ(r->streams(0).stream_label(), "2026-01-01T00:00:00.000");
  request.set_exclusive_start_stream_arn(r->last_evaluated_stream_arn());
  r = store_->ListStreams(request);
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->streams(), SizeIs(1));
  EXPECT_EQ(r->streams(0).stream_arn(), a2);
  EXPECT_THAT(r->last_evaluated_stream_arn(), IsEmpty());
}

TEST_F(StreamStoreTest, ListStreamsValidatesItsMembers) {
  v1::ListStreamsRequest request;
  request.set_limit(101);
  EXPECT_THAT(store_->ListStreams(request), IsAwsError("ValidationException", HasSubstr("Limit")));
  request.set_limit(100);
  request.set_exclusive_start_stream_arn("kossaapaaasdafsdaasdasdasdasasdasfadfadfasdasdas");
  EXPECT_THAT(store_->ListStreams(request),
              IsAwsError("ValidationException", HasSubstr("ExclusiveStartStreamArn")));
  request.clear_exclusive_start_stream_arn();
  request.set_table_name("a b");
  EXPECT_THAT(store_->ListStreams(request),
              IsAwsError("ValidationException", HasSubstr("TableName")));
}

TEST_F(StreamStoreTest, ResetForgetsStreamsButNeverReusesNames) {
  std::string arn = Create();
  std::string shard = FirstShard(arn);
  store_->Reset();
  EXPECT_THAT(Describe(arn), IsAwsError("ResourceNotFoundException"));
  std::string again = Create();
  EXPECT_NE(again, arn);
  EXPECT_NE(FirstShard(again), shard);
}

}  // namespace
}  // namespace awsfacade::backends::simulator
