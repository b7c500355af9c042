#ifndef AWSFACADE_CLIENT_DYNAMODB_STREAMS_CONNECTION_H_
#define AWSFACADE_CLIENT_DYNAMODB_STREAMS_CONNECTION_H_

#include <memory>

#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

// The RPCs of aws.dynamodbstreams.v1.DynamoDbStreamsService (see
// proto/aws/dynamodbstreams/v1/dynamodbstreams.proto for each contract), as X(namespace, Rpc)
// lists.
#define AWSFACADE_DYNAMODB_STREAMS_UNARY_RPCS(X)  \
  X(::aws::dynamodbstreams::v1, ListStreams)      \
  X(::aws::dynamodbstreams::v1, DescribeStream)   \
  X(::aws::dynamodbstreams::v1, GetShardIterator) \
  X(::aws::dynamodbstreams::v1, GetRecords)
// Server streams, passed through (no resume).
#define AWSFACADE_DYNAMODB_STREAMS_STREAMING_RPCS(X)
// Subscriptions: resumed from their continuation token after a disconnect.
#define AWSFACADE_DYNAMODB_STREAMS_SUBSCRIPTION_RPCS(X) \
  X(::aws::dynamodbstreams::v1, SubscribeToShard)       \
  X(::aws::dynamodbstreams::v1, SubscribeToStream)

namespace awsfacade::client {

// The DynamoDB Streams RPCs, one virtual method each. Make one with
// MakeDynamoDbStreamsConnection(); mock it with client/mocks/mock_dynamodb_streams_connection.h.
// Thread-safe. Unary calls fail with the server's status (AwsErrorName() has
// the AWS error); server streams are ranges ending with the call's status.
class DynamoDbStreamsConnection {
 public:
  virtual ~DynamoDbStreamsConnection() = default;
  AWSFACADE_DYNAMODB_STREAMS_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_DYNAMODB_STREAMS_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
  AWSFACADE_DYNAMODB_STREAMS_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
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
