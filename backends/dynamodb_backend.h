#ifndef AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
#define AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "backends/common/call_context.h"
#include "backends/operation_chain.h"

// The operations of aws.dynamodb.v1.DynamoDbService that reach a backend:
// the one list the typed parts expand (this interface, the chain's typed
// ends, the handlers). An operation added to the proto is added here.
#define AWSFACADE_DYNAMODB_OPERATIONS(X)     \
  X(::aws::dynamodb::v1, CreateTable)        \
  X(::aws::dynamodb::v1, DescribeTable)      \
  X(::aws::dynamodb::v1, UpdateTable)        \
  X(::aws::dynamodb::v1, DeleteTable)        \
  X(::aws::dynamodb::v1, PutItem)            \
  X(::aws::dynamodb::v1, GetItem)            \
  X(::aws::dynamodb::v1, DeleteItem)         \
  X(::aws::dynamodb::v1, UpdateItem)         \
  X(::aws::dynamodb::v1, UpdateTimeToLive)   \
  X(::aws::dynamodb::v1, DescribeTimeToLive) \
  X(::aws::dynamodb::v1, DescribeLimits)     \
  X(::aws::dynamodb::v1, Query)              \
  X(::aws::dynamodb::v1, Scan)               \
  X(::aws::dynamodb::v1, BatchGetItem)       \
  X(::aws::dynamodb::v1, BatchWriteItem)     \
  X(::aws::dynamodb::v1, TransactGetItems)   \
  X(::aws::dynamodb::v1, TransactWriteItems)

namespace awsfacade::backends {

// Amazon DynamoDB, the write side that feeds streams: tables, items, TTL.
// One method per AWS operation; errors are AwsError statuses
// (ResourceNotFoundException, ResourceInUseException, ValidationException,
// ConditionalCheckFailedException, LimitExceededException, ...). Features the
// implementation does not support answer UNIMPLEMENTED naming the feature.
class DynamoDbBackend {
 public:
  virtual ~DynamoDbBackend() = default;

  AWSFACADE_DYNAMODB_OPERATIONS(AWSFACADE_BACKEND_METHOD)

  // The asynchronous forms (backends/common/call_context.h, as for
  // DynamoDbStreamsBackend): by default the blocking method, inline; the
  // AWS backend is asynchronous and says IsAsynchronous().
  virtual bool IsAsynchronous() const { return false; }
  AWSFACADE_DYNAMODB_OPERATIONS(AWSFACADE_ASYNC_FORM)

  // The operation chain this backend is the typed end of
  // (backends/operation_chain.h); nullptr for an implementation.
  virtual std::shared_ptr<OperationInvoker> chain() const { return nullptr; }
};

// DynamoDbBackend over an operation chain (backends/operation_chain.h).
AWSFACADE_OPERATION_CHAIN(DynamoDbBackend, DynamoDbOverChain, AWSFACADE_DYNAMODB_OPERATIONS)

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
