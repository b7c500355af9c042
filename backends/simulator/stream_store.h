#ifndef AWSFACADE_BACKENDS_SIMULATOR_STREAM_STORE_H_
#define AWSFACADE_BACKENDS_SIMULATOR_STREAM_STORE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/simulator_options.h"
#include "backends/simulator/state/dynamodb_state.pb.h"

namespace awsfacade::backends::simulator {

// Tunables of the simulated DynamoDB Streams (docs/aws-semantics.md §7.1).
struct StreamStoreOptions {
  // An open shard is closed and replaced by one child this long after it
  // was opened (AWS: "about every 4 hours"). Checked lazily, on calls.
  absl::Duration shard_rollover_interval = absl::Hours(4);
  // Also close a shard once it holds this many records; 0 = never.
  int64_t shard_rollover_records = 0;
  // Open shards per stream. Items are spread over them by a stable hash of
  // the partition key, so every item lives in one shard lineage.
  int open_shards_per_stream = 1;
  // A shard iterator expires this long after it was issued.
  absl::Duration iterator_lifetime = absl::Minutes(15);
  // Records are trimmed (and freed) this long after they were written; a
  // closed shard whose records are gone disappears this long after it
  // closed; a disabled stream disappears this long after it was disabled.
  absl::Duration retention = absl::Hours(24);
  // GetRecords calls allowed per shard per second of simulator time before
  // LimitExceededException; 0 = unlimited. (AWS publishes no figure for
  // Streams; Kinesis' is 5.)
  int get_records_per_second_per_shard = 0;
};

// What a write did to one item, as the table hands it to the stream.
struct ItemChange {
  // "INSERT", "MODIFY" or "REMOVE".
  absl::string_view event_name;
  // The partition key value in a stable encoding; picks the shard.
  absl::string_view partition_key;
  // The item's primary key attributes; required.
  const Item* keys = nullptr;
  // The item before and after the change; null when there is none
  // (old_image on INSERT, new_image on REMOVE).
  const Item* old_image = nullptr;
  const Item* new_image = nullptr;
  // A deletion by Time to Live: the record carries userIdentity
  // {Type "Service", PrincipalId "dynamodb.amazonaws.com"}.
  bool by_ttl = false;
};

// The shards a rollover closed and the children that replaced them.
struct ShardRollover {
  std::vector<std::string> closed_shard_ids;
  std::vector<std::string> new_shard_ids;
};

// Memory held by the store, for tests and the simulator's introspection.
struct StreamStoreStats {
  int64_t streams = 0;
  int64_t shards = 0;
  int64_t records = 0;       // records not yet trimmed
  int64_t record_bytes = 0;  // their SizeBytes
};

// DynamoDB Streams in memory: streams, shards with lineage, records,
// sequence numbers, iterators, trimming and rollover, and the four Streams
// operations (docs/aws-semantics.md §3, §7.1; botocore's DynamoDB Streams model,
// 2012-08-10).
// Thread-safe; time comes only from options.clock and is acted upon lazily
// at each call (no background threads).
//
// Contract, beyond the model:
// * Stream ARN arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label},
//   label = creation time as ISO-8601 UTC with milliseconds
//   (2015-05-11T21:21:33.291), moved forward by a millisecond when the same
//   table name already had a stream with that label.
// * ShardId "shardId-" + 20 digits (creation time in ms, strictly increasing
//   across the store) + "-" + 8 hex derived from the seed, the stream and
//   its shard count: lexical order is creation order, so DescribeStream
//   lists parents before children.
// * Sequence numbers are 21-digit decimal strings, increasing across the
//   whole store with gaps (never contiguous). Compare them as integers.
// * Record images follow the view type (docs/aws-semantics.md §7.1); SizeBytes is the
//   DynamoDB size (ItemSizeBytes) of Keys plus the images present;
//   ApproximateCreationDateTime is rounded down to the second; eventID is 32
//   hex characters, unique, derived from the seed and a counter;
//   eventVersion "1.1"; eventSource "aws:dynamodb".
// * Housekeeping is a function of simulator time alone: whatever falls due
//   (rollovers, trimming, removal of closed shards and disabled streams) is
//   done as of its due time, in due-time order, whenever a call first
//   observes it. A rolled-over shard closes, and its child opens, at the
//   rollover's due time; a call at `now` first does everything due by
//   `now`. So replaying the writes alone, at their times, rebuilds the same
//   state whatever reads were interleaved.
// * Iterators are sealed (purpose "dynamodbstreams.iterator") over stream
//   ARN, shard, position and issue time. Anything that fails to open is
//   ValidationException; older than iterator_lifetime is
//   ExpiredIteratorException; a position behind the trim horizon is
//   TrimmedDataAccessException.
// * Errors: ValidationException (INVALID_ARGUMENT) naming the member;
//   ResourceNotFoundException for a well-formed but unknown stream or shard;
//   LimitExceededException for the optional per-shard read rate.
class StreamStore {
 public:
  StreamStore(SimulatorOptions options, StreamStoreOptions stream_options);

