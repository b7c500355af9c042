#ifndef AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_
#define AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"

namespace awsfacade::backends {

// Amazon DynamoDB Streams (docs/aws-semantics.md §3, §7.1), one method per AWS
// operation. Errors are AwsError statuses: ResourceNotFoundException,
// LimitExceededException, ExpiredIteratorException,
// TrimmedDataAccessException, InternalServerError, ValidationException.
// Methods may block; service/ runs them on the backend's executor.
class DynamoDbStreamsBackend {
 public:
  virtual ~DynamoDbStreamsBackend() = default;

  virtual absl::StatusOr<::aws::dynamodbstreams::v1::ListStreamsResponse> ListStreams(
      const ::aws::dynamodbstreams::v1::ListStreamsRequest& request) = 0;
  virtual absl::StatusOr<::aws::dynamodbstreams::v1::DescribeStreamResponse> DescribeStream(
      const ::aws::dynamodbstreams::v1::DescribeStreamRequest& request) = 0;
  virtual absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> GetShardIterator(
      const ::aws::dynamodbstreams::v1::GetShardIteratorRequest& request) = 0;
  virtual absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> GetRecords(
      const ::aws::dynamodbstreams::v1::GetRecordsRequest& request) = 0;

  // Optional wake-up hook for the subscription engine: `callback` runs
  // (on the writer's thread, without backend locks held; it must not block)
  // whenever new records may be readable from `stream_arn`. Returns a handle
  // whose destruction unsubscribes, or nullptr when the backend cannot
  // notify (the engine then polls).
  class Subscription {
   public:
    virtual ~Subscription() = default;
  };
  virtual std::unique_ptr<Subscription> WatchStream(absl::string_view /*stream_arn*/,
                                                    std::function<void()> /*callback*/) {
    return nullptr;
  }
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_
