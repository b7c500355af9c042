#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_SIMULATOR_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_SIMULATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
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
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/dynamodb_query.h"
#include "backends/simulator/simulator_options.h"
#include "backends/simulator/state/dynamodb_state.pb.h"
#include "backends/simulator/stream_store.h"

namespace awsfacade::backends::simulator {

// Tunables of the simulated DynamoDB and DynamoDB Streams.
struct DynamoDbSimulatorOptions {
  // Streams (see StreamStoreOptions).
  absl::Duration shard_rollover_interval = absl::Hours(4);
  int64_t shard_rollover_records = 0;  // 0 = off
  int open_shards_per_stream = 1;
  absl::Duration iterator_lifetime = absl::Minutes(15);
  absl::Duration retention = absl::Hours(24);
  int get_records_per_second_per_shard = 0;  // 0 = unlimited
  // Tables per account and region (AWS default quota: 2500, adjustable).
  // CreateTable beyond it: LimitExceededException.
  int max_tables = 2500;
  // How long after its TTL time an expired item is deleted. AWS says
  // "within a few days"; the default 0 deletes it at the first call made
  // at or after its expiry time.
  absl::Duration ttl_deletion_delay = absl::ZeroDuration();
};

// Amazon DynamoDB (tables, items, batches, transactions, Time to Live) and DynamoDB Streams
// in memory, with AWS's semantics (docs/aws-semantics.md §3, §7.1; botocore's
// DynamoDB and DynamoDB Streams models, 2012-08-10). Thread-safe; all time
// comes from options.clock and is acted upon lazily at each call.
//
// Contract, beyond the models:
// * Requests come validated: the models' constraints (required members,
//   lengths, ranges, enum values, patterns) are checked once, before the
//   simulator, by the operation chain's ValidationLayer behind the server,
//   and by backends::ValidatedDynamoDb / ValidatedDynamoDbStreams
//   (backends/request_validator.h) for a direct caller (tests, fuzz
//   targets). The simulator does not check them again; a request that
//   breaks them and reaches it anyway is not refused. What it checks itself
//   (ValidationException naming the member) is what the models do not say:
//   a table name that is not an ARN (3-255, [a-zA-Z0-9_.-]+), a batch's
//   table names (map keys), KeySchema present and at most 2 elements, their
//   consistency with AttributeDefinitions, ProjectionType present, Key and
//   Item not empty, the number of tags and local indexes, throughput given
//   or not as BillingMode requires, StreamViewType when enabling a stream,
//   the ReturnValues an operation accepts; the Streams store checks its
//   stream ARNs and iterators (stream_store.h).
// * Tables are ACTIVE at once (CreateTable answers CREATING, UpdateTable
//   UPDATING and DeleteTable DELETING, as AWS does; the next DescribeTable
//   sees ACTIVE or ResourceNotFoundException). ItemCount and
//   TableSizeBytes are exact at every call (AWS refreshes them ~6-hourly).
// * Every write that changes an item appends one record to the table's
//   stream, under the table lock, so records of one item are in write
//   order; a write that changes nothing (PutItem of an identical item,
//   UpdateItem without effect, DeleteItem of a missing item) appends none.
// * Streams: StreamStore's contract. UpdateTable StreamEnabled=false
//   disables the stream (shards close, records readable for `retention`);
//   enabling again creates a new stream with a new label. DeleteTable
//   disables the table's stream the same way.
// * Time to Live: an item whose TTL attribute (type N, epoch seconds) is at
//   or before now - ttl_deletion_delay is deleted at the start of the next
//   call of either interface, found through an index ordered by due time
//   (never a scan), with a REMOVE record whose userIdentity is {Type
//   "Service", PrincipalId "dynamodb.amazonaws.com"}. Items whose TTL lies
//   more than five years in the past are never deleted, as in AWS.
// * Determinism (for persistence): IDs derive from options.seed and the
//   simulator's state, never from a random draw, and housekeeping is a
//   function of time alone. A TTL deletion happens as of its due time
//   (expiry + ttl_deletion_delay, or the write that made the item expire if
//   later), which is also its REMOVE record's ApproximateCreationDateTime,
//   interleaved in time order with the streams' housekeeping; whichever
//   call notices it first, the resulting state is the same.
// * Query and Scan read the table or a secondary index (dynamodb_query.h);
//   indexes are kept implicitly: an index read selects the table's items
//   that carry the index's key attributes.
// * Legacy parameters (Expected, AttributeUpdates, ConditionalOperator,
//   AttributesToGet) and UpdateTable changes other than stream, billing
//   mode/throughput, table class, deletion protection, on-demand and warm
//   throughput answer UNIMPLEMENTED naming the parameter.
// * ReturnValuesOnConditionCheckFailure=ALL_OLD: the failing item travels
//   with the ConditionalCheckFailedException status (see
//   ConditionCheckFailureItem).
// * BatchWriteItem and TransactWriteItems go through the same item-mutation
//   pipeline as PutItem, DeleteItem and UpdateItem: every request or action
//   is validated, then, under the lock, every one is planned (conditions
//   checked) before any is applied, so a batch or transaction that fails
//   validation or a condition leaves the items and the streams unchanged.
//   A cancelled transaction's TransactionCanceledException (its
//   CancellationReasons) travels with the status as an error shape
//   (backends/common/aws_error.h). Batches are never partly unprocessed by
//   the simulator itself; the fault layer (faulty_backends.h) makes them so
//   under injected throttling. ClientRequestToken is remembered for 10
//   minutes in memory (not persisted by SaveState).
namespace dynamodb_simulator_internal {
// A validated item write (dynamodb_item_mutation.h).
struct ItemMutation;
}  // namespace dynamodb_simulator_internal

class DynamoDbSimulator final : public DynamoDbBackend, public DynamoDbStreamsBackend {
 public:
  explicit DynamoDbSimulator(SimulatorOptions options, DynamoDbSimulatorOptions ddb_options = {});
  ~DynamoDbSimulator() override;

