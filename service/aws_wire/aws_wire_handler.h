#ifndef AWSFACADE_SERVICE_AWS_WIRE_AWS_WIRE_HANDLER_H_
#define AWSFACADE_SERVICE_AWS_WIRE_AWS_WIRE_HANDLER_H_

// One AWS wire request in, one AWS wire answer out, by way of the server's
// own gRPC API: the request is routed (wire_protocol.h), its signature
// checked when asked (signature_check.h), its AWS JSON read into the
// operation's request message (backends/aws/json_codec.h), and the message
// sent over an in-process channel to the gRPC method of the same name. So
// authorization, validation, metrics, logs, fault injection and journaling
// are exactly those of a gRPC call. The answer goes back the same way:
// response message -> AWS JSON, or the gRPC status (its
// google.rpc.ErrorInfo.reason is the AWS error name) -> the AWS error shape.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "backends/aws/sigv4_signer.h"
#include "backends/common/clock.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/status.h"
#include "service/aws_wire/wire_protocol.h"

namespace awsfacade::service::aws_wire {

struct AwsWireHandlerOptions {
  // The region the simulator serves (its ARNs'); signatures must be scoped to
  // it when they are verified.
  std::string region = "us-east-1";
  // Verify SigV4 signatures against `keys`; false: any credentials, or none,
  // are accepted, as emulators do.
  bool verify_signatures = false;
  std::vector<backends::aws::Credentials> keys;
  // The wall clock a request's X-Amz-Date is held against when signatures
  // are verified (never the simulator's clock: clients sign with real time).
  std::shared_ptr<const backends::Clock> clock = std::make_shared<backends::SystemClock>();
  // Deadline of the gRPC call behind one request.
  absl::Duration call_timeout = absl::Seconds(60);
};

// The AWS error a gRPC status stands for: ErrorInfo.reason when the status
// carries one, else a name by code in the service's vocabulary (e.g.
// INVALID_ARGUMENT: ValidationException for DynamoDB, InvalidInputException
// for Personalize, InvalidParameterException for Cognito Sync). The message
// is the status message without the "<name>: " the facade puts first.
struct AwsErrorText {
  std::string name;
  std::string message;
  // The error shape's other members as a JSON object (e.g. DynamoDB's
  // CancellationReasons), from an aws.* detail of the status; empty if none.
  std::string shape_json;
};
AwsErrorText AwsErrorFromGrpc(const grpc::Status& status,
                              const backends::aws::ServiceSpec& service);

class AwsWireHandler {
 public:
  // `channel` reaches the server's gRPC services (FacadeServer's
  // in-process channel).
  AwsWireHandler(AwsWireHandlerOptions options, std::shared_ptr<grpc::Channel> channel);

  // Blocks the calling thread (an HTTP worker) until the gRPC call ends.
  // Never fails: every error is an AWS error answer.
  WireResponse Handle(const WireRequest& request);

 private:
  const AwsWireHandlerOptions options_;
  grpc::GenericStub stub_;
};

}  // namespace awsfacade::service::aws_wire

#endif  // AWSFACADE_SERVICE_AWS_WIRE_AWS_WIRE_HANDLER_H_
