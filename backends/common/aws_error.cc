#include "backends/common/aws_error.h"

#include <array>
#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/common/redaction.h"

namespace awsfacade::backends {
namespace {

using C = absl::StatusCode;

// Listed in docs/aws-semantics.md §8.1. Names are case-sensitive, as on the wire.
constexpr std::array<AwsErrorSpec, 37> kAwsErrors = {{
    // Shared by all services.
    {"ResourceNotFoundException", C::kNotFound, false},
    {"LimitExceededException", C::kResourceExhausted, false},
    {"ValidationException", C::kInvalidArgument, false},
    {"SerializationException", C::kInvalidArgument, false},
    {"ThrottlingException", C::kResourceExhausted, true},
    {"ProvisionedThroughputExceededException", C::kResourceExhausted, true},
    {"RequestLimitExceeded", C::kResourceExhausted, true},
    {"AccessDeniedException", C::kPermissionDenied, false},
    {"UnrecognizedClientException", C::kUnauthenticated, false},
    {"InvalidSignatureException", C::kUnauthenticated, false},
    {"IncompleteSignature", C::kUnauthenticated, false},
    {"MissingAuthenticationToken", C::kUnauthenticated, false},
    {"InvalidClientTokenId", C::kUnauthenticated, false},
    {"ExpiredTokenException", C::kUnauthenticated, false},
    {"RequestExpired", C::kUnauthenticated, false},
    {"InternalFailure", C::kInternal, false},
    {"ServiceUnavailable", C::kUnavailable, false},
    // DynamoDB Streams and DynamoDB.
    {"TrimmedDataAccessException", C::kOutOfRange, false},
    {"ExpiredIteratorException", C::kFailedPrecondition, false},
    {"InternalServerError", C::kInternal, false},
    {"ConditionalCheckFailedException", C::kFailedPrecondition, false},
    {"TransactionConflictException", C::kAborted, false},
    {"ItemCollectionSizeLimitExceededException", C::kResourceExhausted, false},
    // Cognito Sync.
    {"InvalidParameterException", C::kInvalidArgument, false},
    {"NotAuthorizedException", C::kPermissionDenied, false},
    {"ResourceConflictException", C::kAborted, false},
    {"TooManyRequestsException", C::kResourceExhausted, true},
    {"LambdaThrottledException", C::kResourceExhausted, true},
    {"InvalidLambdaFunctionOutputException", C::kFailedPrecondition, false},
    {"InternalErrorException", C::kInternal, false},
    {"ConcurrentModificationException", C::kAborted, false},
    // Personalize (ResourceInUse also DynamoDB's table-state error).
    {"InvalidInputException", C::kInvalidArgument, false},
    {"InvalidNextTokenException", C::kInvalidArgument, false},
    {"ResourceAlreadyExistsException", C::kAlreadyExists, false},
    {"ResourceInUseException", C::kFailedPrecondition, false},
    {"TooManyTagsException", C::kInvalidArgument, false},
    // The facade's own consumer groups (docs/consumer-groups.md): a lease
    // write by a member that no longer holds the lease, e.g. a zombie's
    // checkpoint. Not retryable as is, like ConditionalCheckFailedException.
    {"LeaseLostException", C::kFailedPrecondition, false},
}};

constexpr char kNameUrl[] = "type.awsfacade.dev/aws-error-name";
constexpr char kFieldUrl[] = "type.awsfacade.dev/aws-error-field";
constexpr char kRequestIdUrl[] = "type.awsfacade.dev/aws-request-id";
constexpr char kRetryDelayUrl[] = "type.awsfacade.dev/retry-delay-ms";
constexpr absl::string_view kMetadataUrlPrefix = "type.awsfacade.dev/metadata/";

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
    out.SetPayload(url, absl::Cord(RedactCredentials(std::string(value), secrets)));
  });
  return out;
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
