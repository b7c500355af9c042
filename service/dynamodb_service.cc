#include "service/dynamodb_service.h"

namespace awsfacade::service {

DynamoDbService::DynamoDbService(std::shared_ptr<backends::DynamoDbBackend> backend,
                                 Executor* executor, Scheduler* timers, const Authorizer* authz)
    : backend_(std::move(backend)),
      chain_(backends::ChainOf(backend_)),
      handler_{executor, timers, "dynamodb", authz} {}

}  // namespace awsfacade::service
