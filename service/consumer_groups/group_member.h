#ifndef AWSFACADE_SERVICE_CONSUMER_GROUPS_GROUP_MEMBER_H_
#define AWSFACADE_SERVICE_CONSUMER_GROUPS_GROUP_MEMBER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "awsfacade/consumergroups/v1/consumergroups.pb.h"
#include "backends/common/clock.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "grpcpp/grpcpp.h"
#include "service/consumer_groups/lease_coordinator.h"
#include "service/consumer_groups/lease_table.h"
#include "service/consumer_groups/shard_source.h"
#include "service/executor.h"

namespace awsfacade::service::consumer_groups {

// The AWS-style error domain of the consumer-groups service.
inline constexpr char kConsumerGroupsDomain[] = "consumergroups.awsfacade";

// Where a member's events go: the JoinGroup stream. One write at a time;
// `written` runs once gRPC took the event (never when the stream ended
// first), on any thread, never under the member's lock. `wanted`, when
// given, is asked atomically with the enqueue (under the output's own
// lock): false drops the event, so an event checked against the member's
// state cannot be overtaken by a later one (a shard's records by its
// ShardRevoked).
class MemberOutput {
 public:
  virtual ~MemberOutput() = default;
  virtual void Send(awsfacade::consumergroups::v1::JoinGroupResponse event,
                    absl::AnyInvocable<void() &&> written,
                    absl::AnyInvocable<bool()> wanted = nullptr) = 0;
  // Ends the stream (no-op once ended).
  virtual void Close(const grpc::Status& status) = 0;
};

// Runs closures one at a time, in order, on an executor: the member's lease
// writes (ticks, checkpoints, hand-overs) never overlap, as LeaseTable asks.
class Strand : public std::enable_shared_from_this<Strand> {
 public:
  explicit Strand(Executor* executor) : executor_(executor) {}
  void Post(absl::AnyInvocable<void() &&> fn);

 private:
  void Drain();
  Executor* executor_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
};

struct GroupMemberOptions {
  // Lease failover time (KCL's failoverTimeMillis). Ticks should come every
  // third of it.
  absl::Duration lease_duration = absl::Seconds(10);
  // A GroupHeartbeat goes out at the first tick this long after the last
  // event.
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // How often the stream's shard list is read again (besides at once after a
  // held shard ended).
  absl::Duration shard_list_refresh = absl::Seconds(3);
  // Where new leases start: kTrimHorizon or kLatest.
  std::string initial_position = kTrimHorizon;
  bool auto_checkpoint = false;
  // Per-shard batching (SubscribeToShard's options).
  aws::dynamodbstreams::v1::SubscriptionOptions subscription;
};

// What a member uses. The executor must outlive it.
struct GroupMemberDeps {
  std::shared_ptr<backends::DynamoDbBackend> ddb;
  std::shared_ptr<backends::DynamoDbStreamsBackend> streams;
  std::shared_ptr<ShardSource> source;
  Executor* executor = nullptr;
  std::shared_ptr<const backends::Clock> clock;
};

// One member of a group on this replica: the JoinGroup call's state. Each
// Tick() (from the caller's timer, every third of the lease duration) creates
// the table and missing leases, beats in the membership item, reads the
// leases, and takes, renews and hands over per LeaseCoordinator; held shards
// are read through the ShardSource and their events sent to the output.
// Table writes run on a Strand, one at a time. Thread-safe.
class GroupMember : public std::enable_shared_from_this<GroupMember> {
 public:
  // `lease_owner` must be unique per call (member id plus a suffix).
  GroupMember(GroupMemberDeps deps, std::unique_ptr<LeaseTable> table, std::string stream_arn,
              std::string group, std::string lease_owner, GroupMemberOptions options);

  const std::string& lease_owner() const { return owner_; }
  const std::string& group() const { return group_; }
  const std::string& stream_arn() const { return stream_arn_; }

  // Sends Joined; until Leave(), Tick() may be called.
  void Start(std::shared_ptr<MemberOutput> output);
  bool left() const {
    absl::MutexLock lock(&mu_);
    return left_;
  }
  // One round of lease work, posted on the strand.
  void Tick();
  // Stops reading, releases the held leases, leaves the membership item.
  // `done` runs after that (on the strand). Idempotent (later calls' `done`
  // run at once).
  void Leave(absl::AnyInvocable<void() &&> done = nullptr);

