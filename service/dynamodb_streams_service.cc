#include "service/dynamodb_streams_service.h"

namespace awsfacade::service {
namespace v1 = ::aws::dynamodbstreams::v1;

DynamoDbStreamsService::DynamoDbStreamsService(
    std::shared_ptr<backends::DynamoDbStreamsBackend> backend, Executor* executor, Scheduler* timers,
    SubscriptionEngine* engine, const Authorizer* authz)
    : backend_(std::move(backend)), handler_{executor, timers, "streams.dynamodb", authz}, engine_(engine) {}

grpc::ServerUnaryReactor* DynamoDbStreamsService::ListStreams(grpc::CallbackServerContext* context,
                                                              const v1::ListStreamsRequest* request,
                                                              v1::ListStreamsResponse* response) {
  return ServeUnary(context, *request, response, handler_, [this, request] { return backend_->ListStreams(*request); });
}

grpc::ServerUnaryReactor* DynamoDbStreamsService::DescribeStream(
    grpc::CallbackServerContext* context, const v1::DescribeStreamRequest* request,
    v1::DescribeStreamResponse* response) {
  return ServeUnary(context, *request, response, handler_,
                    [this, request] { return backend_->DescribeStream(*request); });
}

grpc::ServerUnaryReactor* DynamoDbStreamsService::GetShardIterator(
    grpc::CallbackServerContext* context, const v1::GetShardIteratorRequest* request,
    v1::GetShardIteratorResponse* response) {
  return ServeUnary(context, *request, response, handler_,
                    [this, request] { return backend_->GetShardIterator(*request); });
}

grpc::ServerUnaryReactor* DynamoDbStreamsService::GetRecords(grpc::CallbackServerContext* context,
                                                             const v1::GetRecordsRequest* request,
                                                             v1::GetRecordsResponse* response) {
  return ServeUnary(context, *request, response, handler_, [this, request] { return backend_->GetRecords(*request); });
}

}  // namespace awsfacade::service
