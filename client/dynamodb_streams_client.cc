#include "client/dynamodb_streams_client.h"

#include <string>

#include "client/internal/pagination.h"

namespace awsfacade::client {
namespace streams = ::aws::dynamodbstreams::v1;

StreamRange<streams::Stream> DynamoDbStreamsClient::ListAllStreams(
    streams::ListStreamsRequest request, const CallOptions& call) {
  return internal::ListAll<streams::Stream>(
      connection_, &DynamoDbStreamsConnection::ListStreams,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](streams::ListStreamsResponse& page) { return page.mutable_streams(); },
       [](const streams::ListStreamsResponse& page) { return page.last_evaluated_stream_arn(); },
       [](streams::ListStreamsRequest& r, const std::string& token) {
         r.set_exclusive_start_stream_arn(token);
       }});
}

StreamRange<streams::Shard> DynamoDbStreamsClient::ListAllShards(
    streams::DescribeStreamRequest request, const CallOptions& call) {
  return internal::ListAll<streams::Shard>(
      connection_, &DynamoDbStreamsConnection::DescribeStream,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](streams::DescribeStreamResponse& page) {
         return page.mutable_stream_description()->mutable_shards();
       },
       [](const streams::DescribeStreamResponse& page) {
         return page.stream_description().last_evaluated_shard_id();
       },
       [](streams::DescribeStreamRequest& r, const std::string& token) {
         r.set_exclusive_start_shard_id(token);
       }});
}

}  // namespace awsfacade::client
