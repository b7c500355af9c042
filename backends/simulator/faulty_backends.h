#ifndef AWSFACADE_BACKENDS_SIMULATOR_FAULTY_BACKENDS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_FAULTY_BACKENDS_H_

#include <memory>
#include <utility>

#include "backends/cognito_sync_backend.h"
#include "backends/common/call_context.h"
#include "backends/common/call_delay.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"
#include "backends/simulator/fault_injector.h"

namespace awsfacade::backends::simulator {

// Decorators that consult a FaultInjector before each call and otherwise
// forward to the wrapped backend: fault injection stays out of the
// simulators themselves (style: decorators over conditionals). An injected
// latency is returned, not slept: the call answers DelayedCallError
// (backends/common/call_delay.h) and its caller runs it again when due.
#define AWSFACADE_FAULTY_OP(ns, Op)                                              \
  absl::StatusOr<ns::Op##Response> Op(const ns::Op##Request& request) override { \
    if (absl::Status fault = faults_->Before(kService, #Op); !fault.ok()) {      \
      return fault;                                                              \
    }                                                                            \
    return child_->Op(request);                                                  \
  }

// The asynchronous form: the fault is decided on the calling thread, with
// the delayed-call protocol carried by the CallContext instead of a
// thread-local scope (a run after the wait takes context.delayed here and
// the child never sees it again); otherwise the child's Async* runs, so an
// asynchronous backend stays asynchronous under the decorator.
#define AWSFACADE_FAULTY_ASYNC_OP(ns, Op)                             \
  void Async##Op(const CallContext& context, ns::Op##Request request, \
                 AsyncDone<ns::Op##Response> done) override {         \
    CallContext inner = context;                                      \
    absl::Status fault;                                               \
    {                                                                 \
      DelayedCallScope rerun(context.delayed);                        \
      fault = faults_->Before(kService, #Op);                         \
      if (rerun.taken()) inner.delayed.reset();                       \
    }                                                                 \
    if (!fault.ok()) {                                                \
      std::move(done)(std::move(fault));                              \
      return;                                                         \
    }                                                                 \
    child_->Async##Op(inner, std::move(request), std::move(done));    \
  }

class FaultyCognitoSync final : public CognitoSyncBackend {
 public:
  FaultyCognitoSync(std::shared_ptr<CognitoSyncBackend> child,
                    std::shared_ptr<FaultInjector> faults)
      : child_(std::move(child)), faults_(std::move(faults)) {}
  AWSFACADE_FAULTY_OP(::aws::cognitosync::v1, ListRecords)
  AWSFACADE_FAULTY_OP(::aws::cognitosync::v1, UpdateRecords)
  AWSFACADE_FAULTY_OP(::aws::cognitosync::v1, ListDatasets)
  AWSFACADE_FAULTY_OP(::aws::cognitosync::v1, DescribeDataset)
  AWSFACADE_FAULTY_OP(::aws::cognitosync::v1, DeleteDataset)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_FAULTY_ASYNC_OP(::aws::cognitosync::v1, ListRecords)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::cognitosync::v1, UpdateRecords)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::cognitosync::v1, ListDatasets)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::cognitosync::v1, DescribeDataset)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::cognitosync::v1, DeleteDataset)

 private:
  static constexpr char kService[] = "cognitosync";
  std::shared_ptr<CognitoSyncBackend> child_;
  std::shared_ptr<FaultInjector> faults_;
};

class FaultyPersonalize final : public PersonalizeBackend {
 public:
  FaultyPersonalize(std::shared_ptr<PersonalizeBackend> child,
                    std::shared_ptr<FaultInjector> faults)
      : child_(std::move(child)), faults_(std::move(faults)) {}
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, CreateDatasetGroup)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, DescribeDatasetGroup)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, ListDatasetGroups)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, DeleteDatasetGroup)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, CreateSchema)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, DescribeSchema)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, ListSchemas)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, DeleteSchema)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, CreateDataset)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, DescribeDataset)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, ListDatasets)
  AWSFACADE_FAULTY_OP(::aws::personalize::v1, DeleteDataset)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, CreateDatasetGroup)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, DescribeDatasetGroup)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, ListDatasetGroups)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, DeleteDatasetGroup)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, CreateSchema)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, DescribeSchema)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, ListSchemas)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, DeleteSchema)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, CreateDataset)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, DescribeDataset)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, ListDatasets)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::personalize::v1, DeleteDataset)

 private:
  static constexpr char kService[] = "personalize";
  std::shared_ptr<PersonalizeBackend> child_;
  std::shared_ptr<FaultInjector> faults_;
};

class FaultyDynamoDb final : public DynamoDbBackend {
 public:
  FaultyDynamoDb(std::shared_ptr<DynamoDbBackend> child, std::shared_ptr<FaultInjector> faults)
      : child_(std::move(child)), faults_(std::move(faults)) {}
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, CreateTable)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, DescribeTable)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, UpdateTable)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, DeleteTable)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, PutItem)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, GetItem)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, DeleteItem)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, UpdateItem)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, UpdateTimeToLive)
  AWSFACADE_FAULTY_OP(::aws::dynamodb::v1, DescribeTimeToLive)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, CreateTable)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, DescribeTable)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, UpdateTable)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, DeleteTable)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, PutItem)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, GetItem)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, DeleteItem)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, UpdateItem)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, UpdateTimeToLive)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodb::v1, DescribeTimeToLive)

 private:
  static constexpr char kService[] = "dynamodb";
  std::shared_ptr<DynamoDbBackend> child_;
  std::shared_ptr<FaultInjector> faults_;
};

class FaultyDynamoDbStreams final : public DynamoDbStreamsBackend {
 public:
  FaultyDynamoDbStreams(std::shared_ptr<DynamoDbStreamsBackend> child,
                        std::shared_ptr<FaultInjector> faults)
      : child_(std::move(child)), faults_(std::move(faults)) {}
  AWSFACADE_FAULTY_OP(::aws::dynamodbstreams::v1, ListStreams)
  AWSFACADE_FAULTY_OP(::aws::dynamodbstreams::v1, DescribeStream)
  AWSFACADE_FAULTY_OP(::aws::dynamodbstreams::v1, GetShardIterator)
  AWSFACADE_FAULTY_OP(::aws::dynamodbstreams::v1, GetRecords)
  bool IsAsynchronous() const override { return child_->IsAsynchronous(); }
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodbstreams::v1, ListStreams)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodbstreams::v1, DescribeStream)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodbstreams::v1, GetShardIterator)
  AWSFACADE_FAULTY_ASYNC_OP(::aws::dynamodbstreams::v1, GetRecords)
  std::unique_ptr<Subscription> WatchStream(absl::string_view stream_arn,
                                            std::function<void()> callback) override {
    return child_->WatchStream(stream_arn, std::move(callback));
  }

 private:
  static constexpr char kService[] = "dynamodbstreams";
  std::shared_ptr<DynamoDbStreamsBackend> child_;
  std::shared_ptr<FaultInjector> faults_;
};

#undef AWSFACADE_FAULTY_OP
#undef AWSFACADE_FAULTY_ASYNC_OP

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_FAULTY_BACKENDS_H_
