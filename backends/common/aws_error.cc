#include "backends/common/aws_error.h"

#include <array>
#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/common/aws_error_names.h"
#include "backends/common/redaction.h"

namespace awsfacade::backends {
namespace {

using C = absl::StatusCode;
namespace E = aws_errors;

// Listed in docs/aws-semantics.md §8.1. Names are case-sensitive, as on the wire.
constexpr std::array<AwsErrorSpec, 40> kAwsErrors = {{
    // Shared by all services.
    {E::kResourceNotFound, C::kNotFound, false},
    {E::kLimitExceeded, C::kResourceExhausted, false},
    {E::kValidation, C::kInvalidArgument, false},
    {E::kSerialization, C::kInvalidArgument, false},
    {E::kThrottling, C::kResourceExhausted, true},
    {E::kProvisionedThroughputExceeded, C::kResourceExhausted, true},
    {E::kRequestLimitExceeded, C::kResourceExhausted, true},
    {E::kAccessDenied, C::kPermissionDenied, false},
    {E::kUnrecognizedClient, C::kUnauthenticated, false},
    {E::kInvalidSignature, C::kUnauthenticated, false},
    {E::kIncompleteSignature, C::kUnauthenticated, false},
    {E::kMissingAuthenticationToken, C::kUnauthenticated, false},
    {E::kInvalidClientTokenId, C::kUnauthenticated, false},
    {E::kExpiredToken, C::kUnauthenticated, false},
    {E::kRequestExpired, C::kUnauthenticated, false},
    {E::kInternalFailure, C::kInternal, false},
    {E::kServiceUnavailable, C::kUnavailable, false},
    // DynamoDB Streams and DynamoDB.
    {E::kTrimmedDataAccess, C::kOutOfRange, false},
    {E::kExpiredIterator, C::kFailedPrecondition, false},
    {E::kInternalServerError, C::kInternal, false},
    {E::kConditionalCheckFailed, C::kFailedPrecondition, false},
    {E::kTransactionConflict, C::kAborted, false},
    {E::kTransactionCanceled, C::kAborted, false},
    {E::kTransactionInProgress, C::kAborted, false},
    {E::kIdempotentParameterMismatch, C::kInvalidArgument, false},
    {E::kItemCollectionSizeLimitExceeded, C::kResourceExhausted, false},
    // Cognito Sync.
    {E::kInvalidParameter, C::kInvalidArgument, false},
    {E::kNotAuthorized, C::kPermissionDenied, false},
    {E::kResourceConflict, C::kAborted, false},
    {E::kTooManyRequests, C::kResourceExhausted, true},
    {E::kLambdaThrottled, C::kResourceExhausted, true},
    {E::kInvalidLambdaFunctionOutput, C::kFailedPrecondition, false},
    {E::kInternalError, C::kInternal, false},
    {E::kConcurrentModification, C::kAborted, false},
    // Personalize (ResourceInUse also DynamoDB's table-state error).
    {E::kInvalidInput, C::kInvalidArgument, false},
    {E::kInvalidNextToken, C::kInvalidArgument, false},
    {E::kResourceAlreadyExists, C::kAlreadyExists, false},
    {E::kResourceInUse, C::kFailedPrecondition, false},
    {E::kTooManyTags, C::kInvalidArgument, false},
    // The facade's own consumer groups (docs/consumer-groups.md): a lease
    // write by a member that no longer holds the lease, e.g. a zombie's
    // checkpoint. Not retryable as is, like ConditionalCheckFailedException.
    {E::kLeaseLost, C::kFailedPrecondition, false},
}};

constexpr char kNameUrl[] = "type.awsfacade.dev/aws-error-name";
constexpr char kFieldUrl[] = "type.awsfacade.dev/aws-error-field";
constexpr char kRequestIdUrl[] = "type.awsfacade.dev/aws-request-id";
constexpr char kRetryDelayUrl[] = "type.awsfacade.dev/retry-delay-ms";
constexpr absl::string_view kMetadataUrlPrefix = "type.awsfacade.dev/metadata/";
constexpr char kErrorShapeTypeUrl[] = "type.awsfacade.dev/error-shape-type";
constexpr char kErrorShapeUrl[] = "type.awsfacade.dev/error-shape";

std::optional<std::string> Payload(const absl::Status& status, absl::string_view url) {
  auto p = status.GetPayload(url);
  if (!p) return std::nullopt;
  return std::string(*p);
}

}  // namespace

const AwsErrorSpec* FindAwsErrorSpec(absl::string_view name) {
  for (const auto& spec : kAwsErrors) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

absl::Span<const AwsErrorSpec> AllAwsErrorSpecs() { return kAwsErrors; }

absl::Status AwsError(absl::string_view name, absl::string_view message, absl::string_view field) {
  const AwsErrorSpec* spec = FindAwsErrorSpec(name);
  absl::Status status(spec ? spec->code : absl::StatusCode::kUnknown, message);
  status.SetPayload(kNameUrl, absl::Cord(name));
  if (!field.empty()) status.SetPayload(kFieldUrl, absl::Cord(field));
  return status;
}

std::optional<std::string> AwsErrorName(const absl::Status& status) {
  return Payload(status, kNameUrl);
}

std::optional<std::string> AwsErrorField(const absl::Status& status) {
  return Payload(status, kFieldUrl);
}

void SetAwsRequestId(absl::Status& status, absl::string_view request_id) {
  if (!status.ok()) status.SetPayload(kRequestIdUrl, absl::Cord(request_id));
}

std::optional<std::string> AwsRequestId(const absl::Status& status) {
  return Payload(status, kRequestIdUrl);
}

void SetErrorMetadata(absl::Status& status, absl::string_view key, absl::string_view value) {
  if (!status.ok()) status.SetPayload(absl::StrCat(kMetadataUrlPrefix, key), absl::Cord(value));
}

std::vector<std::pair<std::string, std::string>> ErrorMetadata(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& value) {
    if (absl::StartsWith(url, kMetadataUrlPrefix)) {
      out.emplace_back(std::string(url.substr(kMetadataUrlPrefix.size())), std::string(value));
    }
  });
  return out;
}