  DynamoDbSimulator(const DynamoDbSimulator&) = delete;
  DynamoDbSimulator& operator=(const DynamoDbSimulator&) = delete;

  // In memory, under a lock held only for the call's own work: calls never
  // block, so the server starts them on gRPC's thread.
  bool MayBlock() const override { return false; }

#define AWSFACADE_DYNAMODB_OP(Op)                       \
  absl::StatusOr<::aws::dynamodb::v1::Op##Response> Op( \
      const ::aws::dynamodb::v1::Op##Request& request) override;
  AWSFACADE_DYNAMODB_OP(CreateTable)
  AWSFACADE_DYNAMODB_OP(DescribeTable)
  AWSFACADE_DYNAMODB_OP(UpdateTable)
  AWSFACADE_DYNAMODB_OP(DeleteTable)
  AWSFACADE_DYNAMODB_OP(PutItem)
  AWSFACADE_DYNAMODB_OP(GetItem)
  AWSFACADE_DYNAMODB_OP(DeleteItem)
  AWSFACADE_DYNAMODB_OP(UpdateItem)
  AWSFACADE_DYNAMODB_OP(UpdateTimeToLive)
  AWSFACADE_DYNAMODB_OP(DescribeTimeToLive)
  // AWS's documented default quotas (docs/aws-semantics.md §7.1).
  AWSFACADE_DYNAMODB_OP(DescribeLimits)
  // The tables' names in order, in pages of at most 100.
  AWSFACADE_DYNAMODB_OP(ListTables)
  // Reads of many items (dynamodb_query.h).
  AWSFACADE_DYNAMODB_OP(Query)
  AWSFACADE_DYNAMODB_OP(Scan)
  // Batch and transaction operations (dynamodb_simulator_batch.cc).
  AWSFACADE_DYNAMODB_OP(BatchGetItem)
  AWSFACADE_DYNAMODB_OP(BatchWriteItem)
  AWSFACADE_DYNAMODB_OP(TransactGetItems)
  AWSFACADE_DYNAMODB_OP(TransactWriteItems)
#undef AWSFACADE_DYNAMODB_OP

