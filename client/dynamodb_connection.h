#ifndef AWSFACADE_CLIENT_DYNAMODB_CONNECTION_H_
#define AWSFACADE_CLIENT_DYNAMODB_CONNECTION_H_

#include <memory>

#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

// The RPCs of aws.dynamodb.v1.DynamoDbService (see proto/aws/dynamodb/v1/dynamodb.proto for
// each contract), as X(namespace, Rpc) lists.
#define AWSFACADE_DYNAMODB_UNARY_RPCS(X)     \
  X(::aws::dynamodb::v1, CreateTable)        \
  X(::aws::dynamodb::v1, DescribeTable)      \
  X(::aws::dynamodb::v1, UpdateTable)        \
  X(::aws::dynamodb::v1, DeleteTable)        \
  X(::aws::dynamodb::v1, PutItem)            \
  X(::aws::dynamodb::v1, GetItem)            \
  X(::aws::dynamodb::v1, DeleteItem)         \
  X(::aws::dynamodb::v1, UpdateItem)         \
  X(::aws::dynamodb::v1, UpdateTimeToLive)   \
  X(::aws::dynamodb::v1, DescribeTimeToLive) \
  X(::aws::dynamodb::v1, DescribeLimits)     \
  X(::aws::dynamodb::v1, Query)              \
  X(::aws::dynamodb::v1, Scan)               \
  X(::aws::dynamodb::v1, BatchGetItem)       \
  X(::aws::dynamodb::v1, BatchWriteItem)     \
  X(::aws::dynamodb::v1, TransactGetItems)   \
  X(::aws::dynamodb::v1, TransactWriteItems)
// Server streams, passed through (no resume).
#define AWSFACADE_DYNAMODB_STREAMING_RPCS(X)
// Subscriptions: resumed from their continuation token after a disconnect.
#define AWSFACADE_DYNAMODB_SUBSCRIPTION_RPCS(X)

namespace awsfacade::client {

// The DynamoDB (the write side) RPCs, one virtual method each. Make one with
// MakeDynamoDbConnection(); mock it with client/mocks/mock_dynamodb_connection.h.
// Thread-safe. Unary calls fail with the server's status (AwsErrorName() has
// the AWS error); server streams are ranges ending with the call's status.
class DynamoDbConnection {
 public:
  virtual ~DynamoDbConnection() = default;
  AWSFACADE_DYNAMODB_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_DYNAMODB_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
  AWSFACADE_DYNAMODB_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
};

// A connection to the server at options.endpoint: gRPC calls wrapped in the
// retry decorator (unary calls retried per options.retry_policy, honouring
// the server's RetryInfo; subscriptions resumed from their last token).
std::shared_ptr<DynamoDbConnection> MakeDynamoDbConnection(ConnectionOptions options = {});

namespace internal {
// The layers MakeDynamoDbConnection stacks, for tests.
std::shared_ptr<DynamoDbConnection> MakeDynamoDbGrpcConnection(ConnectionOptions options);
std::shared_ptr<DynamoDbConnection> MakeDynamoDbRetryConnection(
    std::shared_ptr<DynamoDbConnection> child, ConnectionOptions options);
}  // namespace internal

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_DYNAMODB_CONNECTION_H_