  StreamStore(const StreamStore&) = delete;
  StreamStore& operator=(const StreamStore&) = delete;

  // --- The table side -------------------------------------------------------

  struct CreatedStream {
    std::string arn;
    std::string label;
  };
  // Creates an ENABLED stream with its open shards. `view_type` must be one
  // of KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES (the caller
  // validates it).
  absl::StatusOr<CreatedStream> CreateStream(
      absl::string_view table_name,
      const std::vector<::aws::dynamodbstreams::v1::KeySchemaElement>& key_schema,
      absl::string_view view_type) {
    return CreateStream(table_name, key_schema, view_type, Now());
  }

  // DISABLED: closes the open shards. Records stay readable for
  // `retention`, then the stream disappears. Disabling a disabled stream is
  // a no-op. NotFound for an unknown ARN.
  absl::Status DisableStream(absl::string_view stream_arn) {
    return DisableStream(stream_arn, Now());
  }

  // Appends the record for `change` to the open shard that owns its
  // partition key and returns its sequence number. FailedPrecondition when
  // the stream is not ENABLED. Callers serialize appends per item (the
  // simulator holds its table lock) so per-item order is the write order.
  absl::StatusOr<std::string> Append(absl::string_view stream_arn, const ItemChange& change) {
    return Append(stream_arn, change, Now());
  }

  // Closes every open shard of the stream and opens one child for each.
  // NotFound for an unknown stream, FailedPrecondition for a disabled one.
  absl::StatusOr<ShardRollover> ForceShardRollover(absl::string_view stream_arn) {
    return ForceShardRollover(stream_arn, Now());
  }

  // Time-driven housekeeping, due by now: rollovers, trimming, removal of
  // emptied closed shards and expired disabled streams. Cheap when nothing
  // is due (ordered queues, never a scan). Returns the ARNs of streams whose
  // shards closed or opened since the previous Maintain() (including by
  // housekeeping inside other calls), so a caller can wake their readers.
  // Every operation below runs the housekeeping first.
  std::vector<std::string> Maintain() { return Maintain(Now()); }

  // The same operations as of `now` instead of a clock reading, for a
  // caller (the simulator) that has read the clock once for a whole call
  // and done its own housekeeping due by then: housekeeping here never runs
  // ahead of it.
  absl::StatusOr<CreatedStream> CreateStream(
      absl::string_view table_name,
      const std::vector<::aws::dynamodbstreams::v1::KeySchemaElement>& key_schema,
      absl::string_view view_type, absl::Time now);
  absl::Status DisableStream(absl::string_view stream_arn, absl::Time now);
  absl::StatusOr<std::string> Append(absl::string_view stream_arn, const ItemChange& change,
                                     absl::Time now);
  absl::StatusOr<ShardRollover> ForceShardRollover(absl::string_view stream_arn, absl::Time now);
  std::vector<std::string> Maintain(absl::Time now);

  // --- The four DynamoDB Streams operations ----------------------------------

