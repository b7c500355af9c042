#ifndef AWSFACADE_SERVICE_DYNAMODB_STREAMS_SERVICE_H_
#define AWSFACADE_SERVICE_DYNAMODB_STREAMS_SERVICE_H_

#include <memory>

#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "backends/dynamodb_streams_backend.h"
#include "service/reactors.h"
#include "service/subscription_engine.h"

namespace awsfacade::service {

// aws.dynamodbstreams.v1.DynamoDbStreamsService: the four AWS operations
// over any DynamoDbStreamsBackend, and push subscriptions through the
// SubscriptionEngine.
class DynamoDbStreamsService final
    : public aws::dynamodbstreams::v1::DynamoDbStreamsService::
          WithRawCallbackMethod_SubscribeToShard<
              aws::dynamodbstreams::v1::DynamoDbStreamsService::
                  WithRawCallbackMethod_SubscribeToStream<
                      aws::dynamodbstreams::v1::DynamoDbStreamsService::CallbackService>> {
 public:
  DynamoDbStreamsService(std::shared_ptr<backends::DynamoDbStreamsBackend> backend,
                         Executor* executor, Scheduler* timers, SubscriptionEngine* engine,
                         const Authorizer* authz = nullptr);

  grpc::ServerUnaryReactor* ListStreams(
      grpc::CallbackServerContext* context,
      const aws::dynamodbstreams::v1::ListStreamsRequest* request,
      aws::dynamodbstreams::v1::ListStreamsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeStream(
      grpc::CallbackServerContext* context,
      const aws::dynamodbstreams::v1::DescribeStreamRequest* request,
      aws::dynamodbstreams::v1::DescribeStreamResponse* response) override;
  grpc::ServerUnaryReactor* GetShardIterator(
      grpc::CallbackServerContext* context,
      const aws::dynamodbstreams::v1::GetShardIteratorRequest* request,
      aws::dynamodbstreams::v1::GetShardIteratorResponse* response) override;
  grpc::ServerUnaryReactor* GetRecords(
      grpc::CallbackServerContext* context,
      const aws::dynamodbstreams::v1::GetRecordsRequest* request,
      aws::dynamodbstreams::v1::GetRecordsResponse* response) override;

  // Raw methods: the engine writes each event as bytes, so that a batch
  // going to many subscribers is serialized once (subscription_engine.h).
  // The request is parsed here.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscribeToShard(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscribeToStream(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) override;

 private:
  std::shared_ptr<backends::DynamoDbStreamsBackend> backend_;
  // The backend's operation chain, which the unary handlers call.
  std::shared_ptr<backends::OperationInvoker> chain_;
  HandlerContext handler_;
  SubscriptionEngine* engine_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_DYNAMODB_STREAMS_SERVICE_H_
