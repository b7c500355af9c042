#ifndef AWSFACADE_BACKENDS_COGNITO_SYNC_BACKEND_H_
#define AWSFACADE_BACKENDS_COGNITO_SYNC_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/cognitosync/v1/cognitosync.rpcs.pb.h"
#include "backends/common/call_context.h"
#include "backends/operation_chain.h"

namespace awsfacade::backends {

// Amazon Cognito Sync (docs/aws-semantics.md §4, §7.2), one method per AWS
// operation. Errors are AwsError statuses (backends/common/aws_error.h):
// every operation InvalidParameterException, NotAuthorizedException,
// TooManyRequestsException, InternalErrorException; ListRecords answers a
// missing dataset with DatasetExists=false, not an error; UpdateRecords also
// LimitExceededException, ResourceNotFoundException,
// ResourceConflictException (stale SyncCount) and the Lambda errors.
// Implementations: simulator::CognitoSyncSimulator, and the real-AWS backend.
// Methods may block (the AWS backend does network I/O); service/ runs them
// on the backend's executor, never on a gRPC callback thread.
class CognitoSyncBackend {
 public:
  virtual ~CognitoSyncBackend() = default;

  // One method per unary RPC of the service, from the list generated from its
  // proto (<stem>.rpcs.pb.h, written by cmake/protoc-gen-awsfacade_rpcs).
  AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_BACKEND_METHOD)

  // The asynchronous forms (backends/common/call_context.h, as for
  // DynamoDbStreamsBackend): by default the blocking method, inline; the
  // AWS backend is asynchronous and says IsAsynchronous().
  virtual bool IsAsynchronous() const { return false; }
  // Whether a call may block the thread that starts it (OperationInvoker::
  // MayBlock); a backend that never does (the simulators) is started on
  // gRPC's own thread, without an executor hop.
  virtual bool MayBlock() const { return !IsAsynchronous(); }
  AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_ASYNC_FORM)

  // The operation chain this backend is the typed end of
  // (backends/operation_chain.h); nullptr for an implementation.
  virtual std::shared_ptr<OperationInvoker> chain() const { return nullptr; }
};

// CognitoSyncBackend over an operation chain (backends/operation_chain.h).
AWSFACADE_OPERATION_CHAIN(CognitoSyncBackend, CognitoSyncOverChain,
                          AWSFACADE_COGNITO_SYNC_UNARY_RPCS)

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COGNITO_SYNC_BACKEND_H_
