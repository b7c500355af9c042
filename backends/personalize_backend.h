#ifndef AWSFACADE_BACKENDS_PERSONALIZE_BACKEND_H_
#define AWSFACADE_BACKENDS_PERSONALIZE_BACKEND_H_

#include "absl/status/statusor.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/common/call_context.h"

namespace awsfacade::backends {

// Amazon Personalize, the dataset part (docs/aws-semantics.md §5, §7.3), one
// method per AWS operation. Errors are AwsError statuses. Methods may block;
// service/ runs them on the backend's executor.
class PersonalizeBackend {
 public:
  virtual ~PersonalizeBackend() = default;

#define AWSFACADE_PERSONALIZE_OP(Op)                               \
  virtual absl::StatusOr<::aws::personalize::v1::Op##Response> Op( \
      const ::aws::personalize::v1::Op##Request& request) = 0;
  AWSFACADE_PERSONALIZE_OP(CreateDatasetGroup)
  AWSFACADE_PERSONALIZE_OP(DescribeDatasetGroup)
  AWSFACADE_PERSONALIZE_OP(ListDatasetGroups)
  AWSFACADE_PERSONALIZE_OP(DeleteDatasetGroup)
  AWSFACADE_PERSONALIZE_OP(CreateSchema)
  AWSFACADE_PERSONALIZE_OP(DescribeSchema)
  AWSFACADE_PERSONALIZE_OP(ListSchemas)
  AWSFACADE_PERSONALIZE_OP(DeleteSchema)
  AWSFACADE_PERSONALIZE_OP(CreateDataset)
  AWSFACADE_PERSONALIZE_OP(DescribeDataset)
  // InvalidInputException, InvalidNextTokenException (forged or foreign token).
  AWSFACADE_PERSONALIZE_OP(ListDatasets)
  AWSFACADE_PERSONALIZE_OP(DeleteDataset)
#undef AWSFACADE_PERSONALIZE_OP

  // The asynchronous forms (backends/common/call_context.h, as for
  // DynamoDbStreamsBackend): by default the blocking method, inline; the
  // AWS backend overrides them and says IsAsynchronous(); decorators
  // forward both to their child.
  virtual bool IsAsynchronous() const { return false; }
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, CreateDatasetGroup)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, DescribeDatasetGroup)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, ListDatasetGroups)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, DeleteDatasetGroup)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, CreateSchema)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, DescribeSchema)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, ListSchemas)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, DeleteSchema)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, CreateDataset)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, DescribeDataset)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, ListDatasets)
  AWSFACADE_ASYNC_FORM(::aws::personalize::v1, DeleteDataset)
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_PERSONALIZE_BACKEND_H_
