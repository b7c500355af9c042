#ifndef AWSFACADE_BACKENDS_SIMULATOR_FAULTY_BACKENDS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_FAULTY_BACKENDS_H_

#include <memory>
#include <utility>

#include "backends/cognito_sync_backend.h"
#include "backends/common/call_context.h"
#include "backends/common/call_delay.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/operation_chain.h"
#include "backends/personalize_backend.h"
#include "backends/simulator/batch_faults.h"
#include "backends/simulator/fault_injector.h"

namespace awsfacade::backends::simulator {

// The layer of an operation chain (backends/operation_chain.h) that consults
// a FaultInjector before each call and otherwise passes it on: fault
// injection stays out of the simulators themselves (style: decorators over
// conditionals). An injected latency is returned, not slept: the call
// answers DelayedCallError (backends/common/call_delay.h) and its caller
// runs it again when due. The run after the wait is told by the call's
// context (context.delayed, taken here so the next links never see it) or,
// for a blocking caller, by its thread's DelayedCallScope.
class FaultLayer final : public OperationInvoker {
 public:
  FaultLayer(std::shared_ptr<OperationInvoker> next, std::shared_ptr<FaultInjector> faults)
      : next_(std::move(next)), faults_(std::move(faults)) {}

  void Invoke(const OperationCall& call, OperationDone done) override {
    absl::Status fault;
    bool rerun_taken = false;
    // DynamoDB's batches draw their errors per item (batch_faults.h).
    const bool batch = IsPartialBatch(*call.method);
    {
      DelayedCallScope rerun(call.context.delayed);
      fault = batch ? faults_->Delay(ServiceKey(*call.method), call.method->name())
                    : faults_->Before(ServiceKey(*call.method), call.method->name());
      rerun_taken = rerun.taken();
    }
    if (!fault.ok()) {
      std::move(done)(std::move(fault));
      return;
    }
    OperationCall inner = call;
    if (rerun_taken) inner.context.delayed.reset();
    if (!batch) {
      next_->Invoke(inner, std::move(done));
      return;
    }
    absl::StatusOr<BatchSplit> split = SplitBatch(*call.method, *call.request, *faults_);
    if (!split.ok()) {
      std::move(done)(split.status());
      return;
    }
    if (split->request == nullptr) {
      next_->Invoke(inner, std::move(done));
      return;
    }
    // The split outlives the call: the reduced request is the callee's.
    auto held = std::make_shared<BatchSplit>(*std::move(split));
    inner.request = held->request.get();
    next_->Invoke(inner, [held, response = call.response,
                          done = std::move(done)](absl::Status status) mutable {
      if (status.ok()) MergeUnprocessed(*held, response);
      std::move(done)(std::move(status));
    });
  }
  bool IsAsynchronous() const override { return next_->IsAsynchronous(); }
  // A delay is a status the caller waits out on a timer, not a sleep here.
  bool MayBlock() const override { return next_->MayBlock(); }

 private:
  std::shared_ptr<OperationInvoker> next_;
  std::shared_ptr<FaultInjector> faults_;
};

// A typed backend with a FaultLayer on top of `child`'s chain.
template <typename Backend>
class Faulty final : public OverChain<Backend> {
 public:
  Faulty(std::shared_ptr<Backend> child, std::shared_ptr<FaultInjector> faults)
      : OverChain<Backend>(std::make_shared<FaultLayer>(ChainOf(child), std::move(faults)), child) {
  }
};

using FaultyCognitoSync = Faulty<CognitoSyncBackend>;
using FaultyPersonalize = Faulty<PersonalizeBackend>;
using FaultyDynamoDb = Faulty<DynamoDbBackend>;
using FaultyDynamoDbStreams = Faulty<DynamoDbStreamsBackend>;

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_FAULTY_BACKENDS_H_