  // Each also as of `now` (see above).
  absl::StatusOr<::aws::dynamodbstreams::v1::ListStreamsResponse> ListStreams(
      const ::aws::dynamodbstreams::v1::ListStreamsRequest& request) {
    return ListStreams(request, Now());
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::ListStreamsResponse> ListStreams(
      const ::aws::dynamodbstreams::v1::ListStreamsRequest& request, absl::Time now);
  absl::StatusOr<::aws::dynamodbstreams::v1::DescribeStreamResponse> DescribeStream(
      const ::aws::dynamodbstreams::v1::DescribeStreamRequest& request) {
    return DescribeStream(request, Now());
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::DescribeStreamResponse> DescribeStream(
      const ::aws::dynamodbstreams::v1::DescribeStreamRequest& request, absl::Time now);
  absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> GetShardIterator(
      const ::aws::dynamodbstreams::v1::GetShardIteratorRequest& request) {
    return GetShardIterator(request, Now());
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> GetShardIterator(
      const ::aws::dynamodbstreams::v1::GetShardIteratorRequest& request, absl::Time now);
  absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> GetRecords(
      const ::aws::dynamodbstreams::v1::GetRecordsRequest& request) {
    return GetRecords(request, Now());
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> GetRecords(
      const ::aws::dynamodbstreams::v1::GetRecordsRequest& request, absl::Time now);

  StreamStoreStats Stats() const;

  // Forgets every stream.
  void Reset();

  // The whole store, for persistence: streams, shards, untrimmed records
  // and every counter (not the read-rate history, nor the wake-up set).
  // LoadState replaces everything, validates it (DataLossError naming what
  // is inconsistent; nothing changes then) and rebuilds the housekeeping
  // queues, so the store goes on exactly as the saved one would have.
  void SaveState(::awsfacade::simulator::state::DynamoDbStreamStore* out) const;
  absl::Status LoadState(const ::awsfacade::simulator::state::DynamoDbStreamStore& in);

  // Limits from the DynamoDB Streams documentation.
  static constexpr int kMaxGetRecordsLimit = 1000;
  static constexpr int64_t kMaxGetRecordsBytes = 1 << 20;  // 1 MB of SizeBytes
  static constexpr int kMaxDescribeLimit = 100;
  static constexpr int kMaxListLimit = 100;

 private:
  struct StoredRecord {
    uint64_t seq = 0;
    absl::Time written;
    int64_t size_bytes = 0;
    ::aws::dynamodbstreams::v1::Record record;
  };
  struct Stream;
  struct Shard {
    Stream* stream = nullptr;
    std::string id;
    std::string parent_id;
    int slot = 0;  // which of the stream's open-shard slots it fills
    uint64_t start_seq = 0;
    uint64_t last_seq = 0;            // newest record's number, else start_seq
    std::optional<uint64_t> end_seq;  // set once closed
    absl::Time opened;
    std::optional<absl::Time> closed;
    std::optional<absl::Time> rollover_due;  // open shards with a time rollover
    // Untrimmed records in sequence order: reads binary-search this.
    std::deque<StoredRecord> records;
    std::optional<uint64_t> trimmed_through;  // newest trimmed record's number
    int64_t written = 0;                      // records ever appended
    std::deque<absl::Time> recent_reads;      // for the read-rate limit
  };
  struct Stream {
    std::string arn;
    std::string label;
    std::string table_name;
    std::vector<::aws::dynamodbstreams::v1::KeySchemaElement> key_schema;
    std::string view_type;
    absl::Time created;
    std::optional<absl::Time> disabled;
    int64_t shard_counter = 0;
    // Every shard, by id (= creation order).
    absl::btree_map<std::string, std::unique_ptr<Shard>> shards;
    // The open shard of each slot (empty once disabled).
    std::vector<Shard*> open;
  };
  // Where an iterator points: the next record to return is the first whose
  // number is >= position.
  struct IteratorState {
    std::string stream_arn;
    std::string shard_id;
    uint64_t position = 0;
    absl::Time issued;
  };

  absl::Time Now() const { return options_.clock->Now(); }
  std::string Label(absl::string_view table_name, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t NextSeq() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Shard* OpenShard(Stream& stream, int slot, absl::string_view parent_id, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseShard(Shard& shard, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Closes the slot's open shard and opens its child; returns the child.
  Shard* Rollover(Shard& shard, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaintainLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Stream*> FindStream(absl::string_view arn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops whatever records `shard` still holds (before it is erased).
  void PurgeRecords(Shard& shard) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Forgets every stream and empties the housekeeping queues; counters stay.
  void ClearStreamsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string SealIterator(const IteratorState& state) const;
  absl::StatusOr<IteratorState> OpenIterator(absl::string_view token) const;
  ::aws::dynamodbstreams::v1::Record BuildRecord(const Stream& stream, const ItemChange& change,
                                                 uint64_t seq, absl::Time now, int64_t* size_bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SimulatorOptions options_;
  const StreamStoreOptions stream_options_;

  mutable absl::Mutex mu_;
  uint64_t seq_counter_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t event_counter_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t event_nonce_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_shard_millis_ ABSL_GUARDED_BY(mu_) = 0;
  // Streams by ARN, and (table name, ARN) for ListStreams' filter.
  absl::btree_map<std::string, std::unique_ptr<Stream>> streams_ ABSL_GUARDED_BY(mu_);
  absl::btree_set<std::pair<std::string, std::string>> streams_by_table_ ABSL_GUARDED_BY(mu_);
  // The newest label handed out per table name (labels never repeat).
  absl::flat_hash_map<std::string, absl::Time> last_label_ ABSL_GUARDED_BY(mu_);
  // Housekeeping queues, ordered by when each thing is due.
  // Every untrimmed record in write order, by shard: the front is the
  // oldest record in the store and the front of its shard.
  std::deque<std::pair<absl::Time, Shard*>> trim_queue_ ABSL_GUARDED_BY(mu_);
  absl::btree_set<std::tuple<absl::Time, std::string, std::string>> rollover_queue_
      ABSL_GUARDED_BY(mu_);  // (due, stream ARN, shard id)
  absl::btree_set<std::tuple<absl::Time, std::string, std::string>> shard_expiry_queue_
      ABSL_GUARDED_BY(mu_);  // (closed + retention, stream ARN, shard id)
  absl::btree_set<std::pair<absl::Time, std::string>> stream_expiry_queue_
      ABSL_GUARDED_BY(mu_);  // (disabled + retention, stream ARN)
  // Streams whose shards opened or closed since Maintain() last reported.
  absl::btree_set<std::string> changed_ ABSL_GUARDED_BY(mu_);
  int64_t record_count_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t record_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t shard_count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Sequence numbers as AWS spells them (decimal, at least 21 digits) and
// back. Parse returns nullopt for anything but digits; numbers outside the
// store's range come back as 0 (below) or UINT64_MAX (above).
std::string FormatSequenceNumber(uint64_t seq);
std::optional<uint64_t> ParseSequenceNumber(absl::string_view text);

// True when `a` < `b` as unsigned decimal integers of any length.
bool SequenceNumberLess(absl::string_view a, absl::string_view b);

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_STREAM_STORE_H_
