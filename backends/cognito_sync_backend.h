#ifndef AWSFACADE_BACKENDS_COGNITO_SYNC_BACKEND_H_
#define AWSFACADE_BACKENDS_COGNITO_SYNC_BACKEND_H_

#include "absl/status/statusor.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "backends/common/call_context.h"

namespace awsfacade::backends {

// Amazon Cognito Sync (docs/aws-semantics.md §4, §7.2), one method per AWS
// operation. Errors are AwsError statuses (backends/common/aws_error.h).
// Implementations: simulator::CognitoSyncSimulator, and the real-AWS backend.
// Methods may block (the AWS backend does network I/O); service/ runs them
// on the backend's executor, never on a gRPC callback thread.
class CognitoSyncBackend {
 public:
  virtual ~CognitoSyncBackend() = default;

  // InvalidParameterException, NotAuthorizedException, TooManyRequestsException,
  // InternalErrorException. A missing dataset is DatasetExists=false, not an error.
  virtual absl::StatusOr<::aws::cognitosync::v1::ListRecordsResponse> ListRecords(
      const ::aws::cognitosync::v1::ListRecordsRequest& request) = 0;
  // Also LimitExceededException, ResourceNotFoundException,
  // ResourceConflictException (stale SyncCount), Lambda errors.
  virtual absl::StatusOr<::aws::cognitosync::v1::UpdateRecordsResponse> UpdateRecords(
      const ::aws::cognitosync::v1::UpdateRecordsRequest& request) = 0;
  virtual absl::StatusOr<::aws::cognitosync::v1::ListDatasetsResponse> ListDatasets(
      const ::aws::cognitosync::v1::ListDatasetsRequest& request) = 0;
  virtual absl::StatusOr<::aws::cognitosync::v1::DescribeDatasetResponse> DescribeDataset(
      const ::aws::cognitosync::v1::DescribeDatasetRequest& request) = 0;
  virtual absl::StatusOr<::aws::cognitosync::v1::DeleteDatasetResponse> DeleteDataset(
      const ::aws::cognitosync::v1::DeleteDatasetRequest& request) = 0;

  // The asynchronous forms (backends/common/call_context.h, as for
  // DynamoDbStreamsBackend): by default the blocking method, inline; the
  // AWS backend overrides them and says IsAsynchronous(); decorators
  // forward both to their child.
  virtual bool IsAsynchronous() const { return false; }
  AWSFACADE_ASYNC_FORM(::aws::cognitosync::v1, ListRecords)
  AWSFACADE_ASYNC_FORM(::aws::cognitosync::v1, UpdateRecords)
  AWSFACADE_ASYNC_FORM(::aws::cognitosync::v1, ListDatasets)
  AWSFACADE_ASYNC_FORM(::aws::cognitosync::v1, DescribeDataset)
  AWSFACADE_ASYNC_FORM(::aws::cognitosync::v1, DeleteDataset)
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COGNITO_SYNC_BACKEND_H_
