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
  if (handler_.authz == nullptr) {
    return ServeUnary(context, *request, response, handler_,
                      [this, request] { return backend_->GetShardIterator(*request); });
  }
  // Under a policy the client gets the server's sealed iterator (authorizer.h).
  return ServeUnary(context, *request, response, handler_, [this, request] {
    absl::StatusOr<v1::GetShardIteratorResponse> result = backend_->GetShardIterator(*request);
    if (result.ok() && !result->shard_iterator().empty()) {
      result->set_shard_iterator(handler_.authz->SealIterator(request->stream_arn(), result->shard_iterator()));
    }
    return result;
  });
}

grpc::ServerUnaryReactor* DynamoDbStreamsService::GetRecords(grpc::CallbackServerContext* context,
                                                             const v1::GetRecordsRequest* request,
                                                             v1::GetRecordsResponse* response) {
  if (handler_.authz == nullptr) {
    return ServeUnary(context, *request, response, handler_,
                      [this, request] { return backend_->GetRecords(*request); });
  }
  // ServeUnary authorizes on the stream inside the sealed iterator; the
  // backend reads with its own iterator, and the next one is sealed again.
  return ServeUnary(context, *request, response, handler_,
                    [this, request]() -> absl::StatusOr<v1::GetRecordsResponse> {
                      absl::StatusOr<Authorizer::OpenedIterator> opened =
                          handler_.authz->OpenIterator(request->shard_iterator());
                      if (!opened.ok()) return opened.status();
                      v1::GetRecordsRequest inner = *request;
                      inner.set_shard_iterator(opened->iterator);
                      absl::StatusOr<v1::GetRecordsResponse> result = backend_->GetRecords(inner);
                      if (result.ok() && !result->next_shard_iterator().empty()) {
                        result->set_next_shard_iterator(
                            handler_.authz->SealIterator(opened->stream_arn, result->next_shard_iterator()));
                      }
                      return result;
                    });
}

}  // namespace awsfacade::service
