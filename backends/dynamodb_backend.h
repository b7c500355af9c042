#ifndef AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
#define AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_

#include "absl/status/statusor.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"

namespace awsfacade::backends {

// Amazon DynamoDB, the write side that feeds streams: tables, items, TTL.
// One method per AWS operation; errors are AwsError statuses
// (ResourceNotFoundException, ResourceInUseException, ValidationException,
// ConditionalCheckFailedException, LimitExceededException, ...). Features the
// implementation does not support answer UNIMPLEMENTED naming the feature.
class DynamoDbBackend {
 public:
  virtual ~DynamoDbBackend() = default;

#define AWSFACADE_DYNAMODB_OP(Op)                                 \
  virtual absl::StatusOr<::aws::dynamodb::v1::Op##Response> Op(     \
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
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_DYNAMODB_BACKEND_H_
