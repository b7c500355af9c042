#include "service/subscriptions/event_wire.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpc/slice.h"

namespace awsfacade::service::subscriptions {
namespace v1 = ::aws::dynamodbstreams::v1;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

namespace {

// Field 1 (records in the event, in RecordBatch and shard_id in
// SubscribedRecord), 2 (SubscribedRecord.record, RecordBatch.
// continuation_token), 3 (RecordBatch.millis_behind_latest).
constexpr uint32_t kField1 = WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kField2 = WireFormatLite::MakeTag(2, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kMillisTag = WireFormatLite::MakeTag(3, WireFormatLite::WIRETYPE_VARINT);

// The size of a length-delimited field (tags here are one byte) holding
// `length` bytes.
size_t DelimitedSize(size_t length) { return 1 + CodedOutputStream::VarintSize64(length) + length; }

uint8_t* WriteDelimitedHeader(uint32_t tag, size_t length, uint8_t* out) {
  out = CodedOutputStream::WriteTagToArray(tag, out);
  return CodedOutputStream::WriteVarint64ToArray(length, out);
}

grpc::Slice Allocated(size_t size) {
  return grpc::Slice(grpc_slice_malloc(size), grpc::Slice::STEAL_REF);
}

uint8_t* Start(grpc::Slice& slice) {
  // A fresh, unshared slice is ours to fill.
  return const_cast<uint8_t*>(slice.begin());
}

}  // namespace

absl::Time TimestampToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

std::shared_ptr<const EncodedPage> EncodePage(
    absl::string_view shard_id, google::protobuf::RepeatedPtrField<v1::Record>* records) {
  const size_t shard_field = shard_id.empty() ? 0 : DelimitedSize(shard_id.size());
  std::vector<size_t> record_sizes;
  record_sizes.reserve(records->size());
  size_t total = 0;
  for (const v1::Record& record : *records) {
    record_sizes.push_back(record.ByteSizeLong());  // caches sizes for the write below
    total += DelimitedSize(shard_field + DelimitedSize(record_sizes.back()));
  }
  auto page = std::make_shared<EncodedPage>();
  page->bytes = Allocated(total);
  page->records.reserve(records->size());
  uint8_t* const start = Start(page->bytes);
  uint8_t* out = start;
  for (int i = 0; i < records->size(); ++i) {
    v1::Record& record = (*records)[i];
    EncodedRecord encoded;
    encoded.begin = static_cast<size_t>(out - start);
    out = WriteDelimitedHeader(kField1, shard_field + DelimitedSize(record_sizes[i]), out);
    if (!shard_id.empty()) {
      out = WriteDelimitedHeader(kField1, shard_id.size(), out);
      out = CodedOutputStream::WriteRawToArray(shard_id.data(), static_cast<int>(shard_id.size()),
                                               out);
    }
    out = WriteDelimitedHeader(kField2, record_sizes[i], out);
    out = record.SerializeWithCachedSizesToArray(out);
    encoded.end = static_cast<size_t>(out - start);
    encoded.page = page.get();
    v1::StreamRecord* dynamodb = record.mutable_dynamodb();
    encoded.meta.sequence_number = std::move(*dynamodb->mutable_sequence_number());
    encoded.meta.event_name = std::move(*record.mutable_event_name());
    encoded.meta.created = TimestampToTime(dynamodb->approximate_creation_date_time());
    encoded.meta.size_bytes = dynamodb->has_size_bytes() ? dynamodb->size_bytes() : 0;
    page->records.push_back(std::move(encoded));
  }
  return page;
}

std::vector<std::shared_ptr<const EncodedRecord>> RecordsOf(
    const std::shared_ptr<const EncodedPage>& page) {
  std::vector<std::shared_ptr<const EncodedRecord>> out;
  out.reserve(page->records.size());
  for (const EncodedRecord& record : page->records) out.emplace_back(page, &record);
  return out;
}

void WireBatch::Add(const EncodedRecord& record) {
  ++records_;
  bytes_ += record.end - record.begin;
  if (!ranges_.empty()) {
    Range& last = ranges_.back();
    if (last.page.begin() == record.page->bytes.begin() && last.end == record.begin) {
      last.end = record.end;
      return;
    }
  }
  ranges_.push_back(Range{record.page->bytes, record.begin, record.end});
}

void WireBatch::Clear() {
  ranges_.clear();
  records_ = 0;
  bytes_ = 0;
}

grpc::ByteBuffer WireBatch::Seal(absl::string_view continuation_token,
                                 int64_t millis_behind_latest) const {
  // Fields in number order, as protobuf writes them; proto3 leaves out an
  // empty string and a zero.
  const size_t token_field =
      continuation_token.empty() ? 0 : DelimitedSize(continuation_token.size());
  const uint64_t millis = static_cast<uint64_t>(millis_behind_latest);
  const size_t millis_field = millis == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(millis);
  const size_t batch_size = bytes_ + token_field + millis_field;

  std::vector<grpc::Slice> slices;
  slices.reserve(ranges_.size() + 2);
  grpc::Slice header = Allocated(1 + CodedOutputStream::VarintSize64(batch_size));
  WriteDelimitedHeader(kField1, batch_size, Start(header));
  slices.push_back(std::move(header));
  for (const Range& range : ranges_) {
    slices.push_back(range.begin == 0 && range.end == range.page.size()
                         ? range.page
                         : range.page.sub(range.begin, range.end));
  }
  if (token_field + millis_field > 0) {
    grpc::Slice trailer = Allocated(token_field + millis_field);
    uint8_t* out = Start(trailer);
    if (token_field > 0) {
      out = WriteDelimitedHeader(kField2, continuation_token.size(), out);
      out = CodedOutputStream::WriteRawToArray(continuation_token.data(),
                                               static_cast<int>(continuation_token.size()), out);
    }
    if (millis_field > 0) {
      out = CodedOutputStream::WriteTagToArray(kMillisTag, out);
      CodedOutputStream::WriteVarint64ToArray(millis, out);
    }
    slices.push_back(std::move(trailer));
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

grpc::ByteBuffer SerializeEvent(const google::protobuf::MessageLite& event) {
  grpc::Slice bytes = Allocated(event.ByteSizeLong());
  event.SerializeWithCachedSizesToArray(Start(bytes));
  return grpc::ByteBuffer(&bytes, 1);
}

}  // namespace awsfacade::service::subscriptions