  // Ends the member's stream with `status` (it then leaves, as on any end).
  void End(const grpc::Status& status);

  // Checkpoints a shard this member holds, on the strand; `done` gets the
  // new leaseCounter or the error (LeaseLostException when not held).
  void Checkpoint(std::string shard_id, std::string sequence_number,
                  absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> done);

  // The shards held now, sorted (for tests and heartbeats).
  std::vector<std::string> HeldShards() const;

 private:
  struct Held {
    Lease lease;
    uint64_t epoch = 0;
    std::shared_ptr<ShardFeed> feed;
    bool next_pending = false;         // asked for the next event before the feed was stored
    bool ended = false;                // ShardEnd seen
    bool reopen = false;               // the feed failed: reopen at the next tick
    std::string last_sequence_number;  // of the last record sent
    int64_t millis_behind_latest = -1;
  };

  void RunTick();
  absl::Status TickSteps();
  void Reconcile(const std::vector<Lease>& leases);
  void Renew(const Lease& lease);
  void Assign(const Lease& lease);
  void OpenFeed(const std::string& shard_id);
  // Drops a held shard: stops its feed, sends ShardRevoked; for a hand-over,
  // writes the new owner once that event was taken.
  void Revoke(const std::string& shard_id, awsfacade::consumergroups::v1::RevokeReason reason,
              std::string hand_to = "");
  void OnFeedEvent(const std::string& shard_id, uint64_t epoch,
                   aws::dynamodbstreams::v1::SubscribeToShardResponse event);
  void OnFeedEnd(const std::string& shard_id, uint64_t epoch, const grpc::Status& status);
  void OnWritten(const std::string& shard_id, uint64_t epoch);
  // Whether `shard_id` is still held under the feed `epoch`.
  bool Holds(const std::string& shard_id, uint64_t epoch) const;
  void CheckpointOnStrand(const std::string& shard_id, const std::string& sequence_number,
                          const std::vector<std::string>& children,
                          absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> done);
  // Runs `write` on `lease`; when it loses only to a write that left this
  // member the owner (another replica's Checkpoint RPC moved the counter),
  // again on the fresh lease.
  absl::StatusOr<Lease> WriteHeld(const Lease& lease,
                                  const std::function<absl::StatusOr<Lease>(const Lease&)>& write);
  void Send(awsfacade::consumergroups::v1::JoinGroupResponse event,
            absl::AnyInvocable<void() &&> written = nullptr,
            absl::AnyInvocable<bool()> wanted = nullptr);

  const GroupMemberDeps deps_;
  const std::unique_ptr<LeaseTable> table_;
  const std::string stream_arn_;
  const std::string group_;
  const std::string owner_;
  const GroupMemberOptions options_;
  std::shared_ptr<Strand> strand_;

  std::atomic<bool> tick_queued_{false};

  // Touched only on the strand.
  LeaseCoordinator coordinator_;
  MemberLiveness liveness_;
  bool table_active_ = false;
  bool registered_ = false;
  int64_t beat_ = 0;
  absl::flat_hash_set<std::string> known_leases_;
  std::vector<aws::dynamodbstreams::v1::Shard> shards_;
  std::optional<absl::Time> shards_read_at_;
  // Shards being handed over: still ours in the table until the write.
  absl::flat_hash_set<std::string> giving_;

  mutable absl::Mutex mu_;
  std::shared_ptr<MemberOutput> output_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Held> held_ ABSL_GUARDED_BY(mu_);
  uint64_t next_epoch_ ABSL_GUARDED_BY(mu_) = 1;
  bool left_ ABSL_GUARDED_BY(mu_) = false;
  bool shard_ended_ ABSL_GUARDED_BY(mu_) = false;  // read the shard list again
  absl::Time last_sent_ ABSL_GUARDED_BY(mu_);
};

// The Checkpoint RPC for a lease owner that is not on this replica: reads the
// lease, refuses (LeaseLostException) unless `lease_proof` is its owner, and
// writes the checkpoint conditional on what it read; a race with the
// holder's own renewal is retried. Returns the new leaseCounter.
absl::StatusOr<int64_t> CheckpointByProof(LeaseTable& table, absl::string_view shard_id,
                                          absl::string_view sequence_number,
                                          absl::string_view lease_proof);

}  // namespace awsfacade::service::consumer_groups

#endif  // AWSFACADE_SERVICE_CONSUMER_GROUPS_GROUP_MEMBER_H_
