#ifndef AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_
#define AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/common/call_context.h"

namespace awsfacade::backends {

// Amazon DynamoDB Streams (docs/aws-semantics.md §3, §7.1), one method per AWS
// operation. Errors are AwsError statuses: ResourceNotFoundException,
// LimitExceededException, ExpiredIteratorException,
// TrimmedDataAccessException, InternalServerError, ValidationException.
// The blocking methods may block; service/ runs them on the backend's
// executor. The Async* forms never block on I/O (AsyncDone's contract,
// backends/common/call_context.h): by default they run the blocking form
// inline under the context's scopes, which suits backends that do no I/O
// (the simulator); a backend that talks to the network (AWS) overrides
// them, and so does every decorator (forwarding to its child's Async*).
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

  // True when the Async* forms are the backend's own non-blocking calls
  // (AWS, over curl multi): a caller then starts them from any thread,
  // gRPC's included, instead of running a blocking method on an executor.
  // False (the default): the Async* forms run the blocking ones inline, so
  // a caller that must not be held up (a gRPC callback) keeps its executor
  // hop. Decorators answer what their child answers.
  virtual bool IsAsynchronous() const { return false; }

  virtual void AsyncDescribeStream(
      const CallContext& context, ::aws::dynamodbstreams::v1::DescribeStreamRequest request,
      AsyncDone<::aws::dynamodbstreams::v1::DescribeStreamResponse> done) {
    RunInline(
        context, [&] { return DescribeStream(request); }, std::move(done));
  }
  virtual void AsyncGetShardIterator(
      const CallContext& context, ::aws::dynamodbstreams::v1::GetShardIteratorRequest request,
      AsyncDone<::aws::dynamodbstreams::v1::GetShardIteratorResponse> done) {
    RunInline(
        context, [&] { return GetShardIterator(request); }, std::move(done));
  }
  virtual void AsyncGetRecords(const CallContext& context,
                               ::aws::dynamodbstreams::v1::GetRecordsRequest request,
                               AsyncDone<::aws::dynamodbstreams::v1::GetRecordsResponse> done) {
    RunInline(
        context, [&] { return GetRecords(request); }, std::move(done));
  }
  virtual void AsyncListStreams(const CallContext& context,
                                ::aws::dynamodbstreams::v1::ListStreamsRequest request,
                                AsyncDone<::aws::dynamodbstreams::v1::ListStreamsResponse> done) {
    RunInline(
        context, [&] { return ListStreams(request); }, std::move(done));
  }

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

 protected:
  template <typename Call, typename Response>
  static void RunInline(const CallContext& context, Call&& call, AsyncDone<Response> done) {
    RunBlockingInline<Response>(context, std::forward<Call>(call), std::move(done));
  }
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_
