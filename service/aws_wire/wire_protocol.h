#ifndef AWSFACADE_SERVICE_AWS_WIRE_WIRE_PROTOCOL_H_
#define AWSFACADE_SERVICE_AWS_WIRE_WIRE_PROTOCOL_H_

// The server side of the three AWS wire protocols (docs/aws-wire-endpoint.md):
// which operation an HTTP request calls, the AWS JSON of its input, and the
// HTTP answers AWS gives, success and error. Pure functions over plain
// structs: no sockets, no gRPC calls (aws_wire_handler.h makes the call).
//
// The operation tables are the AWS backend's (backends/aws/protocols.h): the
// same table that builds a request in the client direction routes it here.
//
//   awsJson 1.0/1.1  `POST /` with `X-Amz-Target: <prefix>.<Operation>`:
//                    DynamoDB_20120810, DynamoDBStreams_20120810 (1.0) and
//                    AmazonPersonalize (1.1). The body is the input object.
//   restJson1        Cognito Sync: method and URI template per operation;
//                    labels, query parameters and headers are folded into the
//                    input object next to the JSON body members.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/aws/protocols.h"
#include "backends/aws/sigv4_signer.h"

namespace awsfacade::service::aws_wire {

// One HTTP request as the endpoint received it.
struct WireRequest {
  std::string method;  // "POST"
  std::string path;    // as sent: percent-encoded, without the query
  std::string query;   // as sent, without '?'; empty when none
  backends::aws::HttpHeaders headers;
  std::string body;
  // Who sent it, in gRPC's peer form without the port ("ipv4:10.0.0.7",
  // "ipv6:[::1]"); empty when unknown.
  std::string peer;
};

// One HTTP answer. Content-Length is added by the HTTP layer.
struct WireResponse {
  int status = 200;
  backends::aws::HttpHeaders headers;
  std::string body;
};

// The operation a request calls and its input as AWS JSON.
struct RoutedCall {
  const backends::aws::ServiceSpec* service = nullptr;
  const backends::aws::OperationSpec* operation = nullptr;
  std::string input_json;
};

// Finds the operation: X-Amz-Target for the awsJson services, method and
// path for Cognito Sync. Errors are AWS errors (backends/common/aws_error.h):
//   UnknownOperationException  an X-Amz-Target no service of ours has, or a
//                              method and path no Cognito Sync operation has;
//   SerializationException     a body that is not a JSON object (restJson1
//                              with bound members; awsJson bodies are read by
//                              the codec later, with the same error);
//   InvalidParameterException  a Cognito Sync label, query parameter or
//                              header whose text is not of the member's type.
// `service_hint` receives the service as soon as it is known (even when the
// operation is not), so an error can be written in its protocol.
absl::StatusOr<RoutedCall> Route(const WireRequest& request,
                                 const backends::aws::ServiceSpec** service_hint);

// The HTTP status of AWS error `name` in `protocol`: Cognito Sync's from its
// model (NotAuthorizedException 403, ResourceNotFoundException 404, ...);
// for the awsJson services 400 except the server faults (InternalServerError,
// InternalFailure: 500; ServiceUnavailable: 503). Either way
// RequestEntityTooLargeException is 413.
int HttpStatusFor(backends::aws::Protocol protocol, absl::string_view name);

// The error answer as `service` writes it (null: an awsJson 1.0 answer that
// also carries x-amzn-ErrorType, for requests no service claims).
//   awsJson:   {"__type": "<namespace>#<name>", "message": "..."}
//              (DynamoDB and DynamoDB Streams use the namespace
//              com.amazonaws.dynamodb.v20120810; Personalize none);
//   restJson1: header x-amzn-ErrorType: <name>, body {"message": "..."}.
// `shape_json`, when not empty, is a JSON object of the error shape's other
// members (DynamoDB's CancellationReasons, ConditionalCheckFailedException's
// Item), written into the body beside them, as AWS does.
// Adds Content-Type, x-amzn-RequestId and, for DynamoDB, x-amz-crc32.
WireResponse ErrorResponse(const backends::aws::ServiceSpec* service, absl::string_view name,
                           absl::string_view message, absl::string_view request_id,
                           absl::string_view shape_json = {});

// A success answer with `json` as the body.
WireResponse SuccessResponse(const backends::aws::ServiceSpec& service, std::string json,
                             absl::string_view request_id);

// A fresh request id as `service` writes them: DynamoDB's 52 characters of
// [A-Z0-9], a UUID for the others.
std::string NewRequestId(const backends::aws::ServiceSpec* service);

// The CRC-32 (IEEE, zlib's) of `body` in decimal, as DynamoDB's x-amz-crc32.
std::string Crc32Text(absl::string_view body);

}  // namespace awsfacade::service::aws_wire

#endif  // AWSFACADE_SERVICE_AWS_WIRE_WIRE_PROTOCOL_H_
