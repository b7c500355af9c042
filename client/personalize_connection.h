#ifndef AWSFACADE_CLIENT_PERSONALIZE_CONNECTION_H_
#define AWSFACADE_CLIENT_PERSONALIZE_CONNECTION_H_

#include <memory>

#include "aws/personalize/v1/personalize.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

// The RPCs of aws.personalize.v1.PersonalizeService (see proto/aws/personalize/v1/personalize.proto
// for each contract), as X(namespace, Rpc) lists.
#define AWSFACADE_PERSONALIZE_UNARY_RPCS(X)       \
  X(::aws::personalize::v1, CreateDatasetGroup)   \
  X(::aws::personalize::v1, DescribeDatasetGroup) \
  X(::aws::personalize::v1, ListDatasetGroups)    \
  X(::aws::personalize::v1, DeleteDatasetGroup)   \
  X(::aws::personalize::v1, CreateSchema)         \
  X(::aws::personalize::v1, DescribeSchema)       \
  X(::aws::personalize::v1, ListSchemas)          \
  X(::aws::personalize::v1, DeleteSchema)         \
  X(::aws::personalize::v1, CreateDataset)        \
  X(::aws::personalize::v1, DescribeDataset)      \
  X(::aws::personalize::v1, ListDatasets)         \
  X(::aws::personalize::v1, DeleteDataset)
// Server streams, passed through (no resume).
#define AWSFACADE_PERSONALIZE_STREAMING_RPCS(X) X(::aws::personalize::v1, PaginateListDatasets)
// Subscriptions: resumed from their continuation token after a disconnect.
#define AWSFACADE_PERSONALIZE_SUBSCRIPTION_RPCS(X)

namespace awsfacade::client {

// The Personalize RPCs, one virtual method each. Make one with
// MakePersonalizeConnection(); mock it with client/mocks/mock_personalize_connection.h.
// Thread-safe. Unary calls fail with the server's status (AwsErrorName() has
// the AWS error); server streams are ranges ending with the call's status.
class PersonalizeConnection {
 public:
  virtual ~PersonalizeConnection() = default;
  AWSFACADE_PERSONALIZE_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_PERSONALIZE_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
  AWSFACADE_PERSONALIZE_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
};

// A connection to the server at options.endpoint: gRPC calls wrapped in the
// retry decorator (unary calls retried per options.retry_policy, honouring
// the server's RetryInfo; subscriptions resumed from their last token).
std::shared_ptr<PersonalizeConnection> MakePersonalizeConnection(ConnectionOptions options = {});

namespace internal {
// The layers MakePersonalizeConnection stacks, for tests.
std::shared_ptr<PersonalizeConnection> MakePersonalizeGrpcConnection(ConnectionOptions options);
std::shared_ptr<PersonalizeConnection> MakePersonalizeRetryConnection(
    std::shared_ptr<PersonalizeConnection> child, ConnectionOptions options);
}  // namespace internal

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_PERSONALIZE_CONNECTION_H_
