#ifndef AWSFACADE_SERVICE_REQUEST_PARSING_H_
#define AWSFACADE_SERVICE_REQUEST_PARSING_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/support/byte_buffer.h"

namespace awsfacade::service {

// How deep a request may nest messages (protobuf's own default is 100). An
// AttributeValue map costs three message levels per DynamoDB level and a list
// two, so 256 lets items of 80+ levels through to the backend, which refuses
// anything past DynamoDB's 32 with its own ValidationException; deeper still
// is refused here, before the parser's recursion could exhaust a stack.
inline constexpr int kMaxRequestNesting = 256;

// Returns a service that serves `service`'s methods (those of `descriptor`,
// a generated callback service) under the same names, but parses each
// request itself: with kMaxRequestNesting as the recursion limit, and a
// request that cannot be parsed (invalid UTF-8 in a string, malformed wire
// data, nesting past the limit, no message at all) is answered
// INVALID_ARGUMENT, ErrorInfo reason "SerializationException" (AWS's name for
// a body it cannot read), with a message saying what failed and where:
//   request could not be parsed as aws.dynamodb.v1.PutItemRequest: invalid
//   UTF-8 in string field aws.dynamodb.v1.AttributeValue.s (at
//   Item.value.S)
// gRPC 1.51 itself drops a parse failure's status and answers UNIMPLEMENTED
// with an empty message, like an unknown method.
//
// `service_name` is the full name of the service `service` implements; the
// returned service owns `service`. Only unary and server-streaming methods
// parse a request up front (any other is served exactly as before), and a
// service whose descriptor is not compiled in, or that is not entirely on
// the callback API, is returned unchanged.
// Methods on the raw callback API (a ByteBuffer request) are served as
// they are and parse their request with ParseRequest.
std::unique_ptr<grpc::Service> WithStrictParsing(std::unique_ptr<grpc::Service> service,
                                                 absl::string_view service_name);

// Parses `buffer` into `message` as WithStrictParsing does (the nesting
// limit, UTF-8 in strings); InvalidArgument (SerializationException)
// saying what failed and where.
absl::Status ParseRequest(grpc::ByteBuffer& buffer, google::protobuf::Message& message);

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_REQUEST_PARSING_H_
