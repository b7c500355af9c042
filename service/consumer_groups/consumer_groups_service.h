#ifndef AWSFACADE_SERVICE_CONSUMER_GROUPS_CONSUMER_GROUPS_SERVICE_H_
#define AWSFACADE_SERVICE_CONSUMER_GROUPS_CONSUMER_GROUPS_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "awsfacade/consumergroups/v1/consumergroups.grpc.pb.h"
#include "backends/common/clock.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "service/consumer_groups/group_member.h"
#include "service/consumer_groups/shard_source.h"
#include "service/reactors.h"

namespace awsfacade::service::consumer_groups {

struct ConsumerGroupsOptions {
  // The lease failover time (KCL's failoverTimeMillis): a member or replica
  // that stops renewing loses its leases after this long. Members tick
  // (renew, take, hand over) every third of it, at most every half second.
  absl::Duration lease_duration = absl::Seconds(10);
  // Null: the system clock.
  std::shared_ptr<const backends::Clock> clock;
};

// awsfacade.consumergroups.v1.ConsumerGroupsService (semantics in the proto
// comments and docs/consumer-groups.md). Each JoinGroup call is a
// GroupMember ticking on `timers`; shards are read through `source` (the
// server's own SubscribeToShard over an in-process channel).
class ConsumerGroupsService final
    : public awsfacade::consumergroups::v1::ConsumerGroupsService::CallbackService {
 public:
  ConsumerGroupsService(std::shared_ptr<backends::DynamoDbBackend> ddb,
                        std::shared_ptr<backends::DynamoDbStreamsBackend> streams,
                        std::shared_ptr<ShardSource> source, Executor* executor, Scheduler* timers,
                        const Authorizer* authz, ConsumerGroupsOptions options = {});
  ~ConsumerGroupsService() override;

  grpc::ServerWriteReactor<awsfacade::consumergroups::v1::JoinGroupResponse>* JoinGroup(
      grpc::CallbackServerContext* context,
      const awsfacade::consumergroups::v1::JoinGroupRequest* request) override;
  grpc::ServerUnaryReactor* Checkpoint(
      grpc::CallbackServerContext* context,
      const awsfacade::consumergroups::v1::CheckpointRequest* request,
      awsfacade::consumergroups::v1::CheckpointResponse* response) override;
  grpc::ServerUnaryReactor* DescribeGroup(
      grpc::CallbackServerContext* context,
      const awsfacade::consumergroups::v1::DescribeGroupRequest* request,
      awsfacade::consumergroups::v1::DescribeGroupResponse* response) override;
  grpc::ServerUnaryReactor* ListGroups(
      grpc::CallbackServerContext* context,
      const awsfacade::consumergroups::v1::ListGroupsRequest* request,
      awsfacade::consumergroups::v1::ListGroupsResponse* response) override;

  // Members connected to this replica now.
  int members() const;

  // Ends every member's JoinGroup with UNAVAILABLE (they leave, releasing
  // their leases for the members of other replicas) and refuses new ones.
  void Shutdown();

 private:
  void Unregister(const std::string& owner);
  std::shared_ptr<GroupMember> FindMember(const std::string& owner) const;

  std::shared_ptr<backends::DynamoDbBackend> ddb_;
  std::shared_ptr<backends::DynamoDbStreamsBackend> streams_;
  std::shared_ptr<ShardSource> source_;
  HandlerContext handler_;
  ConsumerGroupsOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<GroupMember>> members_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace awsfacade::service::consumer_groups

#endif  // AWSFACADE_SERVICE_CONSUMER_GROUPS_CONSUMER_GROUPS_SERVICE_H_
