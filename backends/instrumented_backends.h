#ifndef AWSFACADE_BACKENDS_INSTRUMENTED_BACKENDS_H_
#define AWSFACADE_BACKENDS_INSTRUMENTED_BACKENDS_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/cognito_sync_backend.h"
#include "backends/common/call_delay.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"

namespace awsfacade::backends {

// Told about every call through an Instrumented* backend (metrics, in
// service/observability.h). Called on the caller's thread after the call;
// must be cheap and must not block.
class BackendCallObserver {
 public:
  virtual ~BackendCallObserver() = default;
  // `service`: "cognitosync" | "personalize" | "dynamodb" | "dynamodbstreams";
  // `operation`: the AWS operation name; `backend`: the name the decorator
  // was given ("simulator" | "aws").
  virtual void OnBackendCall(absl::string_view service, absl::string_view operation,
                             absl::string_view backend, const absl::Status& status,
                             absl::Duration duration) = 0;
};

// Decorators that time each call of the wrapped backend and report it to a
// BackendCallObserver (style: decorators over conditionals). They change
// nothing else: arguments, results and errors pass through untouched. A
// call's request to run later (backends/common/call_delay.h) is not a call:
// only its run is reported.
#define AWSFACADE_INSTRUMENTED_OP(ns, Op)                                                   \
  absl::StatusOr<ns::Op##Response> Op(const ns::Op##Request& request) override {            \
    const auto start = std::chrono::steady_clock::now();                                    \
    absl::StatusOr<ns::Op##Response> response = child_->Op(request);                        \
    if (!DelayedCallOf(response.status())) {                                                \
      observer_->OnBackendCall(kService, #Op, backend_, response.status(),                  \
                               absl::FromChrono(std::chrono::steady_clock::now() - start)); \
    }                                                                                       \
    return response;                                                                        \
  }

// The asynchronous form: timed from the start to the callback, reported on
// the thread that completes the call. The callback holds what it reports
// with, so the decorator may be dropped while a call is in flight; it never
// turns an asynchronous call back into a blocking one.
#define AWSFACADE_INSTRUMENTED_ASYNC_OP(ns, Op)                                                  \
  void Async##Op(const CallContext& context, ns::Op##Request request,                            \
                 AsyncDone<ns::Op##Response> done) override {                                    \
    child_->Async##Op(                                                                           \
        context, std::move(request),                                                             \
        [observer = observer_, backend = backend_, start = std::chrono::steady_clock::now(),     \
         done = std::move(done)](absl::StatusOr<ns::Op##Response> response) mutable {            \
          if (!DelayedCallOf(response.status())) {                                               \
            observer->OnBackendCall(kService, #Op, backend, response.status(),                   \
                                    absl::FromChrono(std::chrono::steady_clock::now() - start)); \
          }                                                                                      \
          std::move(done)(std::move(response));                                                  \
        });                                                                                      \
  }

#define AWSFACADE_INSTRUMENTED_MEMBERS(Interface) \
  std::shared_ptr<Interface> child_;              \
  std::shared_ptr<BackendCallObserver> observer_; \
  const std::string backend_;

class InstrumentedCognitoSync final : public CognitoSyncBackend {
 public:
  InstrumentedCognitoSync(std::shared_ptr<CognitoSyncBackend> child,
                          std::shared_ptr<BackendCallObserver> observer, absl::string_view backend)
      : child_(std::move(child)), observer_(std::move(observer)), backend_(backend) {}
  AWSFACADE_INSTRUMENTED_OP(::aws::cognitosync::v1, ListRecords)
  AWSFACADE_INSTRUMENTED_OP(::aws::cognitosync::v1, UpdateRecords)
  AWSFACADE_INSTRUMENTED_OP(::aws::cognitosync::v1, ListDatasets)
  AWSFACADE_INSTRUMENTED_OP(::aws::cognitosync::v1, DescribeDataset)
  AWSFACADE_INSTRUMENTED_OP(::aws::cognitosync::v1, DeleteDataset)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::cognitosync::v1, ListRecords)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::cognitosync::v1, UpdateRecords)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::cognitosync::v1, ListDatasets)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::cognitosync::v1, DescribeDataset)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::cognitosync::v1, DeleteDataset)

 private:
  static constexpr char kService[] = "cognitosync";
  AWSFACADE_INSTRUMENTED_MEMBERS(CognitoSyncBackend)
};

