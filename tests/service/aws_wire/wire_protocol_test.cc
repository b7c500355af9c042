#include "service/aws_wire/wire_protocol.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/common/status_matchers.h"
#include "tests/service/aws_wire/aws_name_matcher.h"

namespace awsfacade::service::aws_wire {
namespace {

using backends::aws::Protocol;
using backends::aws::ServiceSpec;
using ::testing::HasSubstr;
using testutil::IsAwsError;
using testutil::IsAwsErrorOnField;
using testutil::IsOk;
using testutil::StatusIs;

constexpr char kDatasetPath[] =
    "/identitypools/us-east-1%3A11111111-2222-3333-4444-555555555555/identities/"
    "us-east-1%3Aaaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/datasets/prefs";

WireRequest JsonRequest(std::string target, std::string body) {
  WireRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"x-amz-target", std::move(target)}};
  request.body = std::move(body);
  return request;
}

std::string HeaderOf(const WireResponse& response, const std::string& name) {
  return std::string(backends::aws::FindHeaderValue(response.headers, name));
}

TEST(WireProtocolTest, RoutesEachAwsJsonServiceByTarget) {
  struct Row {
    const char* target;
    const ServiceSpec* service;
    const char* operation;
  };
  for (const Row& row :
       {Row{"DynamoDB_20120810.GetItem", &backends::aws::DynamoDbService(), "GetItem"},
        Row{"DynamoDBStreams_20120810.GetRecords", &backends::aws::DynamoDbStreamsService(),
            "GetRecords"},
        Row{"AmazonPersonalize.ListDatasets", &backends::aws::PersonalizeService(),
            "ListDatasets"}}) {
    const ServiceSpec* hint = nullptr;
    absl::StatusOr<RoutedCall> call = Route(JsonRequest(row.target, ""), &hint);
    ASSERT_THAT(call.status(), IsOk()) << row.target;
    EXPECT_EQ(call->service, row.service);
    EXPECT_EQ(call->operation->name, row.operation);
    EXPECT_EQ(call->input_json, "{}");  // an empty body reads as no members
    EXPECT_EQ(hint, row.service);
  }
}

TEST(WireProtocolTest, UnknownOperationOfAKnownServiceKeepsTheServiceForTheErrorShape) {
  const ServiceSpec* hint = nullptr;
  EXPECT_THAT(Route(JsonRequest("DynamoDB_20120810.ExecuteStatement", "{}"), &hint).status(),
              HasAwsName("UnknownOperationException"));
  EXPECT_EQ(hint, &backends::aws::DynamoDbService());
  // The facade-only RPCs are not AWS operations.
  EXPECT_THAT(Route(JsonRequest("DynamoDBStreams_20120810.SubscribeToShard", "{}"), &hint).status(),
              HasAwsName("UnknownOperationException"));
  EXPECT_THAT(Route(JsonRequest("Nobody_2020.GetItem", "{}"), &hint).status(),
              HasAwsName("UnknownOperationException"));
  EXPECT_EQ(hint, nullptr);
  WireRequest get = JsonRequest("DynamoDB_20120810.GetItem", "{}");
  get.method = "GET";
  EXPECT_THAT(Route(get, &hint).status(), HasAwsName("UnknownOperationException"));
}

TEST(WireProtocolTest, RoutesCognitoSyncByMethodAndPathFoldingLabelsQueryAndHeaders) {
  WireRequest list;
  list.method = "GET";
  list.path = std::string(kDatasetPath) + "/records";
  list.query = "maxResults=5&lastSyncCount=7&syncSessionToken=a%2Bb";
  const ServiceSpec* hint = nullptr;
  absl::StatusOr<RoutedCall> call = Route(list, &hint);
  ASSERT_THAT(call.status(), IsOk());
  EXPECT_EQ(call->operation->name, "ListRecords");
  EXPECT_EQ(
      nlohmann::json::parse(call->input_json),
      nlohmann::json::parse(R"({"IdentityPoolId": "us-east-1:11111111-2222-3333-4444-555555555555",
              "IdentityId": "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "DatasetName": "prefs",
              "MaxResults": 5, "LastSyncCount": 7, "SyncSessionToken": "a+b"})"));

  WireRequest update;
  update.method = "POST";
  update.path = kDatasetPath;
  update.headers = {{"X-Amz-Client-Context", "e30="}};
  update.body = R"({"SyncSessionToken": "t", "RecordPatches": []})";
  call = Route(update, &hint);
  ASSERT_THAT(call.status(), IsOk());
  EXPECT_EQ(call->operation->name, "UpdateRecords");
  const nlohmann::json input = nlohmann::json::parse(call->input_json);
  EXPECT_EQ(input["ClientContext"], "e30=");
  EXPECT_EQ(input["SyncSessionToken"], "t");
  EXPECT_EQ(input["DatasetName"], "prefs");

  for (const char* method : {"GET", "DELETE"}) {
    WireRequest request;
    request.method = method;
    request.path = kDatasetPath;
    call = Route(request, &hint);
    ASSERT_THAT(call.status(), IsOk());
    EXPECT_EQ(call->operation->name,
              std::string(method) == "GET" ? "DescribeDataset" : "DeleteDataset");
  }
}

