#ifndef AWSFACADE_BACKENDS_COMMON_AWS_ERROR_H_
#define AWSFACADE_BACKENDS_COMMON_AWS_ERROR_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace awsfacade::backends {

// How one AWS error name maps onto gRPC (docs/aws-semantics.md §8.1). This table is
// the only place that decides a status code for an AWS error.
struct AwsErrorSpec {
  absl::string_view name;  // e.g. "ResourceNotFoundException"
  absl::StatusCode code;   // absl codes are numerically gRPC codes
  bool throttling;         // a rate limit: carries google.rpc.RetryInfo
};

// The spec for `name`, or nullptr for a name the table does not know
// (such errors map to UNKNOWN and keep their name).
const AwsErrorSpec* FindAwsErrorSpec(absl::string_view name);

// Every entry of the table, for tests and documentation.
absl::Span<const AwsErrorSpec> AllAwsErrorSpecs();

// Builds the status for an AWS error: the code from the table, the message,
// and the AWS name (plus the field at fault, when there is one) as payloads
// that survive until service/ turns them into google.rpc.ErrorInfo.
absl::Status AwsError(absl::string_view name, absl::string_view message,
                      absl::string_view field = {});

// Reads back what AwsError stored. Empty for a status not made by AwsError.
std::optional<std::string> AwsErrorName(const absl::Status& status);
std::optional<std::string> AwsErrorField(const absl::Status& status);

// The AWS request id of a real-AWS error, when the backend knows it.
void SetAwsRequestId(absl::Status& status, absl::string_view request_id);
std::optional<std::string> AwsRequestId(const absl::Status& status);

// Extra facts for google.rpc.ErrorInfo.metadata (e.g. "trimHorizon").
void SetErrorMetadata(absl::Status& status, absl::string_view key, absl::string_view value);
// Every (key, value) set by SetErrorMetadata.
std::vector<std::pair<std::string, std::string>> ErrorMetadata(const absl::Status& status);

// `status` with RedactCredentials (backends/common/redaction.h) applied to
// its message and to every payload (the AWS error name, the request id,
// ErrorInfo metadata): for an error whose text came from a remote party,
// which may quote the request it was sent (AWS signature errors quote the
// canonical request and string to sign). The code and the error name's
// meaning stay, so the status still says what went wrong.
absl::Status RedactedStatus(const absl::Status& status, absl::Span<const std::string> secrets);

// The members of an AWS error shape beyond its message, for the errors that
// have some (DynamoDB's TransactionCanceledException and its
// CancellationReasons, ConditionalCheckFailedException's Item): a serialized
// proto message whose type is named after the shape
// ("aws.dynamodb.v1.TransactionCanceledException"). service/ adds it to the
// google.rpc.Status details as an Any; the AWS wire endpoint writes its
// members into the error body; the AWS backend reads them back from AWS's.
struct ErrorShape {
  std::string type_name;  // full proto type name
  std::string value;      // the serialized message
};
void SetErrorShape(absl::Status& status, ErrorShape shape);
std::optional<ErrorShape> GetErrorShape(const absl::Status& status);

// A suggested retry delay for throttling errors (google.rpc.RetryInfo).
void SetRetryDelay(absl::Status& status, absl::Duration delay);
std::optional<absl::Duration> RetryDelay(const absl::Status& status);

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_AWS_ERROR_H_
