#ifndef AWSFACADE_TESTS_COMMON_STATUS_MATCHERS_H_
#define AWSFACADE_TESTS_COMMON_STATUS_MATCHERS_H_

// gMock matchers for absl::Status and absl::StatusOr<T>, shared by the tests:
//   EXPECT_THAT(sim.PutItem(request), IsOk());
//   EXPECT_THAT(CanonicalNumber("1E3"), IsOkAndHolds("1000"));
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound, HasSubstr("table")));
//   EXPECT_THAT(sim.GetItem(request), IsAwsError("ResourceNotFoundException"));
//   EXPECT_THAT(result, IsAwsError("ValidationException", HasSubstr("key")));
//   EXPECT_THAT(result, IsAwsErrorOnField("InvalidParameterException", "DatasetName"));
// Each takes a Status or a StatusOr and prints the status when it fails.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"

namespace awsfacade::testutil {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status;
  return status.ok();
}

// A StatusOr that is OK with a value matching `value_matcher` (a matcher or
// a plain value).
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  *result_listener << "holds " << ::testing::PrintToString(*arg) << " ";
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + ::testing::PrintToString(code) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status << " ";
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

// The AWS error `name` (google.rpc.ErrorInfo.reason), with the gRPC code the
// AWS error table maps it to (so a name missing from the table fails too).
MATCHER_P(IsAwsError, name, "fails with AWS error " + std::string(name)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status;
  const ::awsfacade::backends::AwsErrorSpec* spec = ::awsfacade::backends::FindAwsErrorSpec(name);
  return ::awsfacade::backends::AwsErrorName(status) == std::string(name) && spec != nullptr &&
         status.code() == spec->code;
}

// IsAwsError(name), and the message matches `message_matcher`.
MATCHER_P2(IsAwsError, name, message_matcher,
           "fails with AWS error " + std::string(name) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status << " ";
  const ::awsfacade::backends::AwsErrorSpec* spec = ::awsfacade::backends::FindAwsErrorSpec(name);
  return ::awsfacade::backends::AwsErrorName(status) == std::string(name) && spec != nullptr &&
         status.code() == spec->code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

// IsAwsError(name), naming `field` as the request member at fault.
MATCHER_P2(IsAwsErrorOnField, name, field,
           "fails with AWS error " + std::string(name) + " on field " + std::string(field)) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status << ", AWS field "
                   << ::awsfacade::backends::AwsErrorField(status).value_or("<none>");
  const ::awsfacade::backends::AwsErrorSpec* spec = ::awsfacade::backends::FindAwsErrorSpec(name);
  return ::awsfacade::backends::AwsErrorName(status) == std::string(name) && spec != nullptr &&
         status.code() == spec->code &&
         ::awsfacade::backends::AwsErrorField(status).value_or("") == std::string(field);
}

}  // namespace awsfacade::testutil

#endif  // AWSFACADE_TESTS_COMMON_STATUS_MATCHERS_H_
