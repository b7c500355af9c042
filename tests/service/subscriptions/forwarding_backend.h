#ifndef AWSFACADE_TESTS_SERVICE_SUBSCRIPTIONS_FORWARDING_BACKEND_H_
#define AWSFACADE_TESTS_SERVICE_SUBSCRIPTIONS_FORWARDING_BACKEND_H_

#include <functional>
#include <memory>
#include <utility>

#include "backends/dynamodb_streams_backend.h"

namespace awsfacade::testing {

// A DynamoDbStreamsBackend that forwards everything to `child`: the base of
// the tests' probes (counting, hiding the wake-up hook, late completions),
// which override what they watch.
class ForwardingStreamsBackend : public backends::DynamoDbStreamsBackend {
 public:
  explicit ForwardingStreamsBackend(std::shared_ptr<backends::DynamoDbStreamsBackend> child)
      : child_(std::move(child)) {}
  absl::StatusOr<::aws::dynamodbstreams::v1::ListStreamsResponse> ListStreams(
      const ::aws::dynamodbstreams::v1::ListStreamsRequest& r) override {
    return child_->ListStreams(r);
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::DescribeStreamResponse> DescribeStream(
      const ::aws::dynamodbstreams::v1::DescribeStreamRequest& r) override {
    return child_->DescribeStream(r);
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> GetShardIterator(
      const ::aws::dynamodbstreams::v1::GetShardIteratorRequest& r) override {
    return child_->GetShardIterator(r);
  }
  absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> GetRecords(
      const ::aws::dynamodbstreams::v1::GetRecordsRequest& r) override {
    return child_->GetRecords(r);
  }
  std::unique_ptr<Subscription> WatchStream(absl::string_view arn,
                                            std::function<void()> on_change) override {
    return child_->WatchStream(arn, std::move(on_change));
  }

 protected:
  const std::shared_ptr<backends::DynamoDbStreamsBackend> child_;
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_SERVICE_SUBSCRIPTIONS_FORWARDING_BACKEND_H_
