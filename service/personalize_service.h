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

#define AWSFACADE_PERSONALIZE_UNARY(Op)                                          \
  grpc::ServerUnaryReactor* Op(grpc::CallbackServerContext* context,             \
                               const aws::personalize::v1::Op##Request* request, \
                               aws::personalize::v1::Op##Response* response) override;
  AWSFACADE_PERSONALIZE_UNARY(CreateDatasetGroup)
  AWSFACADE_PERSONALIZE_UNARY(DescribeDatasetGroup)
  AWSFACADE_PERSONALIZE_UNARY(ListDatasetGroups)
  AWSFACADE_PERSONALIZE_UNARY(DeleteDatasetGroup)
  AWSFACADE_PERSONALIZE_UNARY(CreateSchema)
  AWSFACADE_PERSONALIZE_UNARY(DescribeSchema)
  AWSFACADE_PERSONALIZE_UNARY(ListSchemas)
  AWSFACADE_PERSONALIZE_UNARY(DeleteSchema)
  AWSFACADE_PERSONALIZE_UNARY(CreateDataset)
  AWSFACADE_PERSONALIZE_UNARY(DescribeDataset)
  AWSFACADE_PERSONALIZE_UNARY(ListDatasets)
  AWSFACADE_PERSONALIZE_UNARY(DeleteDataset)
#undef AWSFACADE_PERSONALIZE_UNARY

  // boto3's list_datasets paginator (docs/aws-semantics.md §6.2), one message per
  // page; the last message carries the resume token when MaxItems cut the run.
  grpc::ServerWriteReactor<aws::personalize::v1::PaginateListDatasetsResponse>*
  PaginateListDatasets(grpc::CallbackServerContext* context,
                       const aws::personalize::v1::PaginateListDatasetsRequest* request) override;

 private:
  std::shared_ptr<backends::PersonalizeBackend> backend_;
  HandlerContext handler_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_PERSONALIZE_SERVICE_H_
