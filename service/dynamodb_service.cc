#include "service/dynamodb_service.h"

namespace awsfacade::service {
namespace v1 = ::aws::dynamodb::v1;

DynamoDbService::DynamoDbService(std::shared_ptr<backends::DynamoDbBackend> backend,
                                 Executor* executor, Scheduler* timers, const Authorizer* authz)
    : backend_(std::move(backend)), handler_{executor, timers, "dynamodb", authz} {}

#define AWSFACADE_DYNAMODB_UNARY(Op)                                                  \
  grpc::ServerUnaryReactor* DynamoDbService::Op(grpc::CallbackServerContext* context, \
                                                const v1::Op##Request* request,       \
                                                v1::Op##Response* response) {         \
    return ServeAsyncUnary(context, request, response, handler_, backend_.get(),      \
                           &backends::DynamoDbBackend::Async##Op);                    \
  }
AWSFACADE_DYNAMODB_UNARY(CreateTable)
AWSFACADE_DYNAMODB_UNARY(DescribeTable)
AWSFACADE_DYNAMODB_UNARY(UpdateTable)
AWSFACADE_DYNAMODB_UNARY(DeleteTable)
AWSFACADE_DYNAMODB_UNARY(PutItem)
AWSFACADE_DYNAMODB_UNARY(GetItem)
AWSFACADE_DYNAMODB_UNARY(DeleteItem)
AWSFACADE_DYNAMODB_UNARY(UpdateItem)
AWSFACADE_DYNAMODB_UNARY(UpdateTimeToLive)
AWSFACADE_DYNAMODB_UNARY(DescribeTimeToLive)
#undef AWSFACADE_DYNAMODB_UNARY

}  // namespace awsfacade::service