TEST(WireProtocolTest, CognitoSyncInputOfTheWrongTypeNamesTheMember) {
  WireRequest list;
  list.method = "GET";
  list.path = std::string(kDatasetPath) + "/records";
  list.query = "maxResults=many";
  const ServiceSpec* hint = nullptr;
  EXPECT_THAT(Route(list, &hint).status(),
              IsAwsErrorOnField("InvalidParameterException", "MaxResults"));
  EXPECT_EQ(hint, &backends::aws::CognitoSyncService());
  WireRequest update;
  update.method = "POST";
  update.path = kDatasetPath;
  update.body = "[1]";
  EXPECT_THAT(Route(update, &hint).status(), IsAwsError("SerializationException"));
  update.body = "{unterminated";
  EXPECT_THAT(Route(update, &hint).status(), IsAwsError("SerializationException"));
}

TEST(WireProtocolTest, PathsNoOperationHasAreUnknown) {
  for (const char* path :
       {"/", "/identitypools/p/identities/i", "/identitypools//identities/i/datasets",
        "/identitypools/p/identities/i/datasets/d/records/extra"}) {
    WireRequest request;
    request.method = "GET";
    request.path = path;
    const ServiceSpec* hint = nullptr;
    EXPECT_THAT(Route(request, &hint).status(), HasAwsName("UnknownOperationException")) << path;
  }
}

// Cognito Sync's errors as its model gives their httpStatusCode
// (cognito-sync 2014-06-30 service-2.json), one row each.
TEST(WireProtocolTest, CognitoSyncErrorsHaveTheirModeledHttpStatus) {
  struct Row {
    const char* name;
    int status;
  };
  for (const Row& row : {Row{"AlreadyStreamedException", 400},
                         {"ConcurrentModificationException", 400},
                         {"DuplicateRequestException", 400},
                         {"InternalErrorException", 500},
                         {"InvalidConfigurationException", 400},
                         {"InvalidLambdaFunctionOutputException", 400},
                         {"InvalidParameterException", 400},
                         {"LambdaThrottledException", 429},
                         {"LimitExceededException", 400},
                         {"NotAuthorizedException", 403},
                         {"ResourceConflictException", 409},
                         {"ResourceNotFoundException", 404},
                         {"TooManyRequestsException", 429}}) {
    EXPECT_EQ(HttpStatusFor(Protocol::kRestJson1, row.name), row.status) << row.name;
  }
  EXPECT_EQ(HttpStatusFor(Protocol::kRestJson1, "InvalidSignatureException"), 403);
  EXPECT_EQ(HttpStatusFor(Protocol::kRestJson1, "UnknownOperationException"), 404);
}

TEST(WireProtocolTest, AwsJsonErrorsAre400ExceptServerFaults) {
  for (Protocol protocol : {Protocol::kAwsJson1_0, Protocol::kAwsJson1_1}) {
    EXPECT_EQ(HttpStatusFor(protocol, "ResourceNotFoundException"), 400);
    EXPECT_EQ(HttpStatusFor(protocol, "InvalidSignatureException"), 400);
    EXPECT_EQ(HttpStatusFor(protocol, "ProvisionedThroughputExceededException"), 400);
    EXPECT_EQ(HttpStatusFor(protocol, "InternalServerError"), 500);
    EXPECT_EQ(HttpStatusFor(protocol, "InternalFailure"), 500);
    EXPECT_EQ(HttpStatusFor(protocol, "ServiceUnavailable"), 503);
    EXPECT_EQ(HttpStatusFor(protocol, "RequestEntityTooLargeException"), 413);
  }
}

