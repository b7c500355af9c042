#ifndef AWSFACADE_SERVICE_AWS_WIRE_AWS_WIRE_SERVER_H_
#define AWSFACADE_SERVICE_AWS_WIRE_AWS_WIRE_SERVER_H_

// --aws_listen: an HTTP/1.1 endpoint speaking the AWS services' own wire
// protocols, so boto3, the AWS CLI and the AWS SDKs reach the facade with
// nothing but an endpoint URL (docs/aws-wire-endpoint.md). civetweb (Debian's
// libcivetweb, also under the metrics endpoint) serves HTTP with keep-alive;
// each request is handed to an AwsWireHandler on the worker thread that read
// it.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "service/aws_wire/aws_wire_handler.h"

struct mg_context;
struct mg_connection;

namespace awsfacade::service::aws_wire {

struct AwsWireOptions {
  // HOST:PORT (port 0 picks one). Empty: no endpoint.
  std::string listen;
  AwsWireHandlerOptions handler;
  // HTTP worker threads: each serves one connection at a time, including
  // the idle time of a kept-alive connection (up to keep_alive_timeout).
  int threads = 64;
  absl::Duration keep_alive_timeout = absl::Seconds(10);
  // Largest request body. Larger: 413 RequestEntityTooLargeException, and
  // the connection is closed (the body is not read).
  int64_t max_body_bytes = 16 << 20;
};

class AwsWireServer {
 public:
  // Starts serving. InvalidArgument for a bad address or option,
  // Unavailable when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<AwsWireServer>> Start(
      const AwsWireOptions& options, std::shared_ptr<grpc::Channel> channel);
  ~AwsWireServer();

  int port() const { return port_; }
  // Stops accepting and waits for the workers (each finishes its request).
  // Idempotent. Call before the gRPC server behind the channel shuts down.
  void Shutdown();

 private:
  AwsWireServer(const AwsWireOptions& options, std::shared_ptr<grpc::Channel> channel);
  static int BeginRequest(mg_connection* connection);
  int Serve(mg_connection* connection);

  const int64_t max_body_bytes_;
  AwsWireHandler handler_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace awsfacade::service::aws_wire

#endif  // AWSFACADE_SERVICE_AWS_WIRE_AWS_WIRE_SERVER_H_
