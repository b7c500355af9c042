#ifndef AWSFACADE_CLIENT_INTERNAL_CONNECTION_IMPL_H_
#define AWSFACADE_CLIENT_INTERNAL_CONNECTION_IMPL_H_

// The implementation side of one service's connection, written once for all
// four: the gRPC layer, the retry decorator, and the factories (for
// <service>_connection.cc only).
//
//   AWSFACADE_CLIENT_DEFINE_CONNECTION(DynamoDbStreams, AWSFACADE_DYNAMO_DB_STREAMS,
//                                      ::aws::dynamodbstreams::v1::DynamoDbStreamsService)
//
// expands the service's X-macro lists <PREFIX>_UNARY_RPCS, _STREAMING_RPCS
// and _SUBSCRIPTION_RPCS.

#include <memory>
#include <utility>

#include "client/internal/call_context.h"
#include "client/internal/rpc_macros.h"

#define AWSFACADE_CLIENT_DEFINE_CONNECTION(Service, PREFIX, GrpcService)                          \
  namespace awsfacade::client {                                                                   \
  namespace internal {                                                                            \
  namespace {                                                                                     \
  class Service##GrpcConnection final : public Service##Connection {                              \
   public:                                                                                        \
    using Stub = GrpcService::Stub;                                                               \
    explicit Service##GrpcConnection(ConnectionOptions options)                                   \
        : options_(std::move(options)), stub_(std::make_shared<Stub>(MakeChannel(options_))) {}   \
    PREFIX##_UNARY_RPCS(AWSFACADE_CLIENT_GRPC_UNARY) PREFIX                                       \
        ##_STREAMING_RPCS(AWSFACADE_CLIENT_GRPC_STREAMING) PREFIX                                 \
        ##_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_GRPC_STREAMING)                                     \
                                                                                                  \
            private : ConnectionOptions options_;                                                 \
    std::shared_ptr<Stub> stub_;                                                                  \
  };                                                                                              \
  class Service##RetryConnection final : public Service##Connection {                             \
   public:                                                                                        \
    Service##RetryConnection(std::shared_ptr<Service##Connection> child,                          \
                             ConnectionOptions options)                                           \
        : child_(std::move(child)), options_(std::move(options)) {}                               \
    PREFIX##_UNARY_RPCS(AWSFACADE_CLIENT_RETRY_UNARY) PREFIX                                      \
        ##_STREAMING_RPCS(AWSFACADE_CLIENT_PASSTHROUGH_STREAMING) PREFIX                          \
        ##_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_RESUMING_STREAMING)                                 \
                                                                                                  \
            private : std::shared_ptr<Service##Connection> child_;                                \
    ConnectionOptions options_;                                                                   \
  };                                                                                              \
  }                                                                                               \
  std::shared_ptr<Service##Connection> Make##Service##GrpcConnection(ConnectionOptions options) { \
    return std::make_shared<Service##GrpcConnection>(std::move(options));                         \
  }                                                                                               \
  std::shared_ptr<Service##Connection> Make##Service##RetryConnection(                            \
      std::shared_ptr<Service##Connection> child, ConnectionOptions options) {                    \
    return std::make_shared<Service##RetryConnection>(std::move(child), std::move(options));      \
  }                                                                                               \
  }                                                                                               \
  std::shared_ptr<Service##Connection> Make##Service##Connection(ConnectionOptions options) {     \
    return internal::Make##Service##RetryConnection(                                              \
        internal::Make##Service##GrpcConnection(options), options);                               \
  }                                                                                               \
  }

#endif  // AWSFACADE_CLIENT_INTERNAL_CONNECTION_IMPL_H_