  absl::StatusOr<::aws::dynamodbstreams::v1::ListStreamsResponse> ListStreams(
      const ::aws::dynamodbstreams::v1::ListStreamsRequest& request) override;
  absl::StatusOr<::aws::dynamodbstreams::v1::DescribeStreamResponse> DescribeStream(
      const ::aws::dynamodbstreams::v1::DescribeStreamRequest& request) override;
  absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> GetShardIterator(
      const ::aws::dynamodbstreams::v1::GetShardIteratorRequest& request) override;
  absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> GetRecords(
      const ::aws::dynamodbstreams::v1::GetRecordsRequest& request) override;

  // `callback` runs after records are appended to `stream_arn`, or its
  // shards close or open, on the thread that caused it, with no simulator
  // lock held. Destroying the handle unsubscribes: once its destructor has
  // returned, the callback is not running on another thread and will not
  // run again. (Destroying it from inside its own callback is allowed.)
  std::unique_ptr<Subscription> WatchStream(absl::string_view stream_arn,
                                            std::function<void()> callback) override;

  // Closes every open shard of the stream and opens a child for each
  // (simulator control). ResourceNotFoundException for an unknown stream,
  // FailedPrecondition for a disabled one.
  absl::StatusOr<ShardRollover> ForceShardRollover(absl::string_view stream_arn);

  // Forgets every table and stream (the simulator's reset). Subscriptions
  // stay registered.
  void Reset();

  // Memory held by the streams, for tests.
  StreamStoreStats StreamStats() const { return store_.Stats(); }

  // The whole state, for persistence (--state_dir): tables, items, Time to
  // Live and the streams. Serialize `out` deterministically (it holds proto
  // maps) for byte-identical output from identical states.
  void SaveState(::awsfacade::simulator::state::DynamoDbState* out) const;
  // Replaces the whole state with `in` (on a fresh or reset simulator) and
  // rebuilds the derived indexes; the simulator then goes on exactly as the
  // saved one would have, and iterators it had issued stay valid under the
  // same sealer key. DataLossError naming the inconsistency when `in` does
  // not hold together; nothing changes then. Subscriptions are untouched.
  absl::Status LoadState(const ::awsfacade::simulator::state::DynamoDbState& in);

  // Item size limit and key size limits (DynamoDB quotas).
  static constexpr int64_t kMaxItemBytes = 400 * 1024;
  static constexpr int64_t kMaxPartitionKeyBytes = 2048;
  static constexpr int64_t kMaxSortKeyBytes = 1024;

 private:
  struct Index {
    std::string name;
    bool global = false;
    std::vector<::aws::dynamodb::v1::KeySchemaElement> key_schema;
    ::aws::dynamodb::v1::Projection projection;
    ::aws::dynamodb::v1::ProvisionedThroughput throughput;
    ::aws::dynamodb::v1::OnDemandThroughput on_demand;
  };
  struct StoredItem {
    Item item;
    int64_t size = 0;
    std::optional<int64_t> ttl;  // indexed expiry (epoch seconds), if any
    absl::Time ttl_due;          // when its deletion falls due, if indexed
  };
  struct Table {
    uint64_t uid = 0;  // never reused, unlike names
    std::string name;
    std::string arn;
    std::string id;
    absl::Time created;
    std::vector<::aws::dynamodb::v1::AttributeDefinition> attribute_definitions;
    std::vector<::aws::dynamodb::v1::KeySchemaElement> key_schema;
    std::string hash_key;
    std::string hash_type;
    std::string range_key;  // empty: no sort key
    std::string range_type;
    std::string billing_mode;  // PROVISIONED or PAY_PER_REQUEST
    bool billing_mode_explicit = false;
    std::optional<absl::Time> pay_per_request_since;
    ::aws::dynamodb::v1::ProvisionedThroughput throughput;
    std::optional<absl::Time> last_increase;
    std::optional<absl::Time> last_decrease;
    int64_t decreases_today = 0;
    std::vector<Index> indexes;
    std::string table_class;
    std::optional<absl::Time> table_class_since;
    bool deletion_protection = false;
    ::aws::dynamodb::v1::SSESpecification sse;
    ::aws::dynamodb::v1::OnDemandThroughput on_demand;
    ::aws::dynamodb::v1::WarmThroughput warm;
    std::vector<::aws::dynamodb::v1::Tag> tags;
    // Stream: the latest one, if any was ever enabled.
    std::string stream_arn;
    std::string stream_label;
    std::string stream_view_type;
    bool stream_enabled = false;
    // Time to Live.
    std::string ttl_attribute;
    bool ttl_enabled = false;
    std::optional<absl::Time> ttl_changed;
    // Items by encoded primary key, and their keys in key order for Query
    // and Scan (kept by ApplyItemWriteLocked and LoadState).
    absl::flat_hash_map<std::string, StoredItem> items;
    OrderedKeys order;
    int64_t size_bytes = 0;
    // Item-collection sizes by encoded partition key (tables with LSIs).
    absl::flat_hash_map<std::string, int64_t> collections;
  };
  // Wake-up registrations, shared with the handles so a handle may outlive
  // the simulator.
  struct Watchers;
  class WatchHandle;
  // Streams to wake once the current call has released its locks.
  class PendingWakeups {
   public:
    explicit PendingWakeups(std::shared_ptr<Watchers> watchers) : watchers_(std::move(watchers)) {}
    PendingWakeups(const PendingWakeups&) = delete;
    PendingWakeups& operator=(const PendingWakeups&) = delete;
    // Declared before the lock in every method, so this runs after the lock
    // is released.
    ~PendingWakeups();
    void Add(absl::string_view arn) { arns_.insert(std::string(arn)); }
    void Add(const std::vector<std::string>& arns) { arns_.insert(arns.begin(), arns.end()); }

