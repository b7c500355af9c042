#ifndef AWSFACADE_CLIENT_DYNAMODB_STREAMS_CONNECTION_H_
#define AWSFACADE_CLIENT_DYNAMODB_STREAMS_CONNECTION_H_

#include <memory>

#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
// The RPC lists (X-macros: unary, passed-through streams, resumed
// subscriptions), generated from the proto by cmake/protoc-gen-awsfacade_rpcs.
#include "aws/dynamodbstreams/v1/dynamodbstreams.rpcs.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// The DynamoDB Streams RPCs, one virtual method each. Make one with
// MakeDynamoDbStreamsConnection(); mock it with client/mocks/mock_dynamodb_streams_connection.h.
// Thread-safe. Unary calls fail with the server's status (AwsErrorName() has
// the AWS error); server streams are ranges ending with the call's status.
class DynamoDbStreamsConnection {
 public:
  virtual ~DynamoDbStreamsConnection() = default;
  AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_DYNAMO_DB_STREAMS_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
  AWSFACADE_DYNAMO_DB_STREAMS_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
};

// A connection to the server at options.endpoint: gRPC calls wrapped in the
// retry decorator (unary calls retried per options.retry_policy, honouring
// the server's RetryInfo; subscriptions resumed from their last token).
std::shared_ptr<DynamoDbStreamsConnection> MakeDynamoDbStreamsConnection(
    ConnectionOptions options = {});

namespace internal {
// The layers MakeDynamoDbStreamsConnection stacks, for tests.
std::shared_ptr<DynamoDbStreamsConnection> MakeDynamoDbStreamsGrpcConnection(
    ConnectionOptions options);
std::shared_ptr<DynamoDbStreamsConnection> MakeDynamoDbStreamsRetryConnection(
    std::shared_ptr<DynamoDbStreamsConnection> child, ConnectionOptions options);
}  // namespace internal

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_DYNAMODB_STREAMS_CONNECTION_H_
