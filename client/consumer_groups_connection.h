#ifndef AWSFACADE_CLIENT_CONSUMER_GROUPS_CONNECTION_H_
#define AWSFACADE_CLIENT_CONSUMER_GROUPS_CONNECTION_H_

#include <memory>

#include "awsfacade/consumergroups/v1/consumergroups.pb.h"
// The RPC lists (X-macros: unary, passed-through streams, resumed
// subscriptions), generated from the proto by cmake/protoc-gen-awsfacade_rpcs.
#include "awsfacade/consumergroups/v1/consumergroups.rpcs.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// The consumer-group RPCs, one virtual method each. Thread-safe. JoinGroup is
// not resumed after a disconnect: a member that joins again gets its shards
// back from their checkpoints.
class ConsumerGroupsConnection {
 public:
  virtual ~ConsumerGroupsConnection() = default;
  AWSFACADE_CONSUMER_GROUPS_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_CONSUMER_GROUPS_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
};

// A connection to the server at options.endpoint (unary calls wrapped in the
// retry decorator).
std::shared_ptr<ConsumerGroupsConnection> MakeConsumerGroupsConnection(
    ConnectionOptions options = {});

namespace internal {
std::shared_ptr<ConsumerGroupsConnection> MakeConsumerGroupsGrpcConnection(
    ConnectionOptions options);
std::shared_ptr<ConsumerGroupsConnection> MakeConsumerGroupsRetryConnection(
    std::shared_ptr<ConsumerGroupsConnection> child, ConnectionOptions options);
}  // namespace internal

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_CONSUMER_GROUPS_CONNECTION_H_
