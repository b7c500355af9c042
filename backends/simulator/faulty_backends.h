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
    {
      DelayedCallScope rerun(call.context.delayed);
      fault = faults_->Before(ServiceKey(*call.method), call.method->name());
      rerun_taken = rerun.taken();
    }
    if (!fault.ok()) {
      std::move(done)(std::move(fault));
      return;
    }
    if (!rerun_taken) {
      next_->Invoke(call, std::move(done));
      return;
    }
    OperationCall inner = call;
    inner.context.delayed.reset();
    next_->Invoke(inner, std::move(done));
  }
  bool IsAsynchronous() const override { return next_->IsAsynchronous(); }

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
