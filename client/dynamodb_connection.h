#ifndef AWSFACADE_CLIENT_DYNAMODB_CONNECTION_H_
#define AWSFACADE_CLIENT_DYNAMODB_CONNECTION_H_

#include <memory>

#include "aws/dynamodb/v1/dynamodb.pb.h"
// The RPC lists (X-macros: unary, passed-through streams, resumed
// subscriptions), generated from the proto by cmake/protoc-gen-awsfacade_rpcs.
#include "aws/dynamodb/v1/dynamodb.rpcs.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// The DynamoDB (the write side) RPCs, one virtual method each. Make one with
// MakeDynamoDbConnection(); mock it with client/mocks/mock_dynamodb_connection.h.
// Thread-safe. Unary calls fail with the server's status (AwsErrorName() has
// the AWS error); server streams are ranges ending with the call's status.
class DynamoDbConnection {
 public:
  virtual ~DynamoDbConnection() = default;
  AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_DYNAMO_DB_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
  AWSFACADE_DYNAMO_DB_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
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
