#ifndef AWSFACADE_SERVICE_COGNITO_SYNC_SERVICE_H_
#define AWSFACADE_SERVICE_COGNITO_SYNC_SERVICE_H_

#include <memory>

#include "aws/cognitosync/v1/cognitosync.grpc.pb.h"
#include "backends/cognito_sync_backend.h"
#include "service/reactors.h"

namespace awsfacade::service {

// aws.cognitosync.v1.CognitoSyncService over any CognitoSyncBackend.
class CognitoSyncService final : public aws::cognitosync::v1::CognitoSyncService::CallbackService {
 public:
  CognitoSyncService(std::shared_ptr<backends::CognitoSyncBackend> backend, Executor* executor,
                     Scheduler* timers, const Authorizer* authz = nullptr);

  // One unary handler per operation of the service's list.
  using Backend = backends::CognitoSyncBackend;
  AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_UNARY_HANDLER)

  // One message per page, following NextToken to the last page.
  grpc::ServerWriteReactor<aws::cognitosync::v1::PaginateListRecordsResponse>* PaginateListRecords(
      grpc::CallbackServerContext* context,
      const aws::cognitosync::v1::PaginateListRecordsRequest* request) override;
  grpc::ServerWriteReactor<aws::cognitosync::v1::PaginateListDatasetsResponse>*
  PaginateListDatasets(grpc::CallbackServerContext* context,
                       const aws::cognitosync::v1::PaginateListDatasetsRequest* request) override;

 private:
  std::shared_ptr<backends::CognitoSyncBackend> backend_;
  // The backend's operation chain, which the unary handlers call.
  std::shared_ptr<backends::OperationInvoker> chain_;
  HandlerContext handler_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_COGNITO_SYNC_SERVICE_H_
