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
#include "backends/operation_chain.h"
#include "backends/personalize_backend.h"

namespace awsfacade::backends {

// Told about every call through a MetricsLayer (metrics, in
// app/observability.h). Called on the thread that completes the call;
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

// The layer of an operation chain (backends/operation_chain.h) that times
// each call, from its start to its completion, and reports it to a
// BackendCallObserver (style: decorators over conditionals). It changes
// nothing else: arguments, results and errors pass through untouched. A
// call's request to run later (backends/common/call_delay.h) is not a call:
// only its run is reported. The completion holds what it reports with, so
// the layer may be dropped while a call is in flight; it never turns an
// asynchronous call into a blocking one.
class MetricsLayer final : public OperationInvoker {
 public:
  MetricsLayer(std::shared_ptr<OperationInvoker> next,
               std::shared_ptr<BackendCallObserver> observer, absl::string_view backend)
      : next_(std::move(next)), observer_(std::move(observer)), backend_(backend) {}

  void Invoke(const OperationCall& call, OperationDone done) override {
    next_->Invoke(call, [observer = observer_, backend = backend_, method = call.method,
                         start = std::chrono::steady_clock::now(),
                         done = std::move(done)](absl::Status status) mutable {
      if (!DelayedCallOf(status)) {
        observer->OnBackendCall(ServiceKey(*method), method->name(), backend, status,
                                absl::FromChrono(std::chrono::steady_clock::now() - start));
      }
      std::move(done)(std::move(status));
    });
  }
  bool IsAsynchronous() const override { return next_->IsAsynchronous(); }
  bool MayBlock() const override { return next_->MayBlock(); }

 private:
  std::shared_ptr<OperationInvoker> next_;
  std::shared_ptr<BackendCallObserver> observer_;
  const std::string backend_;
};

// A typed backend with a MetricsLayer on top of `child`'s chain.
template <typename Backend>
class Instrumented final : public OverChain<Backend> {
 public:
  Instrumented(std::shared_ptr<Backend> child, std::shared_ptr<BackendCallObserver> observer,
               absl::string_view backend)
      : OverChain<Backend>(
            std::make_shared<MetricsLayer>(ChainOf(child), std::move(observer), backend), child) {}
};

using InstrumentedCognitoSync = Instrumented<CognitoSyncBackend>;
using InstrumentedPersonalize = Instrumented<PersonalizeBackend>;
using InstrumentedDynamoDb = Instrumented<DynamoDbBackend>;
using InstrumentedDynamoDbStreams = Instrumented<DynamoDbStreamsBackend>;

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_INSTRUMENTED_BACKENDS_H_
