#ifndef AWSFACADE_SERVICE_PERSONALIZE_SERVICE_H_
#define AWSFACADE_SERVICE_PERSONALIZE_SERVICE_H_

#include <memory>

#include "aws/personalize/v1/personalize.grpc.pb.h"
#include "backends/personalize_backend.h"
#include "service/reactors.h"

namespace awsfacade::service {

// aws.personalize.v1.PersonalizeService over any PersonalizeBackend.
class PersonalizeService final : public aws::personalize::v1::PersonalizeService::CallbackService {
 public:
  PersonalizeService(std::shared_ptr<backends::PersonalizeBackend> backend, Executor* executor,
                     Scheduler* timers, const Authorizer* authz = nullptr);

  // One unary handler per operation of the service's list.
  using Backend = backends::PersonalizeBackend;
  AWSFACADE_PERSONALIZE_UNARY_RPCS(AWSFACADE_UNARY_HANDLER)

  // boto3's list_datasets paginator (docs/aws-semantics.md §6.2), one message per
  // page; the last message carries the resume token when MaxItems cut the run.
  grpc::ServerWriteReactor<aws::personalize::v1::PaginateListDatasetsResponse>*
  PaginateListDatasets(grpc::CallbackServerContext* context,
                       const aws::personalize::v1::PaginateListDatasetsRequest* request) override;

 private:
  std::shared_ptr<backends::PersonalizeBackend> backend_;
  // The backend's operation chain, which the unary handlers call.
  std::shared_ptr<backends::OperationInvoker> chain_;
  HandlerContext handler_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_PERSONALIZE_SERVICE_H_
