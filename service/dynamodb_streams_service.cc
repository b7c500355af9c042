#include "service/dynamodb_streams_service.h"

#include "service/request_parsing.h"

namespace awsfacade::service {
namespace streams = ::aws::dynamodbstreams::v1;

DynamoDbStreamsService::DynamoDbStreamsService(
    std::shared_ptr<backends::DynamoDbStreamsBackend> backend, Executor* executor,
    Scheduler* timers, SubscriptionEngine* engine, const Authorizer* authz)
    : backend_(std::move(backend)),
      chain_(backends::ChainOf(backend_)),
      handler_{executor, timers, "streams.dynamodb", authz},
      engine_(engine) {}

// ListStreams and DescribeStream go through the backend's chain
// (ServeChainUnary). GetShardIterator and GetRecords call the backend's
// Async* form, to seal iterators on the way: an asynchronous backend (AWS)
// starts it on gRPC's thread and no executor thread waits on the network;
// one that never blocks (the simulator) runs it there too, and a blocking one
// on the executor.
template <typename Response>
using Done = backends::AsyncDone<Response>;
using backends::CallContext;

grpc::ServerUnaryReactor* DynamoDbStreamsService::ListStreams(
    grpc::CallbackServerContext* context, const streams::ListStreamsRequest* request,
    streams::ListStreamsResponse* response) {
  return ServeChainUnary(context, backends::MethodOf<streams::ListStreamsRequest>(), request,
                         response, handler_, chain_);
}

grpc::ServerUnaryReactor* DynamoDbStreamsService::DescribeStream(
    grpc::CallbackServerContext* context, const streams::DescribeStreamRequest* request,
    streams::DescribeStreamResponse* response) {
  return ServeChainUnary(context, backends::MethodOf<streams::DescribeStreamRequest>(), request,
                         response, handler_, chain_);
}

grpc::ServerUnaryReactor* DynamoDbStreamsService::GetShardIterator(
    grpc::CallbackServerContext* context, const streams::GetShardIteratorRequest* request,
    streams::GetShardIteratorResponse* response) {
  // Under a policy the client gets the server's sealed iterator (authorizer.h).
  return ServeUnary(
      context, *request, response, handler_,
      [this, request](const CallContext& call, Done<streams::GetShardIteratorResponse> done) {
        if (handler_.authz == nullptr) {
          backend_->AsyncGetShardIterator(call, *request, std::move(done));
          return;
        }
        backend_->AsyncGetShardIterator(
            call, *request,
            [authz = handler_.authz, stream_arn = request->stream_arn(), done = std::move(done)](
                absl::StatusOr<streams::GetShardIteratorResponse> result) mutable {
              if (result.ok() && !result->shard_iterator().empty()) {
                result->set_shard_iterator(
                    authz->SealIterator(stream_arn, result->shard_iterator()));
              }
              std::move(done)(std::move(result));
            });
      },
      !backend_->MayBlock());
}

grpc::ServerUnaryReactor* DynamoDbStreamsService::GetRecords(
    grpc::CallbackServerContext* context, const streams::GetRecordsRequest* request,
    streams::GetRecordsResponse* response) {
  // ServeUnary authorizes on the stream inside the sealed iterator; the
  // backend reads with its own iterator, and the next one is sealed again.
  return ServeUnary(
      context, *request, response, handler_,
      [this, request](const CallContext& call, Done<streams::GetRecordsResponse> done) {
        if (handler_.authz == nullptr) {
          backend_->AsyncGetRecords(call, *request, std::move(done));
          return;
        }
        absl::StatusOr<Authorizer::OpenedIterator> opened =
            handler_.authz->OpenIterator(request->shard_iterator());
        if (!opened.ok()) {
          std::move(done)(opened.status());
          return;
        }
        streams::GetRecordsRequest inner = *request;
        inner.set_shard_iterator(opened->iterator);
        backend_->AsyncGetRecords(
            call, std::move(inner),
            [authz = handler_.authz, stream_arn = opened->stream_arn,
             done = std::move(done)](absl::StatusOr<streams::GetRecordsResponse> result) mutable {
              if (result.ok() && !result->next_shard_iterator().empty()) {
                result->set_next_shard_iterator(
                    authz->SealIterator(stream_arn, result->next_shard_iterator()));
              }
              std::move(done)(std::move(result));
            });
      },
      !backend_->MayBlock());
}

namespace {

// A raw subscribe method's request, parsed as every other request is
// (request_parsing.h), then let go (ServeSubscribe).
template <typename Request>
absl::StatusOr<Request> ParsedAndReleased(grpc::ByteBuffer& bytes) {
  Request request;
  absl::Status parsed = ParseRequest(bytes, request);
  bytes.Clear();
  if (!parsed.ok()) return parsed;
  return request;
}

// The raw request is let go once parsed: gRPC would hold its buffer (and
// the slices of the read it came in) until the call ends, for as long as the
// subscription lives, where a typed method's request buffer is freed once
// deserialized. gRPC reads it no more after calling the method; the call's
// cleanup destroys the then empty buffer.
template <typename Request, typename Subscribe>
grpc::ServerWriteReactor<grpc::ByteBuffer>* ServeSubscribe(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* bytes,
                                                           const HandlerContext& handler,
                                                           Subscribe subscribe) {
  absl::StatusOr<Request> request =
      ParsedAndReleased<Request>(*const_cast<grpc::ByteBuffer*>(bytes));
  absl::Status allowed = request.ok() ? Authorize(handler, *context, *request) : request.status();
  if (!allowed.ok()) {
    return new RefusedStream<grpc::ByteBuffer>(ToGrpcStatus(allowed, handler.domain));
  }
  return subscribe(*std::move(request));
}

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* DynamoDbStreamsService::SubscribeToShard(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return ServeSubscribe<streams::SubscribeToShardRequest>(
      context, request, handler_, [&](streams::SubscribeToShardRequest parsed) {
        return engine_->SubscribeToShard(context, std::move(parsed));
      });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* DynamoDbStreamsService::SubscribeToStream(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return ServeSubscribe<streams::SubscribeToStreamRequest>(
      context, request, handler_, [&](streams::SubscribeToStreamRequest parsed) {
        return engine_->SubscribeToStream(context, std::move(parsed));
      });
}

}  // namespace awsfacade::service
