#include "service/subscriptions/event_wire.h"

#include <algorithm>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {
namespace v1 = ::aws::dynamodbstreams::v1;
using google::protobuf::util::MessageDifferencer;

constexpr char kShard[] = "shardId-00000001700000000000-0000abcd";

// A record as the simulator makes one; each map has one entry, so its
// serialization is deterministic and bytes can be compared too.
v1::Record MakeRecord(int i, const std::string& event_name) {
  v1::Record r;
  r.set_event_id("event-" + std::to_string(i));
  r.set_event_name(event_name);
  r.set_event_version("1.1");
  r.set_event_source("aws:dynamodb");
  r.set_aws_region("us-east-1");
  auto* d = r.mutable_dynamodb();
  d->set_sequence_number(std::string(18, '0') + std::to_string(100 + i));  // 21 digits
  d->mutable_approximate_creation_date_time()->set_seconds(1700000000 + i);
  d->set_size_bytes(40 + i);
  d->set_stream_view_type("NEW_AND_OLD_IMAGES");
  (*d->mutable_keys())["pk"].set_s("k" + std::to_string(i));
  (*d->mutable_new_image())["v"].set_n(std::to_string(i * 7));
  if (i % 3 == 0) r.mutable_user_identity()->set_principal_id("dynamodb.amazonaws.com");
  return r;
}

std::vector<v1::Record> MakePage() {
  const char* names[] = {"INSERT", "MODIFY", "REMOVE", "INSERT", "MODIFY", "INSERT", "REMOVE"};
  std::vector<v1::Record> records;
  for (int i = 0; i < 7; ++i) records.push_back(MakeRecord(i, names[i]));
  return records;
}

std::shared_ptr<const EncodedPage> Encode(const std::vector<v1::Record>& records) {
  google::protobuf::RepeatedPtrField<v1::Record> page(records.begin(), records.end());
  return EncodePage(kShard, &page);
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// One subscriber: from `first` on, only `wanted` event names (empty: all),
// at most `limit` records; the batch through the wire path and the event
// the typed path (before serialize-once) built for the same records.
struct Subscriber {
  size_t first;
  std::vector<std::string> wanted;
  std::string token;
  int64_t millis;
};

bool Wants(const Subscriber& s, const std::string& name) {
  if (s.wanted.empty()) return true;
  return std::find(s.wanted.begin(), s.wanted.end(), name) != s.wanted.end();
}

TEST(EventWireTest, BatchesAreTheTypedEventsByteForByteAtEveryPosition) {
  const std::vector<v1::Record> records = MakePage();
  std::shared_ptr<const EncodedPage> page = Encode(records);
  ASSERT_EQ(page->records.size(), records.size());
  const std::vector<Subscriber> subscribers = {
      {0, {}, "token-at-start", 0},
      {2, {}, "token-in-the-middle", 1234},
      {1, {"INSERT"}, "filtered", 7},
      {5, {"REMOVE", "MODIFY"}, "", 0},
      {6, {}, std::string(300, 't'), int64_t{1} << 40},
  };
  for (const Subscriber& s : subscribers) {
    SCOPED_TRACE(s.token);
    WireBatch batch;
    v1::SubscribeToShardResponse typed;
    for (size_t i = s.first; i < records.size(); ++i) {
      if (!Wants(s, records[i].event_name())) continue;
      batch.Add(page->records[i]);
      auto* out = typed.mutable_records()->add_records();
      out->set_shard_id(kShard);
      *out->mutable_record() = records[i];
    }
    typed.mutable_records()->set_continuation_token(s.token);
    typed.mutable_records()->set_millis_behind_latest(s.millis);
    EXPECT_EQ(batch.records(), typed.records().records_size());

    const std::string wire = Bytes(batch.Seal(s.token, s.millis));
    EXPECT_EQ(wire, typed.SerializeAsString());
    v1::SubscribeToShardResponse as_shard;
    ASSERT_TRUE(as_shard.ParseFromString(wire));
    EXPECT_TRUE(MessageDifferencer::Equals(as_shard, typed)) << as_shard.DebugString();
    v1::SubscribeToStreamResponse as_stream;
    ASSERT_TRUE(as_stream.ParseFromString(wire));
    EXPECT_EQ(as_stream.records().records_size(), typed.records().records_size());
  }
}

TEST(EventWireTest, BatchesSpanningPagesConcatenate) {
  std::vector<v1::Record> records = MakePage();
  std::vector<v1::Record> first(records.begin(), records.begin() + 3);
  std::vector<v1::Record> second(records.begin() + 3, records.end());
  auto a = Encode(first);
  auto b = Encode(second);
  WireBatch batch;
  v1::SubscribeToStreamResponse typed;
  for (const auto* page : {a.get(), b.get()}) {
    for (const auto& r : page->records) batch.Add(r);
  }
  for (const auto& r : records) {
    auto* out = typed.mutable_records()->add_records();
    out->set_shard_id(kShard);
    *out->mutable_record() = r;
  }
  typed.mutable_records()->set_continuation_token("t");
  EXPECT_EQ(Bytes(batch.Seal("t", 0)), typed.SerializeAsString());
}

TEST(EventWireTest, SubscribersAtOnePositionShareTheRecordBytes) {
  std::shared_ptr<const EncodedPage> page = Encode(MakePage());
  const uint8_t* const page_begin = page->bytes.begin();
  const uint8_t* const page_end = page->bytes.end();
  // Two subscribers at the same place, with their own tokens.
  std::vector<std::vector<grpc::Slice>> dumped(2);
  for (int i = 0; i < 2; ++i) {
    WireBatch batch;
    for (const auto& r : page->records) batch.Add(r);
    grpc::ByteBuffer event = batch.Seal(i == 0 ? "first" : "second", 0);
    ASSERT_TRUE(event.Dump(&dumped[i]).ok());
  }
  // Header, the records (one range of the page), trailer.
  for (const auto& slices : dumped) {
    ASSERT_EQ(slices.size(), 3u);
    EXPECT_EQ(slices[1].begin(), page_begin);
    EXPECT_EQ(slices[1].end(), page_end);
  }
}

TEST(EventWireTest, MetadataComesFromTheRecord) {
  std::shared_ptr<const EncodedPage> page = Encode(MakePage());
  const std::vector<v1::Record> records = MakePage();
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordMeta& meta = page->records[i].meta;
    EXPECT_EQ(meta.sequence_number, records[i].dynamodb().sequence_number());
    EXPECT_EQ(meta.event_name, records[i].event_name());
    EXPECT_EQ(meta.size_bytes, records[i].dynamodb().size_bytes());
    EXPECT_EQ(meta.created, absl::FromUnixSeconds(1700000000 + static_cast<int64_t>(i)));
  }
  auto shared = RecordsOf(page);
  ASSERT_EQ(shared.size(), records.size());
  page.reset();  // the records keep their page alive
  EXPECT_EQ(shared.back()->meta.sequence_number, records.back().dynamodb().sequence_number());
}

TEST(EventWireTest, OtherEventsSerializeAsTheirMessage) {
  v1::SubscribeToStreamResponse end;
  end.mutable_shard_end()->set_shard_id(kShard);
  end.mutable_shard_end()->add_child_shard_ids("child");
  end.mutable_shard_end()->set_continuation_token("tok");
  EXPECT_EQ(Bytes(SerializeEvent(end)), end.SerializeAsString());
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
