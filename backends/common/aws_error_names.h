#ifndef AWSFACADE_BACKENDS_COMMON_AWS_ERROR_NAMES_H_
#define AWSFACADE_BACKENDS_COMMON_AWS_ERROR_NAMES_H_

// The AWS error names the facade knows, one constant each, as they travel on
// the wire (case-sensitive) and in google.rpc.ErrorInfo.reason. The table of
// aws_error.cc maps each to its gRPC code (docs/aws-semantics.md §8.1); code
// that makes or tests for an AWS error names it through these, so a typo is a
// compile error. The table is written with these constants, and
// tests/backends/common/aws_error_test.cc checks it row by row.

namespace awsfacade::backends::aws_errors {

// Shared by all services.
inline constexpr char kResourceNotFound[] = "ResourceNotFoundException";
inline constexpr char kLimitExceeded[] = "LimitExceededException";
inline constexpr char kValidation[] = "ValidationException";
inline constexpr char kSerialization[] = "SerializationException";
inline constexpr char kThrottling[] = "ThrottlingException";
inline constexpr char kProvisionedThroughputExceeded[] = "ProvisionedThroughputExceededException";
inline constexpr char kRequestLimitExceeded[] = "RequestLimitExceeded";
inline constexpr char kAccessDenied[] = "AccessDeniedException";
inline constexpr char kUnrecognizedClient[] = "UnrecognizedClientException";
inline constexpr char kInvalidSignature[] = "InvalidSignatureException";
inline constexpr char kIncompleteSignature[] = "IncompleteSignature";
inline constexpr char kMissingAuthenticationToken[] = "MissingAuthenticationToken";
inline constexpr char kInvalidClientTokenId[] = "InvalidClientTokenId";
inline constexpr char kExpiredToken[] = "ExpiredTokenException";
inline constexpr char kRequestExpired[] = "RequestExpired";
inline constexpr char kInternalFailure[] = "InternalFailure";
inline constexpr char kServiceUnavailable[] = "ServiceUnavailable";
// DynamoDB Streams and DynamoDB.
inline constexpr char kTrimmedDataAccess[] = "TrimmedDataAccessException";
inline constexpr char kExpiredIterator[] = "ExpiredIteratorException";
inline constexpr char kInternalServerError[] = "InternalServerError";
inline constexpr char kConditionalCheckFailed[] = "ConditionalCheckFailedException";
inline constexpr char kTransactionConflict[] = "TransactionConflictException";
inline constexpr char kTransactionCanceled[] = "TransactionCanceledException";
inline constexpr char kTransactionInProgress[] = "TransactionInProgressException";
inline constexpr char kIdempotentParameterMismatch[] = "IdempotentParameterMismatchException";
inline constexpr char kItemCollectionSizeLimitExceeded[] =
    "ItemCollectionSizeLimitExceededException";
// Cognito Sync.
inline constexpr char kInvalidParameter[] = "InvalidParameterException";
inline constexpr char kNotAuthorized[] = "NotAuthorizedException";
inline constexpr char kResourceConflict[] = "ResourceConflictException";
inline constexpr char kTooManyRequests[] = "TooManyRequestsException";
inline constexpr char kLambdaThrottled[] = "LambdaThrottledException";
inline constexpr char kInvalidLambdaFunctionOutput[] = "InvalidLambdaFunctionOutputException";
inline constexpr char kInternalError[] = "InternalErrorException";
inline constexpr char kConcurrentModification[] = "ConcurrentModificationException";
// Personalize (ResourceInUse also DynamoDB's table-state error).
inline constexpr char kInvalidInput[] = "InvalidInputException";
inline constexpr char kInvalidNextToken[] = "InvalidNextTokenException";
inline constexpr char kResourceAlreadyExists[] = "ResourceAlreadyExistsException";
inline constexpr char kResourceInUse[] = "ResourceInUseException";
inline constexpr char kTooManyTags[] = "TooManyTagsException";
// The facade's own consumer groups (docs/consumer-groups.md).
inline constexpr char kLeaseLost[] = "LeaseLostException";

}  // namespace awsfacade::backends::aws_errors

#endif  // AWSFACADE_BACKENDS_COMMON_AWS_ERROR_NAMES_H_
