#ifndef AWSFACADE_TESTS_BACKENDS_ASYNC_STREAMS_FAKE_H_
#define AWSFACADE_TESTS_BACKENDS_ASYNC_STREAMS_FAKE_H_

// A DynamoDB Streams backend that is asynchronous the way the AWS one is:
// its Async* calls are held until the test completes them (as if an HTTP
// answer came), and its blocking methods are never to be used: they answer
// Internal and count, so a decorator that turns an asynchronous call back
// into a blocking one is caught. For the decorators' forwarding tests.

#include <deque>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "backends/dynamodb_streams_backend.h"

namespace awsfacade::testing {

class AsyncStreamsFake final : public backends::DynamoDbStreamsBackend {
 public:
  using GetRecordsDone = backends::AsyncDone<::aws::dynamodbstreams::v1::GetRecordsResponse>;
  struct HeldCall {
    backends::CallContext context;
    ::aws::dynamodbstreams::v1::GetRecordsRequest request;
    GetRecordsDone done;
  };

  bool IsAsynchronous() const override { return true; }

  void AsyncGetRecords(const backends::CallContext& context,
                       ::aws::dynamodbstreams::v1::GetRecordsRequest request,
                       GetRecordsDone done) override {
    absl::MutexLock lock(&mu_);
    held_.push_back(HeldCall{context, std::move(request), std::move(done)});
  }

  // The oldest held call, taken out (the test completes its `done`).
  HeldCall TakeHeld() {
    absl::MutexLock lock(&mu_);
    HeldCall call = std::move(held_.front());
    held_.pop_front();
    return call;
  }
  int held() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(held_.size());
  }
  int blocking_calls() {
    absl::MutexLock lock(&mu_);
    return blocking_calls_;
  }

  absl::StatusOr<::aws::dynamodbstreams::v1::ListStreamsResponse> ListStreams(
      const ::aws::dynamodbstreams::v1::ListStreamsRequest&) override {
    return Blocking();
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::DescribeStreamResponse> DescribeStream(
      const ::aws::dynamodbstreams::v1::DescribeStreamRequest&) override {
    return Blocking();
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> GetShardIterator(
      const ::aws::dynamodbstreams::v1::GetShardIteratorRequest&) override {
    return Blocking();
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> GetRecords(
      const ::aws::dynamodbstreams::v1::GetRecordsRequest&) override {
    return Blocking();
  }

 private:
  absl::Status Blocking() {
    absl::MutexLock lock(&mu_);
    ++blocking_calls_;
    return absl::InternalError("the blocking form of an asynchronous backend was called");
  }

  absl::Mutex mu_;
  std::deque<HeldCall> held_ ABSL_GUARDED_BY(mu_);
  int blocking_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_BACKENDS_ASYNC_STREAMS_FAKE_H_
