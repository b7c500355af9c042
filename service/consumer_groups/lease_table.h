#ifndef AWSFACADE_SERVICE_CONSUMER_GROUPS_LEASE_TABLE_H_
#define AWSFACADE_SERVICE_CONSUMER_GROUPS_LEASE_TABLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"

namespace awsfacade::service::consumer_groups {

// The AWS-style error of a lease operation that lost to another writer: the
// lease's leaseCounter (or leaseOwner) is no longer what the caller saw, so
// another member took, renewed or handed it over meanwhile. FAILED_PRECONDITION
// (backends/common/aws_error.cc): the caller must not retry the same write; a
// zombie checkpoint is refused with it and moves nothing.
inline constexpr char kLeaseLostException[] = "LeaseLostException";

// KCL's checkpoint sentinels (docs/consumer-groups.md).
inline constexpr char kTrimHorizon[] = "TRIM_HORIZON";
inline constexpr char kLatest[] = "LATEST";
inline constexpr char kShardEnd[] = "SHARD_END";

// The lease table's membership item (LeaseTable::Heartbeat), and the table of
// groups per stream (LeaseTable::Registry).
inline constexpr char kMembersKey[] = "awsfacade:members";
inline constexpr char kRegistryTableName[] = "awsfacade-cg-registry";

// One item of a lease table, with the KCL's attribute names
// (docs/consumer-groups.md has the schema).
struct Lease {
  std::string lease_key;                        // leaseKey (S): the shard id
  std::string owner;                            // leaseOwner (S): empty = no owner
  int64_t counter = 0;                          // leaseCounter (N)
  std::string checkpoint;                       // checkpoint (S)
  int64_t checkpoint_sub_sequence_number = 0;   // checkpointSubSequenceNumber (N)
  int64_t owner_switches_since_checkpoint = 0;  // ownerSwitchesSinceCheckpoint (N)
  std::vector<std::string> parent_shard_ids;    // parentShardId (SS)
  std::vector<std::string> child_shard_ids;     // childShardId (SS)
  // awsfacadeMillisBehindLatest (N), the facade's own: the lag the holder
  // last reported with a renewal; -1 when unknown (not in the item).
  int64_t millis_behind_latest = -1;

  bool finished() const { return checkpoint == kShardEnd; }
  friend bool operator==(const Lease& a, const Lease& b);
};

// Which lease keys a group's table may hold. The simulated DynamoDB has no
// Scan yet, so today's source is the stream's shard list (every lease is keyed
// by a shard id); once Scan exists, a source that scans the lease table
// replaces this interface's implementation without touching its callers.
class LeaseKeySource {
 public:
  virtual ~LeaseKeySource() = default;
  virtual absl::StatusOr<std::vector<std::string>> LeaseKeys() = 0;
};

// LeaseKeySource over a list of keys already known (e.g. the shard list the
// caller has just read).
class FixedLeaseKeys final : public LeaseKeySource {
 public:
  explicit FixedLeaseKeys(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  absl::StatusOr<std::vector<std::string>> LeaseKeys() override { return keys_; }

 private:
  std::vector<std::string> keys_;
};

// Every shard of `stream_arn` (DescribeStream, all pages), oldest first as
// DynamoDB Streams lists them. Errors: the backend's.
absl::StatusOr<std::vector<::aws::dynamodbstreams::v1::Shard>> ListStreamShards(
    backends::DynamoDbStreamsBackend& streams, absl::string_view stream_arn);

// LeaseKeySource over the stream's shard list (see LeaseKeySource).
class StreamShardLeaseKeys final : public LeaseKeySource {
 public:
  StreamShardLeaseKeys(backends::DynamoDbStreamsBackend* streams, std::string stream_arn)
      : streams_(streams), stream_arn_(std::move(stream_arn)) {}
  absl::StatusOr<std::vector<std::string>> LeaseKeys() override;

 private:
  backends::DynamoDbStreamsBackend* streams_;
  std::string stream_arn_;
};

// The lease table of one consumer group on one stream, reached through the
// facade's own DynamoDbBackend (the simulator or real AWS alike). Every write
// is a conditional write on leaseCounter, so two members (on any replicas)
// racing for a lease cannot both win: one gets the new lease back, the other
// kLeaseLostException. Each successful write increments leaseCounter, as the
// KCL does; the returned Lease carries the new counter, which the holder must
// use for its next write. Operations on one lease by its holder must not
// overlap (a renew racing a checkpoint of the same holder loses as a zombie
// would). Thread-compatible; holds no lease state of its own.
class LeaseTable {
 public:
  // The table's name for `group` on `stream_arn`: "awsfacade-cg-<group>-"
  // followed by the first 16 hex digits of SHA-256(stream ARN), so one group
  // name may be used on several streams and the name stays within DynamoDB's
  // 255 characters and [A-Za-z0-9_.-]. ValidationException on field
  // "GroupName" when `group` is empty, longer than 128 or has other characters.
  static absl::StatusOr<std::string> TableName(absl::string_view group,
                                               absl::string_view stream_arn);

