#ifndef AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
#define AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_

#include "absl/status/statusor.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "backends/common/call_context.h"

namespace awsfacade::backends {

// Amazon DynamoDB, the write side that feeds streams: tables, items, TTL.
// One method per AWS operation; errors are AwsError statuses
// (ResourceNotFoundException, ResourceInUseException, ValidationException,
// ConditionalCheckFailedException, LimitExceededException, ...). Features the
// implementation does not support answer UNIMPLEMENTED naming the feature.
class DynamoDbBackend {
 public:
  virtual ~DynamoDbBackend() = default;

#define AWSFACADE_DYNAMODB_OP(Op)                               \
  virtual absl::StatusOr<::aws::dynamodb::v1::Op##Response> Op( \
      const ::aws::dynamodb::v1::Op##Request& request) = 0;
  AWSFACADE_DYNAMODB_OP(CreateTable)
  AWSFACADE_DYNAMODB_OP(DescribeTable)
  AWSFACADE_DYNAMODB_OP(UpdateTable)
  AWSFACADE_DYNAMODB_OP(DeleteTable)
  AWSFACADE_DYNAMODB_OP(PutItem)
  AWSFACADE_DYNAMODB_OP(GetItem)
  AWSFACADE_DYNAMODB_OP(DeleteItem)
  AWSFACADE_DYNAMODB_OP(UpdateItem)
  AWSFACADE_DYNAMODB_OP(UpdateTimeToLive)
  AWSFACADE_DYNAMODB_OP(DescribeTimeToLive)
#undef AWSFACADE_DYNAMODB_OP

  // The asynchronous forms (backends/common/call_context.h, as for
  // DynamoDbStreamsBackend): by default the blocking method, inline; the
  // AWS backend overrides them and says IsAsynchronous(); decorators
  // forward both to their child.
  virtual bool IsAsynchronous() const { return false; }
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, CreateTable)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, DescribeTable)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, UpdateTable)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, DeleteTable)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, PutItem)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, GetItem)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, DeleteItem)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, UpdateItem)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, UpdateTimeToLive)
  AWSFACADE_ASYNC_FORM(::aws::dynamodb::v1, DescribeTimeToLive)
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
