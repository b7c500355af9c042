#ifndef AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
#define AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodb/v1/dynamodb.rpcs.pb.h"
#include "backends/common/call_context.h"
#include "backends/operation_chain.h"

namespace awsfacade::backends {

// Amazon DynamoDB, the write side that feeds streams: tables, items, TTL.
// One method per AWS operation; errors are AwsError statuses
// (ResourceNotFoundException, ResourceInUseException, ValidationException,
// ConditionalCheckFailedException, LimitExceededException, ...). Features the
// implementation does not support answer UNIMPLEMENTED naming the feature.
class DynamoDbBackend {
 public:
  virtual ~DynamoDbBackend() = default;

  // One method per unary RPC of the service, from the list generated from its
  // proto (<stem>.rpcs.pb.h, written by cmake/protoc-gen-awsfacade_rpcs).
  AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_BACKEND_METHOD)

  // The asynchronous forms (backends/common/call_context.h, as for
  // DynamoDbStreamsBackend): by default the blocking method, inline; the
  // AWS backend is asynchronous and says IsAsynchronous().
  virtual bool IsAsynchronous() const { return false; }
  // Whether a call may block the thread that starts it (OperationInvoker::
  // MayBlock); a backend that never does (the simulators) is started on
  // gRPC's own thread, without an executor hop.
  virtual bool MayBlock() const { return !IsAsynchronous(); }
  AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_ASYNC_FORM)

  // The operation chain this backend is the typed end of
  // (backends/operation_chain.h); nullptr for an implementation.
  virtual std::shared_ptr<OperationInvoker> chain() const { return nullptr; }
};

// DynamoDbBackend over an operation chain (backends/operation_chain.h).
AWSFACADE_OPERATION_CHAIN(DynamoDbBackend, DynamoDbOverChain, AWSFACADE_DYNAMO_DB_UNARY_RPCS)

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