  // `ddb` must outlive the table. Errors: TableName's.
  static absl::StatusOr<std::unique_ptr<LeaseTable>> Create(backends::DynamoDbBackend* ddb,
                                                            absl::string_view group,
                                                            absl::string_view stream_arn);

  const std::string& table_name() const { return table_name_; }

  // One step towards an ACTIVE table, never waiting: DescribeTable, and
  // CreateTable (key leaseKey, PAY_PER_REQUEST) when there is no table yet
  // (another replica creating it at the same moment is fine). kCreating
  // means "call again later" from the caller's own timer; no thread sleeps.
  // ResourceInUseException when a table of that name exists with another key.
  enum class TableState { kCreating, kActive };
  absl::StatusOr<TableState> EnsureTable();

  // Puts `lease` (owner, counter and checkpoint as given) unless an item with
  // its leaseKey exists: true when it was created, false when one existed.
  absl::StatusOr<bool> CreateLeaseIfAbsent(const Lease& lease);

  // The lease of `lease_key` (consistent read), nullopt when there is none.
  // DataLossError for an item without a whole-number leaseCounter (or with a
  // malformed checkpointSubSequenceNumber / ownerSwitchesSinceCheckpoint).
  absl::StatusOr<std::optional<Lease>> GetLease(absl::string_view lease_key);

  // The leases of every key in `keys` that has one (GetItem each: see
  // LeaseKeySource), in `keys`' order.
  absl::StatusOr<std::vector<Lease>> ListLeases(LeaseKeySource& keys);

  // Takes an unowned or expired lease for `new_owner`: leaseCounter must
  // still be `seen.counter`. ownerSwitchesSinceCheckpoint grows by one when
  // the owner changes.
  absl::StatusOr<Lease> TakeLease(const Lease& seen, absl::string_view new_owner);

  // Renews a lease `held` by its owner: leaseOwner and leaseCounter must
  // still be `held`'s. Records `held.millis_behind_latest` when >= 0.
  absl::StatusOr<Lease> RenewLease(const Lease& held);

  // Records `checkpoint` (a sequence number or kShardEnd, kTrimHorizon,
  // kLatest) for the lease `held`, under the same condition as RenewLease,
  // and resets ownerSwitchesSinceCheckpoint. `child_shard_ids` (with
  // kShardEnd) are stored as childShardId. ValidationException on field
  // "checkpoint" for an empty or malformed checkpoint; kLeaseLostException
  // for a holder that is no longer the owner (a zombie): nothing changes.
  absl::StatusOr<Lease> Checkpoint(const Lease& held, absl::string_view checkpoint,
                                   int64_t sub_sequence_number = 0,
                                   absl::Span<const std::string> child_shard_ids = {});

  // Graceful hand-over by the holder: leaseOwner becomes `new_owner`, or is
  // removed when `new_owner` is empty (release), under RenewLease's
  // condition. The new owner starts from the lease's checkpoint.
  absl::StatusOr<Lease> HandOver(const Lease& held, absl::string_view new_owner);

  // Membership (every member of every replica, leases or not): one item,
  // leaseKey kMembersKey, whose map attribute "members" holds a heartbeat
  // number per lease owner. A member beats with a number that grows on each
  // call; the others judge liveness by seeing it move, on their own clocks
  // (MemberLiveness), as for leases. Not a lease: ListLeases never reads it.
  absl::Status Heartbeat(absl::string_view owner, int64_t beat);
  // Every owner with its last beat; empty when nobody has beaten yet.
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ListMembers();
  // Removes `owner`'s entry: when it leaves, or, conditional on `beat`
  // still being its number, when others see it gone (nullopt: always).
  // A failed condition (it beat meanwhile) is not an error.
  absl::Status RemoveMember(absl::string_view owner, std::optional<int64_t> beat = std::nullopt);

  // The registry of groups (for ListGroups): one table, kRegistryTableName,
  // one item per stream ARN whose string set "groupNames" holds the groups
  // that ever had a member. EnsureTable creates it like a lease table.
  static std::unique_ptr<LeaseTable> Registry(backends::DynamoDbBackend* ddb);
  absl::Status RegisterGroup(absl::string_view stream_arn, absl::string_view group);
  // The sorted group names of `stream_arn`; empty when none.
  absl::StatusOr<std::vector<std::string>> ListGroups(absl::string_view stream_arn);

 private:
  LeaseTable(backends::DynamoDbBackend* ddb, std::string table_name)
      : ddb_(ddb), table_name_(std::move(table_name)) {}

  backends::DynamoDbBackend* ddb_;
  std::string table_name_;
};

// Creates, for every shard in `shards` without a lease, an unowned lease
// checkpointed at `initial_position` (kTrimHorizon or kLatest) whose
// parentShardId is the shard's parent. Returns how many it created.
absl::StatusOr<int> CreateMissingLeases(LeaseTable& table,
                                        absl::Span<const ::aws::dynamodbstreams::v1::Shard> shards,
                                        absl::string_view initial_position);

}  // namespace awsfacade::service::consumer_groups

#endif  // AWSFACADE_SERVICE_CONSUMER_GROUPS_LEASE_TABLE_H_
