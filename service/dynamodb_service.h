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

#define AWSFACADE_DYNAMODB_UNARY(Op)                                          \
  grpc::ServerUnaryReactor* Op(grpc::CallbackServerContext* context,          \
                               const aws::dynamodb::v1::Op##Request* request, \
                               aws::dynamodb::v1::Op##Response* response) override;
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

 private:
  std::shared_ptr<backends::DynamoDbBackend> backend_;
  HandlerContext handler_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_DYNAMODB_SERVICE_H_
