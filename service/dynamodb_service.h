#ifndef AWSFACADE_SERVICE_DYNAMODB_SERVICE_H_
#define AWSFACADE_SERVICE_DYNAMODB_SERVICE_H_

#include <memory>

#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "backends/dynamodb_backend.h"
#include "service/reactors.h"

namespace awsfacade::service {

// aws.dynamodb.v1.DynamoDbService (the write side feeding streams) over any
// DynamoDbBackend.
class DynamoDbService final : public aws::dynamodb::v1::DynamoDbService::CallbackService {
 public:
  DynamoDbService(std::shared_ptr<backends::DynamoDbBackend> backend, Executor* executor,
                  Scheduler* timers, const Authorizer* authz = nullptr);

  // One unary handler per operation of the service's list.
  using Backend = backends::DynamoDbBackend;
  AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_UNARY_HANDLER)

 private:
  std::shared_ptr<backends::DynamoDbBackend> backend_;
  // The backend's operation chain, which the unary handlers call.
  std::shared_ptr<backends::OperationInvoker> chain_;
  HandlerContext handler_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_DYNAMODB_SERVICE_H_
