#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_EVENT_WIRE_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_EVENT_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

// Subscription events in their wire form, so that a batch going to many
// subscribers is serialized once. SubscribeToShardResponse and
// SubscribeToStreamResponse share their wire format (records = 1,
// heartbeat = 2, shard_end = 3), and a RecordBatch's `repeated
// SubscribedRecord records = 1` is a concatenation of independently encoded
// entries. So each record read is encoded once, as its SubscribedRecord
// entry (tag and length included), into one buffer per page read; a
// subscriber's batch is a list of (shared) ranges of those buffers, framed
// by two small slices of its own: the event header and the batch's
// continuation_token and millis_behind_latest. Event filters and skips
// work per record, so every subscriber still gets exactly its records.
namespace awsfacade::service::subscriptions {

// What the engine looks at in a record (positions, filters, lag), kept
// apart from its bytes.
struct RecordMeta {
  std::string sequence_number;
  std::string event_name;
  absl::Time created = absl::InfinitePast();  // ApproximateCreationDateTime
  int64_t size_bytes = 0;                     // SizeBytes (0 when absent)
};

struct EncodedPage;

// One record: its metadata and where its SubscribedRecord entry lies in
// its page's buffer. Held through a shared_ptr that keeps the page alive.
struct EncodedRecord {
  RecordMeta meta;
  const EncodedPage* page = nullptr;
  size_t begin = 0;
  size_t end = 0;
};

// The records of one page read from a shard, encoded once.
struct EncodedPage {
  grpc::Slice bytes;  // every record's SubscribedRecord entry, in order
  std::vector<EncodedRecord> records;
};

// Encodes `records` (read from `shard_id`, in order) as SubscribedRecord
// entries; the records' strings are moved into the metadata.
std::shared_ptr<const EncodedPage> EncodePage(
    absl::string_view shard_id,
    google::protobuf::RepeatedPtrField<aws::dynamodbstreams::v1::Record>* records);

// Each record of `page`, sharing the page's ownership.
std::vector<std::shared_ptr<const EncodedRecord>> RecordsOf(
    const std::shared_ptr<const EncodedPage>& page);

// A RecordBatch event being assembled from encoded records: only slice
// references, no copy of a record's bytes. Adjacent records of one page
// make one range.
class WireBatch {
 public:
  void Add(const EncodedRecord& record);
  int records() const { return records_; }
  bool empty() const { return records_ == 0; }
  void Clear();

  // The serialized SubscribeToShardResponse / SubscribeToStreamResponse
  // {records {<the records> continuation_token millis_behind_latest}}:
  // byte for byte what the typed message serializes to.
  grpc::ByteBuffer Seal(absl::string_view continuation_token, int64_t millis_behind_latest) const;

 private:
  struct Range {
    grpc::Slice page;
    size_t begin;
    size_t end;
  };
  std::vector<Range> ranges_;
  int records_ = 0;
  size_t bytes_ = 0;
};

// Any other event (heartbeat, shard end), serialized for one subscriber.
grpc::ByteBuffer SerializeEvent(const google::protobuf::MessageLite& event);

// The instant a google.protobuf.Timestamp names.
absl::Time TimestampToTime(const google::protobuf::Timestamp& t);

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_EVENT_WIRE_H_
