#include "client/dynamodb_streams_client.h"

#include <string>

#include "client/internal/pagination.h"

namespace awsfacade::client {
namespace v1 = ::aws::dynamodbstreams::v1;

StreamRange<v1::Stream> DynamoDbStreamsClient::ListAllStreams(v1::ListStreamsRequest request,
                                                              const CallOptions& call) {
  return internal::ListAll<v1::Stream>(
      connection_, &DynamoDbStreamsConnection::ListStreams,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](v1::ListStreamsResponse& page) { return page.mutable_streams(); },
       [](const v1::ListStreamsResponse& page) { return page.last_evaluated_stream_arn(); },
       [](v1::ListStreamsRequest& r, const std::string& token) {
         r.set_exclusive_start_stream_arn(token);
       }});
}

StreamRange<v1::Shard> DynamoDbStreamsClient::ListAllShards(v1::DescribeStreamRequest request,
                                                            const CallOptions& call) {
  return internal::ListAll<v1::Shard>(connection_, &DynamoDbStreamsConnection::DescribeStream,
                                      internal::MergeCallOptions(defaults_, call),
                                      std::move(request),
                                      {[](v1::DescribeStreamResponse& page) {
                                         return page.mutable_stream_description()->mutable_shards();
                                       },
                                       [](const v1::DescribeStreamResponse& page) {
                                         return page.stream_description().last_evaluated_shard_id();
                                       },
                                       [](v1::DescribeStreamRequest& r, const std::string& token) {
                                         r.set_exclusive_start_shard_id(token);
                                       }});
}

}  // namespace awsfacade::client