   private:
    std::shared_ptr<Watchers> watchers_;
    absl::btree_set<std::string> arns_;
  };

  absl::Time Now() const { return options_.clock->Now(); }
  // Housekeeping at the start of every call: TTL deletions due, stream
  // rollovers and trimming. Records ARNs to wake in `wake`.
  void TickLocked(absl::Time now, PendingWakeups& wake) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Table*> FindTable(absl::string_view table_name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Query and Scan: checks the request, then runs it on the table lent as a
  // ReadTarget under the lock.
  template <typename Response, typename Request>
  absl::StatusOr<Response> ReadItems(
      const Request& request, absl::StatusOr<PreparedRead> (*prepare)(const Request&),
      absl::StatusOr<Response> (*run)(const ReadTarget&, const PreparedRead&, const Request&));
  ::aws::dynamodb::v1::TableDescription Describe(const Table& table, const char* status) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Validates a whole key (Get/Update/Delete) or the key part of an item
  // (Put) and returns the encoded primary key; sets `partition` to the
  // encoded partition key.
  absl::StatusOr<std::string> KeyOf(const Table& table, const Item& item, bool exact_key,
                                    std::string* partition) const;
  Item KeysOf(const Table& table, const Item& item) const;

  // The item-mutation pipeline of PutItem, DeleteItem, UpdateItem,
  // BatchWriteItem and TransactWriteItems: validate → plan → apply. Each
  // operation validates its request (each of its writes or actions) into an
  // ItemMutation without the lock (dynamodb_item_mutation.h). Under the lock,
  // PlanItemMutationLocked works out from the state, changing nothing,
  // everything a write will do: the table, the key, the condition's verdict,
  // the new item image and the stream record; an error there leaves no trace.
  // A batch or transaction plans every write first (PlanAllLocked), then
  // applies them all. The operation reads its ReturnValues off the plan, and
  // ApplyItemMutationLocked carries it out.
  using ItemMutation = dynamodb_simulator_internal::ItemMutation;
  // One change to one item, as planned before anything changes.
  struct ItemWrite {
    std::string key;                  // encoded primary key
    std::string partition;            // encoded partition key
    const StoredItem* old = nullptr;  // the item as it is; null when there is none
    std::optional<Item> new_item;     // the item as it will be; nullopt: it goes
    // The stream record, when the table's stream is enabled: the event
    // ("INSERT", "MODIFY", "REMOVE") and the Keys.
    absl::string_view event_name;
    Item stream_keys;
    bool by_ttl = false;  // a Time to Live deletion
    // False when applying would change nothing (no item to delete, or a
    // write of an equal item): no stream record then, as in DynamoDB.
    bool changes() const;
  };
  struct ItemMutationPlan {
    Table* table = nullptr;
    ItemWrite write;
  };
  // What a single-item write response reports besides its ReturnValues.
  struct ItemWriteReport {
    std::optional<::aws::dynamodb::v1::ConsumedCapacity> consumed_capacity;
    std::optional<::aws::dynamodb::v1::ItemCollectionMetrics> item_collection_metrics;
  };
  absl::StatusOr<ItemMutationPlan> PlanItemMutationLocked(const ItemMutation& mutation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ItemWrite PlanItemWrite(const Table& table, std::string key, std::string partition,
                          const StoredItem* old, std::optional<Item> new_item) const;
  // Capacity (as of before the write), the write, item-collection metrics
  // (as of after it).
  ItemWriteReport ApplyItemMutationLocked(ItemMutationPlan plan, const ItemMutation& mutation,
                                          absl::Time now, PendingWakeups& wake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The apply step of every item change, TTL deletions included: the stream
  // record first (while the old item is in place), then the item, keeping
  // the table's size, the TTL index and item collections current.
  void ApplyItemWriteLocked(Table& table, ItemWrite write, absl::Time now, PendingWakeups& wake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<int64_t> TtlOf(const Table& table, const Item& item, absl::Time now) const;
  // Sets the item's TTL expiry and due time as of a write at `now`, and
  // indexes it.
  void IndexItemTtlLocked(const Table& table, const std::string& key, StoredItem& stored,
                          absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IndexTtlLocked(Table& table, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UnindexTtlLocked(Table& table) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DisableStreamLocked(Table& table, absl::Time now, PendingWakeups& wake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EnableStreamLocked(Table& table, absl::string_view view_type, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fills ConsumedCapacity for a write (old/new item, either may be null)
  // or a read.
  void WriteCapacity(const Table& table, absl::string_view mode, const Item* old_item,
                     const Item* new_item, ::aws::dynamodb::v1::ConsumedCapacity* out) const;
  void ReadCapacity(const Table& table, absl::string_view mode, int64_t item_bytes, bool consistent,
                    ::aws::dynamodb::v1::ConsumedCapacity* out) const;
  // ItemCollectionMetrics for ReturnItemCollectionMetrics=SIZE on a table
  // with local secondary indexes; nullopt otherwise.
  std::optional<::aws::dynamodb::v1::ItemCollectionMetrics> CollectionMetrics(
      const Table& table, absl::string_view mode, const std::string& partition,
      const Item& key_source) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // What TransactWriteItems remembers of a ClientRequestToken, for
  // kTransactionTokenLifetime.
  struct TransactionToken {
    std::string request;  // the request, serialized deterministically
    absl::Time expires;
    ::aws::dynamodb::v1::TransactWriteItemsResponse response;
  };
  // Plans every mutation (checks every condition) without changing
  // anything; a failed plan's status stands at its index, the others are
  // OK. Table lookups and key errors fail the whole call.
  // Two mutations of one item: ValidationException `duplicate_message`.
  absl::StatusOr<std::vector<absl::StatusOr<ItemMutationPlan>>> PlanAllLocked(
      const std::vector<ItemMutation>& mutations, absl::string_view duplicate_message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SimulatorOptions options_;
  const DynamoDbSimulatorOptions ddb_options_;
  StreamStore store_;  // locked after mu_, never before
  std::shared_ptr<Watchers> watchers_;

  mutable absl::Mutex mu_;
  uint64_t next_table_uid_ ABSL_GUARDED_BY(mu_) = 1;
  absl::btree_map<std::string, std::unique_ptr<Table>> tables_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, Table*> tables_by_uid_ ABSL_GUARDED_BY(mu_);
  // Time to Live index of every table: (due time, table uid, encoded key),
  // earliest first.
  absl::btree_set<std::tuple<absl::Time, uint64_t, std::string>> ttl_index_ ABSL_GUARDED_BY(mu_);
  // TransactWriteItems' ClientRequestTokens.
  absl::flat_hash_map<std::string, TransactionToken> transaction_tokens_ ABSL_GUARDED_BY(mu_);
};

// The item a ConditionalCheckFailedException carries when the request asked
// for ReturnValuesOnConditionCheckFailure=ALL_OLD and the item existed.
std::optional<Item> ConditionCheckFailureItem(const absl::Status& status);

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_SIMULATOR_H_