class InstrumentedPersonalize final : public PersonalizeBackend {
 public:
  InstrumentedPersonalize(std::shared_ptr<PersonalizeBackend> child,
                          std::shared_ptr<BackendCallObserver> observer, absl::string_view backend)
      : child_(std::move(child)), observer_(std::move(observer)), backend_(backend) {}
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, CreateDatasetGroup)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, DescribeDatasetGroup)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, ListDatasetGroups)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, DeleteDatasetGroup)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, CreateSchema)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, DescribeSchema)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, ListSchemas)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, DeleteSchema)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, CreateDataset)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, DescribeDataset)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, ListDatasets)
  AWSFACADE_INSTRUMENTED_OP(::aws::personalize::v1, DeleteDataset)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, CreateDatasetGroup)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, DescribeDatasetGroup)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, ListDatasetGroups)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, DeleteDatasetGroup)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, CreateSchema)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, DescribeSchema)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, ListSchemas)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, DeleteSchema)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, CreateDataset)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, DescribeDataset)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, ListDatasets)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::personalize::v1, DeleteDataset)

 private:
  static constexpr char kService[] = "personalize";
  AWSFACADE_INSTRUMENTED_MEMBERS(PersonalizeBackend)
};

class InstrumentedDynamoDb final : public DynamoDbBackend {
 public:
  InstrumentedDynamoDb(std::shared_ptr<DynamoDbBackend> child,
                       std::shared_ptr<BackendCallObserver> observer, absl::string_view backend)
      : child_(std::move(child)), observer_(std::move(observer)), backend_(backend) {}
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, CreateTable)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, DescribeTable)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, UpdateTable)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, DeleteTable)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, PutItem)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, GetItem)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, DeleteItem)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, UpdateItem)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, UpdateTimeToLive)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodb::v1, DescribeTimeToLive)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, CreateTable)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, DescribeTable)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, UpdateTable)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, DeleteTable)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, PutItem)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, GetItem)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, DeleteItem)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, UpdateItem)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, UpdateTimeToLive)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodb::v1, DescribeTimeToLive)

 private:
  static constexpr char kService[] = "dynamodb";
  AWSFACADE_INSTRUMENTED_MEMBERS(DynamoDbBackend)
};

class InstrumentedDynamoDbStreams final : public DynamoDbStreamsBackend {
 public:
  InstrumentedDynamoDbStreams(std::shared_ptr<DynamoDbStreamsBackend> child,
                              std::shared_ptr<BackendCallObserver> observer,
                              absl::string_view backend)
      : child_(std::move(child)), observer_(std::move(observer)), backend_(backend) {}
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodbstreams::v1, ListStreams)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodbstreams::v1, DescribeStream)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodbstreams::v1, GetShardIterator)
  AWSFACADE_INSTRUMENTED_OP(::aws::dynamodbstreams::v1, GetRecords)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodbstreams::v1, ListStreams)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodbstreams::v1, DescribeStream)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodbstreams::v1, GetShardIterator)
  AWSFACADE_INSTRUMENTED_ASYNC_OP(::aws::dynamodbstreams::v1, GetRecords)
  // A wake-up hook, not an AWS operation: passed through uncounted.
  std::unique_ptr<Subscription> WatchStream(absl::string_view stream_arn,
                                            std::function<void()> callback) override {
    return child_->WatchStream(stream_arn, std::move(callback));
  }

 private:
  static constexpr char kService[] = "dynamodbstreams";
  AWSFACADE_INSTRUMENTED_MEMBERS(DynamoDbStreamsBackend)
};

#undef AWSFACADE_INSTRUMENTED_OP
#undef AWSFACADE_INSTRUMENTED_ASYNC_OP
#undef AWSFACADE_INSTRUMENTED_MEMBERS

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_INSTRUMENTED_BACKENDS_H_