absl::Status RedactedStatus(const absl::Status& status, absl::Span<const std::string> secrets) {
  if (status.ok()) return status;
  absl::Status out(status.code(), RedactCredentials(status.message(), secrets));
  status.ForEachPayload([&out, secrets](absl::string_view url, const absl::Cord& value) {
    std::string original(value);
    std::string redacted = RedactCredentials(original, secrets);
    // A serialized error shape cannot be edited as text: it goes whole or
    // not at all.
    if (url == kErrorShapeUrl && redacted != original) return;
    out.SetPayload(url, absl::Cord(std::move(redacted)));
  });
  return out;
}

void SetErrorShape(absl::Status& status, ErrorShape shape) {
  if (status.ok()) return;
  status.SetPayload(kErrorShapeTypeUrl, absl::Cord(std::move(shape.type_name)));
  status.SetPayload(kErrorShapeUrl, absl::Cord(std::move(shape.value)));
}

std::optional<ErrorShape> GetErrorShape(const absl::Status& status) {
  auto type_name = Payload(status, kErrorShapeTypeUrl);
  auto value = Payload(status, kErrorShapeUrl);
  if (!type_name || !value) return std::nullopt;
  return ErrorShape{*std::move(type_name), *std::move(value)};
}

void SetRetryDelay(absl::Status& status, absl::Duration delay) {
  if (!status.ok()) {
    status.SetPayload(kRetryDelayUrl, absl::Cord(std::to_string(absl::ToInt64Milliseconds(delay))));
  }
}

std::optional<absl::Duration> RetryDelay(const absl::Status& status) {
  auto p = Payload(status, kRetryDelayUrl);
  int64_t ms = 0;
  if (!p || !absl::SimpleAtoi(*p, &ms)) return std::nullopt;
  return absl::Milliseconds(ms);
}

}  // namespace awsfacade::backends
