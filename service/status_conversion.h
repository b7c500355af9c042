#ifndef AWSFACADE_SERVICE_STATUS_CONVERSION_H_
#define AWSFACADE_SERVICE_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace awsfacade::service {

// The one place an absl::Status from a backend becomes a grpc::Status.
// The code is kept; an AWS error (backends/common/aws_error.h) also gets
// google.rpc.Status details: ErrorInfo {reason: the AWS error name, domain:
// `domain` (the service's endpoint prefix), metadata: field, awsRequestId},
// a BadRequest field violation when a field is at fault, RetryInfo for
// throttling errors, and the AWS error shape's own members when it has some
// (backends::ErrorShape, e.g. aws.dynamodb.v1.TransactionCanceledException
// with its CancellationReasons) as an Any of that type.
grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view domain);

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_STATUS_CONVERSION_H_
