#ifndef AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_
#define AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.rpcs.pb.h"
#include "backends/common/call_context.h"
#include "backends/operation_chain.h"

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
// them. Decorators are layers of an operation chain
// (backends/operation_chain.h).
class DynamoDbStreamsBackend {
 public:
  virtual ~DynamoDbStreamsBackend() = default;

  // One method per unary RPC of the service, from the list generated from its
  // proto (<stem>.rpcs.pb.h, written by cmake/protoc-gen-awsfacade_rpcs).
  AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS(AWSFACADE_BACKEND_METHOD)

  // True when the Async* forms are the backend's own non-blocking calls
  // (AWS, over curl multi): a caller then starts them from any thread,
  // gRPC's included, instead of running a blocking method on an executor.
  // False (the default): the Async* forms run the blocking ones inline, so
  // a caller that must not be held up (a gRPC callback) keeps its executor
  // hop. Decorators answer what their child answers.
  virtual bool IsAsynchronous() const { return false; }
  // Whether a call may block the thread that starts it (OperationInvoker::
  // MayBlock); a backend that never does (the simulators) is started on
  // gRPC's own thread, without an executor hop.
  virtual bool MayBlock() const { return !IsAsynchronous(); }
  AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS(AWSFACADE_ASYNC_FORM)

  // The operation chain this backend is the typed end of
  // (backends/operation_chain.h); nullptr for an implementation.
  virtual std::shared_ptr<OperationInvoker> chain() const { return nullptr; }

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

// DynamoDbStreamsBackend over an operation chain (backends/operation_chain.h).
// WatchStream, not an operation, is the inner backend's.
AWSFACADE_OPERATION_CHAIN(
    DynamoDbStreamsBackend, DynamoDbStreamsOverChain, AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS,
    std::unique_ptr<Subscription> WatchStream(absl::string_view stream_arn,
                                              std::function<void()> callback) override {
      return inner_ == nullptr ? nullptr : inner_->WatchStream(stream_arn, std::move(callback));
    })

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_DYNAMODB_STREAMS_BACKEND_H_
