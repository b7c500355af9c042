#include "backends/common/aws_error.h"

#include <algorithm>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends {
namespace {

using C = absl::StatusCode;

struct Row {
  const char* name;
  C code;
  bool throttling;
};

// The mapping of docs/aws-semantics.md §8.1, written out independently of the
// table in aws_error.cc: one row per entry, and the test fails if either
// side has an entry the other lacks.
const Row kExpected[] = {
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
    {"TrimmedDataAccessException", C::kOutOfRange, false},
    {"ExpiredIteratorException", C::kFailedPrecondition, false},
    {"InternalServerError", C::kInternal, false},
    {"ConditionalCheckFailedException", C::kFailedPrecondition, false},
    {"TransactionConflictException", C::kAborted, false},
    {"TransactionCanceledException", C::kAborted, false},
    {"TransactionInProgressException", C::kAborted, false},
    {"IdempotentParameterMismatchException", C::kInvalidArgument, false},
    {"ItemCollectionSizeLimitExceededException", C::kResourceExhausted, false},
    {"InvalidParameterException", C::kInvalidArgument, false},
    {"NotAuthorizedException", C::kPermissionDenied, false},
    {"ResourceConflictException", C::kAborted, false},
    {"TooManyRequestsException", C::kResourceExhausted, true},
    {"LambdaThrottledException", C::kResourceExhausted, true},
    {"InvalidLambdaFunctionOutputException", C::kFailedPrecondition, false},
    {"InternalErrorException", C::kInternal, false},
    {"ConcurrentModificationException", C::kAborted, false},
    {"InvalidInputException", C::kInvalidArgument, false},
    {"InvalidNextTokenException", C::kInvalidArgument, false},
    {"ResourceAlreadyExistsException", C::kAlreadyExists, false},
    {"ResourceInUseException", C::kFailedPrecondition, false},
    {"TooManyTagsException", C::kInvalidArgument, false},
    {"LeaseLostException", C::kFailedPrecondition, false},
};

class AwsErrorTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(AwsErrorTableTest, MapsToExpectedCode) {
  const Row& row = GetParam();
  const AwsErrorSpec* spec = FindAwsErrorSpec(row.name);
  ASSERT_NE(spec, nullptr) << row.name;
  EXPECT_EQ(spec->code, row.code) << row.name;
  EXPECT_EQ(spec->throttling, row.throttling) << row.name;
  absl::Status status = AwsError(row.name, "msg", "Field");
  EXPECT_EQ(status.code(), row.code);
  EXPECT_EQ(AwsErrorName(status), row.name);
  EXPECT_EQ(AwsErrorField(status), "Field");
}

INSTANTIATE_TEST_SUITE_P(AllEntries, AwsErrorTableTest, ::testing::ValuesIn(kExpected),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(AwsErrorTest, TableHasNoEntryWithoutATestRow) {
  std::set<std::string> expected;
  for (const auto& row : kExpected) expected.insert(row.name);
  for (const auto& spec : AllAwsErrorSpecs()) {
    EXPECT_TRUE(expected.count(std::string(spec.name))) << spec.name << " has no test row";
  }
  EXPECT_EQ(AllAwsErrorSpecs().size(), expected.size());
}

TEST(AwsErrorTest, UnknownNameIsUnknownAndKeepsName) {
  absl::Status status = AwsError("SomethingNewException", "new");
  EXPECT_EQ(status.code(), C::kUnknown);
  EXPECT_EQ(AwsErrorName(status), "SomethingNewException");
  EXPECT_EQ(AwsErrorField(status), std::nullopt);
}

TEST(AwsErrorTest, PlainStatusHasNoAwsName) {
  EXPECT_EQ(AwsErrorName(absl::InternalError("x")), std::nullopt);
}

TEST(AwsErrorTest, MetadataRoundTrips) {
  absl::Status status = AwsError("TrimmedDataAccessException", "gone");
  SetErrorMetadata(status, "trimHorizon", "12345");
  SetErrorMetadata(status, "shardId", "shardId-1");
  auto meta = ErrorMetadata(status);
  std::sort(meta.begin(), meta.end());
  ASSERT_EQ(meta.size(), 2u);
  EXPECT_EQ(meta[0], std::make_pair(std::string("shardId"), std::string("shardId-1")));
  EXPECT_EQ(meta[1], std::make_pair(std::string("trimHorizon"), std::string("12345")));
}

TEST(AwsErrorTest, RequestIdAndRetryDelayRoundTrip) {
  absl::Status status = AwsError("ThrottlingException", "slow down");
  SetAwsRequestId(status, "REQ123");
  SetRetryDelay(status, absl::Milliseconds(250));
  EXPECT_EQ(AwsRequestId(status), "REQ123");
  EXPECT_EQ(RetryDelay(status), absl::Milliseconds(250));
}

}  // namespace
}  // namespace awsfacade::backends
