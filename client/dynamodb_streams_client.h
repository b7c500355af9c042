#ifndef AWSFACADE_CLIENT_DYNAMODB_STREAMS_CLIENT_H_
#define AWSFACADE_CLIENT_DYNAMODB_STREAMS_CLIENT_H_

#include <memory>
#include <utility>

#include "client/dynamodb_streams_connection.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// DynamoDB Streams through the facade. A cheap value type: copies share the connection.
// Every RPC is a method taking the request and optional CallOptions (deadline,
// retry policy) that override the client's defaults for that call.
class DynamoDbStreamsClient {
 public:
  explicit DynamoDbStreamsClient(std::shared_ptr<DynamoDbStreamsConnection> connection,
                                 CallOptions defaults = {})
      : connection_(std::move(connection)), defaults_(std::move(defaults)) {}

  AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS(AWSFACADE_CLIENT_FORWARD_UNARY)
  AWSFACADE_DYNAMO_DB_STREAMS_STREAMING_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)
  // Events until the end, the call's deadline, or an error the retry policy
  // does not cover; disconnects are resumed from the last continuation token
  // without losing or repeating records.
  AWSFACADE_DYNAMO_DB_STREAMS_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)

  // Every stream (of request.TableName, if set), following LastEvaluatedStreamArn.
  StreamRange<::aws::dynamodbstreams::v1::Stream> ListAllStreams(
      ::aws::dynamodbstreams::v1::ListStreamsRequest request, const CallOptions& call = {});
  // Every shard of request.StreamArn, following LastEvaluatedShardId.
  StreamRange<::aws::dynamodbstreams::v1::Shard> ListAllShards(
      ::aws::dynamodbstreams::v1::DescribeStreamRequest request, const CallOptions& call = {});

 private:
  std::shared_ptr<DynamoDbStreamsConnection> connection_;
  CallOptions defaults_;
};

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_DYNAMODB_STREAMS_CLIENT_H_