TEST(WireProtocolTest, DynamoDbErrorsCarryTheNamespaceAndTheChecksum) {
  const WireResponse response =
      ErrorResponse(&backends::aws::DynamoDbService(), "ResourceNotFoundException", "gone", "RID");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(nlohmann::json::parse(response.body), nlohmann::json::parse(R"({"__type":
              "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "gone"})"));
  EXPECT_EQ(HeaderOf(response, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(HeaderOf(response, "x-amzn-RequestId"), "RID");
  EXPECT_EQ(HeaderOf(response, "x-amz-crc32"), Crc32Text(response.body));
  EXPECT_EQ(HeaderOf(response, "x-amzn-ErrorType"), "");
}

TEST(WireProtocolTest, PersonalizeAndCognitoSyncErrorShapes) {
  WireResponse personalize =
      ErrorResponse(&backends::aws::PersonalizeService(), "InvalidInputException", "bad", "R1");
  EXPECT_EQ(nlohmann::json::parse(personalize.body)["__type"], "InvalidInputException");
  EXPECT_EQ(HeaderOf(personalize, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(HeaderOf(personalize, "x-amz-crc32"), "");
  WireResponse cognito = ErrorResponse(&backends::aws::CognitoSyncService(),
                                       "ResourceNotFoundException", "none", "R2");
  EXPECT_EQ(cognito.status, 404);
  EXPECT_EQ(HeaderOf(cognito, "x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(nlohmann::json::parse(cognito.body), nlohmann::json::parse(R"({"message": "none"})"));
  // No service: both the header and __type, so any SDK finds the name.
  WireResponse unknown = ErrorResponse(nullptr, "UnknownOperationException", "?", "R3");
  EXPECT_EQ(HeaderOf(unknown, "x-amzn-ErrorType"), "UnknownOperationException");
  EXPECT_EQ(nlohmann::json::parse(unknown.body)["__type"], "UnknownOperationException");
}

TEST(WireProtocolTest, SuccessAnswersHaveTheProtocolsContentType) {
  EXPECT_EQ(
      HeaderOf(SuccessResponse(backends::aws::DynamoDbStreamsService(), "{}", "r"), "Content-Type"),
      "application/x-amz-json-1.0");
  EXPECT_EQ(
      HeaderOf(SuccessResponse(backends::aws::DynamoDbStreamsService(), "{}", "r"), "x-amz-crc32"),
      Crc32Text("{}"));
  EXPECT_EQ(
      HeaderOf(SuccessResponse(backends::aws::PersonalizeService(), "{}", "r"), "Content-Type"),
      "application/x-amz-json-1.1");
  EXPECT_EQ(
      HeaderOf(SuccessResponse(backends::aws::CognitoSyncService(), "{}", "r"), "Content-Type"),
      "application/json");
}

TEST(WireProtocolTest, Crc32IsZlibsIeeeCrc) {
  EXPECT_EQ(Crc32Text(""), "0");
  EXPECT_EQ(Crc32Text("123456789"), "3421780262");  // the CRC-32 check value 0xCBF43926
}

TEST(WireProtocolTest, RequestIdsLookLikeTheServices) {
  EXPECT_THAT(NewRequestId(&backends::aws::DynamoDbService()),
              ::testing::MatchesRegex("[A-Z0-9]{52}"));
  EXPECT_THAT(NewRequestId(&backends::aws::PersonalizeService()),
              ::testing::MatchesRegex(
                  "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(NewRequestId(nullptr), NewRequestId(nullptr));
}

// DynamoDB's ids draw twelve characters at a time: every position still
// varies, and every character of the alphabet turns up.
TEST(WireProtocolTest, DynamoDbRequestIdsVaryInEveryPosition) {
  std::vector<std::set<char>> per_position(52);
  std::set<char> all;
  for (int i = 0; i < 300; ++i) {
    const std::string id = NewRequestId(&backends::aws::DynamoDbService());
    ASSERT_EQ(id.size(), 52u);
    for (size_t at = 0; at < id.size(); ++at) {
      per_position[at].insert(id[at]);
      all.insert(id[at]);
    }
  }
  EXPECT_EQ(all.size(), 36u);
  for (size_t at = 0; at < per_position.size(); ++at) {
    EXPECT_GE(per_position[at].size(), 20u) << "position " << at;
  }
}

}  // namespace
}  // namespace awsfacade::service::aws_wire
