#ifndef AWSFACADE_CLIENT_STATUS_H_
#define AWSFACADE_CLIENT_STATUS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::client {

// Every call of this library fails with an absl::Status whose code is the
// gRPC code. The server's google.rpc.Status (grpc-status-details-bin) travels
// as a payload, so the AWS error behind it stays readable:
//
//   if (AwsErrorName(status) == "ExpiredIteratorException") ...

// Payload URLs (absl::Status::GetPayload) used by this library.
inline constexpr absl::string_view kStatusDetailsPayloadUrl =
    "type.googleapis.com/google.rpc.Status";
inline constexpr absl::string_view kContinuationTokenPayloadUrl = "awsfacade-continuation-token";
// Trailing metadata key with a subscription's final continuation token.
inline constexpr absl::string_view kContinuationTokenTrailer = "awsfacade-continuation-token";

// The one place a gRPC status becomes an absl::Status: code and message as
// sent, details and the continuation-token trailer (if any) as payloads.
absl::Status FromGrpcStatus(const grpc::Status& status,
                            const std::multimap<grpc::string_ref, grpc::string_ref>& trailers = {});

// The server's google.rpc.Status details, when it sent any.
std::optional<google::rpc::Status> StatusDetails(const absl::Status& status);
// The google.rpc.ErrorInfo among them (reason = AWS error name).
std::optional<google::rpc::ErrorInfo> ErrorInfo(const absl::Status& status);
// The AWS error name, e.g. "ResourceNotFoundException".
std::optional<std::string> AwsErrorName(const absl::Status& status);
// The message without the "<AwsErrorName>: " prefix the server adds.
std::string AwsErrorMessage(const absl::Status& status);
// The server's google.rpc.RetryInfo delay, when it suggested one.
std::optional<absl::Duration> RetryDelay(const absl::Status& status);
// The final continuation token a subscription's trailers carried.
std::optional<std::string> ContinuationToken(const absl::Status& status);

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_STATUS_H_
