#include "service/aws_wire/aws_wire_handler.h"

#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace awsfacade::service::aws_wire {
namespace {

using backends::aws::CognitoSyncService;
using backends::aws::DynamoDbService;
using backends::aws::PersonalizeService;

// A status as the facade's handlers finish with (service/status_conversion.h).
grpc::Status FacadeStatus(grpc::StatusCode code, const std::string& name,
                          const std::string& message) {
  google::rpc::Status details;
  details.set_code(code);
  details.set_message(name + ": " + message);
  google::rpc::ErrorInfo info;
  info.set_reason(name);
  info.set_domain("dynamodb.amazonaws.com");
  details.add_details()->PackFrom(info);
  return grpc::Status(code, name + ": " + message, details.SerializeAsString());
}

TEST(AwsErrorFromGrpcTest, TheErrorInfoReasonIsTheAwsName) {
  const AwsErrorText error = AwsErrorFromGrpc(
      FacadeStatus(grpc::StatusCode::FAILED_PRECONDITION, "ConditionalCheckFailedException",
                   "The conditional request failed"),
      DynamoDbService());
  EXPECT_EQ(error.name, "ConditionalCheckFailedException");
  EXPECT_EQ(error.message, "The conditional request failed");  // without the "<name>: " lead
}

TEST(AwsErrorFromGrpcTest, WithoutErrorInfoTheCodeNamesTheErrorInTheServicesWords) {
  const grpc::Status invalid(grpc::StatusCode::INVALID_ARGUMENT, "bad request");
  EXPECT_EQ(AwsErrorFromGrpc(invalid, DynamoDbService()).name, "ValidationException");
  EXPECT_EQ(AwsErrorFromGrpc(invalid, PersonalizeService()).name, "InvalidInputException");
  EXPECT_EQ(AwsErrorFromGrpc(invalid, CognitoSyncService()).name, "InvalidParameterException");
  EXPECT_EQ(AwsErrorFromGrpc(invalid, DynamoDbService()).message, "bad request");
  const grpc::Status internal(grpc::StatusCode::INTERNAL, "oops");
  EXPECT_EQ(AwsErrorFromGrpc(internal, DynamoDbService()).name, "InternalServerError");
  EXPECT_EQ(AwsErrorFromGrpc(internal, PersonalizeService()).name, "InternalFailure");
  EXPECT_EQ(AwsErrorFromGrpc(internal, CognitoSyncService()).name, "InternalErrorException");
  EXPECT_EQ(AwsErrorFromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, ""), DynamoDbService()).name,
            "ResourceNotFoundException");
  EXPECT_EQ(
      AwsErrorFromGrpc(grpc::Status(grpc::StatusCode::UNAVAILABLE, ""), PersonalizeService()).name,
      "ServiceUnavailable");
  EXPECT_EQ(
      AwsErrorFromGrpc(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, ""), CognitoSyncService())
          .name,
      "NotAuthorizedException");
  EXPECT_EQ(
      AwsErrorFromGrpc(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, ""), DynamoDbService())
          .name,
      "InternalServerError");
}

TEST(AwsErrorFromGrpcTest, UnreadableDetailsFallBackToTheCode) {
  const grpc::Status garbled(grpc::StatusCode::NOT_FOUND, "x", "\xff\xff not a proto");
  EXPECT_EQ(AwsErrorFromGrpc(garbled, DynamoDbService()).name, "ResourceNotFoundException");
}

}  // namespace
}  // namespace awsfacade::service::aws_wire
