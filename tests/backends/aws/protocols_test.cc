#include "backends/aws/protocols.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/aws/sigv4_signer.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace awsfacade::backends::aws {
namespace {

namespace fs = std::filesystem;
namespace pb = ::google::protobuf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

fs::path CodecDir() { return fs::path(AWSFACADE_TESTDATA_DIR) / "codec"; }

const OperationSpec& Op(const ServiceSpec& service, absl::string_view name) {
  const OperationSpec* op = FindOperation(service, name);
  EXPECT_NE(op, nullptr) << name;
  static const OperationSpec kNone{};
  return op != nullptr ? *op : kNone;
}

// The query string as the HTTP layer sends it.
std::string WireQuery(const HttpRequest& request) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : request.query) {
    parts.push_back(absl::StrCat(UriEncode(key, false), "=", UriEncode(value, false)));
  }
  return absl::StrJoin(parts, "&");
}

// ---------------------------------------------------------------------------
// The operation tables cover every AWS operation of our protos.

struct ServiceCase {
  const ServiceSpec* spec;
  const char* proto_service;
};

TEST(ProtocolsTest, EveryMirroredRpcHasAnOperation) {
  // Make sure the generated descriptors are linked in.
  ::aws::dynamodbstreams::v1::GetRecordsRequest::descriptor();
  ::aws::dynamodb::v1::PutItemRequest::descriptor();
  ::aws::personalize::v1::ListDatasetsRequest::descriptor();
  ::aws::cognitosync::v1::ListRecordsRequest::descriptor();
  const ServiceCase cases[] = {
      {&DynamoDbStreamsService(), "aws.dynamodbstreams.v1.DynamoDbStreamsService"},
      {&DynamoDbService(), "aws.dynamodb.v1.DynamoDbService"},
      {&PersonalizeService(), "aws.personalize.v1.PersonalizeService"},
      {&CognitoSyncService(), "aws.cognitosync.v1.CognitoSyncService"},
  };
  for (const ServiceCase& c : cases) {
    const pb::ServiceDescriptor* service =
        pb::DescriptorPool::generated_pool()->FindServiceByName(c.proto_service);
    ASSERT_NE(service, nullptr) << c.proto_service;
    std::set<std::string> mirrored;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string& name = service->method(i)->name();
      // Facade-only RPCs (pagination and push streams) have no AWS operation.
      if (absl::StartsWith(name, "Paginate") || absl::StartsWith(name, "Subscribe")) continue;
      mirrored.insert(name);
      EXPECT_NE(FindOperation(*c.spec, name), nullptr) << c.proto_service << "." << name;
    }
    EXPECT_EQ(mirrored.size(), c.spec->operations.size()) << c.proto_service;
  }
}

TEST(ProtocolsTest, ServiceMetadataFollowsTheDocs) {
  EXPECT_EQ(DynamoDbStreamsService().protocol, Protocol::kAwsJson1_0);
  EXPECT_EQ(DynamoDbStreamsService().target_prefix, "DynamoDBStreams_20120810");
  EXPECT_EQ(DynamoDbStreamsService().signing_name, "dynamodb");
  EXPECT_EQ(DynamoDbStreamsService().endpoint_prefix, "streams.dynamodb");
  EXPECT_EQ(DynamoDbService().target_prefix, "DynamoDB_20120810");
  EXPECT_EQ(PersonalizeService().protocol, Protocol::kAwsJson1_1);
  EXPECT_EQ(PersonalizeService().target_prefix, "AmazonPersonalize");
  EXPECT_EQ(CognitoSyncService().protocol, Protocol::kRestJson1);
  EXPECT_EQ(CognitoSyncService().signing_name, "cognito-sync");
}

// The restJson1 table is the rpcs' (awsfacade.http.v1.http) options: the
// labels are the URI's {Member}s, then the query members in the option's
// order, then the headers.
TEST(ProtocolsTest, RestJsonBindingsComeFromTheHttpOption) {
  auto describe = [](const OperationSpec& operation) {
    std::vector<std::string> out;
    for (const HttpBinding& b : operation.request_bindings) {
      out.push_back(absl::StrCat(b.member,
                                 b.location == HttpLocation::kLabel   ? " label "
                                 : b.location == HttpLocation::kQuery ? " query "
                                                                      : " header ",
                                 b.name));
    }
    return out;
  };
  const OperationSpec* list = FindOperation(CognitoSyncService(), "ListRecords");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->method, "GET");
  EXPECT_EQ(
      list->uri,
      "/identitypools/{IdentityPoolId}/identities/{IdentityId}/datasets/{DatasetName}/records");
  EXPECT_THAT(describe(*list),
              ElementsAre("IdentityPoolId label IdentityPoolId", "IdentityId label IdentityId",
                          "DatasetName label DatasetName", "LastSyncCount query lastSyncCount",
                          "MaxResults query maxResults", "NextToken query nextToken",
                          "SyncSessionToken query syncSessionToken"));
  const OperationSpec* update = FindOperation(CognitoSyncService(), "UpdateRecords");
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->method, "POST");
  EXPECT_THAT(
      describe(*update),
      ElementsAre("IdentityPoolId label IdentityPoolId", "IdentityId label IdentityId",
                  "DatasetName label DatasetName", "ClientContext header x-amz-Client-Context"));
  const OperationSpec* remove = FindOperation(CognitoSyncService(), "DeleteDataset");
  ASSERT_NE(remove, nullptr);
  EXPECT_EQ(remove->method, "DELETE");
  // The facade-only server streams have no AWS operation.
  EXPECT_EQ(FindOperation(CognitoSyncService(), "PaginateListRecords"), nullptr);
  EXPECT_EQ(CognitoSyncService().operations.size(), 5u);
}

// ---------------------------------------------------------------------------
// Requests.

TEST(ProtocolsTest, AwsJson10Request) {
  ::aws::dynamodbstreams::v1::GetRecordsRequest request;
  request.set_shard_iterator("it|1|AAAA");
  request.set_limit(100);
  absl::StatusOr<HttpRequest> http =
      BuildRequest(DynamoDbStreamsService(), Op(DynamoDbStreamsService(), "GetRecords"), request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->path, "/");
  EXPECT_THAT(http->query, IsEmpty());
  EXPECT_THAT(http->headers,
              UnorderedElementsAre(Pair("Content-Type", "application/x-amz-json-1.0"),
                                   Pair("X-Amz-Target", "DynamoDBStreams_20120810.GetRecords")));
  EXPECT_EQ(http->body, R"({"ShardIterator":"it|1|AAAA","Limit":100})");
  EXPECT_EQ(http->host, "");
}

TEST(ProtocolsTest, AwsJson11RequestWithNothingSetSendsAnEmptyObject) {
  ::aws::personalize::v1::ListDatasetsRequest request;
  absl::StatusOr<HttpRequest> http =
      BuildRequest(PersonalizeService(), Op(PersonalizeService(), "ListDatasets"), request);
  ASSERT_TRUE(http.ok());
  EXPECT_THAT(http->headers,
              UnorderedElementsAre(Pair("Content-Type", "application/x-amz-json-1.1"),
                                   Pair("X-Amz-Target", "AmazonPersonalize.ListDatasets")));
  EXPECT_EQ(http->body, "{}");
}

TEST(ProtocolsTest, RestJsonListRecordsMatchesBotocore) {
  // The request botocore produces for these members (docs/aws-semantics.md §2.2).
  ::aws::cognitosync::v1::ListRecordsRequest request;
  request.set_identity_pool_id("us-east-1:0000-ab");
  request.set_identity_id("us-east-1:1111-cd");
  request.set_dataset_name("my.ds:1");
  request.set_last_sync_count(5);
  request.set_max_results(10);
  request.set_next_token("a b/c");
  request.set_sync_session_token("tok");
  absl::StatusOr<HttpRequest> http =
      BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "ListRecords"), request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "GET");
  EXPECT_EQ(absl::StrCat(http->path, "?", WireQuery(*http)),
            "/identitypools/us-east-1%3A0000-ab/identities/us-east-1%3A1111-cd/datasets/"
            "my.ds%3A1/records?lastSyncCount=5&maxResults=10&nextToken=a%20b%2Fc&"
            "syncSessionToken=tok");
  EXPECT_EQ(http->body, "");
  EXPECT_THAT(http->headers, IsEmpty());  // no body, so no Content-Type
}

TEST(ProtocolsTest, RestJsonQueryMembersOnlyWhenSet) {
  ::aws::cognitosync::v1::ListRecordsRequest request;
  request.set_identity_pool_id("p:1");
  request.set_identity_id("i:2");
  request.set_dataset_name("d");
  request.set_last_sync_count(0);  // set, though zero
  absl::StatusOr<HttpRequest> http =
      BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "ListRecords"), request);
  ASSERT_TRUE(http.ok());
  EXPECT_THAT(http->query, UnorderedElementsAre(Pair("lastSyncCount", "0")));
}

TEST(ProtocolsTest, RestJsonUpdateRecordsBodyMatchesBotocore) {
  ::aws::cognitosync::v1::UpdateRecordsRequest request;
  ASSERT_TRUE(pb::TextFormat::ParseFromString(
      ReadFile(CodecDir() / "cognito_update_records_request.textproto"), &request));
  absl::StatusOr<HttpRequest> http =
      BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "UpdateRecords"), request);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->path,
            "/identitypools/us-east-1%3A0000-ab/identities/us-east-1%3A1111-cd/datasets/my.ds%3A1");
  EXPECT_EQ(nlohmann::json::parse(http->body),
            nlohmann::json::parse(ReadFile(CodecDir() / "cognito_update_records_request.json")));
  EXPECT_THAT(http->headers, UnorderedElementsAre(Pair("Content-Type", "application/json")));

  request.set_client_context("ctx");
  http = BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "UpdateRecords"), request);
  ASSERT_TRUE(http.ok());
  EXPECT_THAT(http->headers, UnorderedElementsAre(Pair("Content-Type", "application/json"),
                                                  Pair("x-amz-Client-Context", "ctx")));
  EXPECT_FALSE(absl::StrContains(http->body, "ClientContext"));
}

TEST(ProtocolsTest, RestJsonBodyOperationWithNothingSetSendsAnEmptyObject) {
  ::aws::cognitosync::v1::UpdateRecordsRequest request;
  request.set_identity_pool_id("p:1");
  request.set_identity_id("i:2");
  request.set_dataset_name("d");
  absl::StatusOr<HttpRequest> http =
      BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "UpdateRecords"), request);
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->body, "{}");
}

TEST(ProtocolsTest, RestJsonDeleteHasNoBody) {
  ::aws::cognitosync::v1::DeleteDatasetRequest request;
  request.set_identity_pool_id("p:1");
  request.set_identity_id("i:2");
  request.set_dataset_name("d");
  absl::StatusOr<HttpRequest> http =
      BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "DeleteDataset"), request);
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->method, "DELETE");
  EXPECT_EQ(http->path, "/identitypools/p%3A1/identities/i%3A2/datasets/d");
  EXPECT_EQ(http->body, "");
  EXPECT_THAT(http->headers, IsEmpty());
}

TEST(ProtocolsTest, RestJsonLabelsAreRequired) {
  ::aws::cognitosync::v1::DescribeDatasetRequest request;
  request.set_identity_pool_id("p:1");
  request.set_dataset_name("d");
  EXPECT_EQ(BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "DescribeDataset"), request)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProtocolsTest, RestJsonLabelsEncodeEverythingOutsideUnreserved) {
  ::aws::cognitosync::v1::ListDatasetsRequest request;
  request.set_identity_pool_id("a/b c%d");
  request.set_identity_id("é~._-");
  absl::StatusOr<HttpRequest> http =
      BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "ListDatasets"), request);
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->path, "/identitypools/a%2Fb%20c%25d/identities/%C3%A9~._-/datasets");
}

TEST(ProtocolsTest, BuiltRequestsCanBeSigned) {
  ::aws::cognitosync::v1::ListRecordsRequest request;
  request.set_identity_pool_id("us-east-1:0000-ab");
  request.set_identity_id("us-east-1:1111-cd");
  request.set_dataset_name("ds");
  request.set_next_token("a b");
  absl::StatusOr<HttpRequest> http =
      BuildRequest(CognitoSyncService(), Op(CognitoSyncService(), "ListRecords"), request);
  ASSERT_TRUE(http.ok());
  http->host = "cognito-sync.us-east-1.amazonaws.com";
  SigV4Signer signer("us-east-1", std::string(CognitoSyncService().signing_name));
  SigningTrace trace;
  ASSERT_TRUE(signer
                  .Sign(*http, Credentials{"AKIDEXAMPLE", "secret", ""},
                        absl::FromUnixSeconds(1577836800), &trace)
                  .ok());
  // The label is signed double-encoded, the query decoded-then-encoded once.
  EXPECT_THAT(trace.canonical_request,
              HasSubstr("GET\n/identitypools/us-east-1%253A0000-ab/identities/"
                        "us-east-1%253A1111-cd/datasets/ds/records\nnextToken=a%20b\n"));
}

// ---------------------------------------------------------------------------
// Responses.

TEST(ProtocolsTest, ParsesASuccessfulResponse) {
  ::aws::dynamodbstreams::v1::GetRecordsResponse response;
  std::string request_id;
  absl::Status status =
      ParseResponse(DynamoDbStreamsService(), Op(DynamoDbStreamsService(), "GetRecords"), 200,
                    {{"x-amzn-RequestId", "RID-1"}, {"Content-Type", "application/x-amz-json-1.0"}},
                    ReadFile(CodecDir() / "get_records_aws_sample.json"), &response, &request_id);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.records_size(), 3);
  EXPECT_EQ(request_id, "RID-1");
}

TEST(ProtocolsTest, EmptySuccessBodiesAreEmptyMessages) {
  ::aws::personalize::v1::DeleteDatasetResponse response;
  for (const char* body : {"", "{}", " \r\n"}) {
    EXPECT_TRUE(ParseResponse(PersonalizeService(), Op(PersonalizeService(), "DeleteDataset"), 200,
                              {}, body, &response)
                    .ok())
        << body;
  }
}

TEST(ProtocolsTest, UnreadableSuccessBodyIsInternalAndKeepsTheRequestId) {
  ::aws::dynamodbstreams::v1::GetRecordsResponse response;
  absl::Status status =
      ParseResponse(DynamoDbStreamsService(), Op(DynamoDbStreamsService(), "GetRecords"), 200,
                    {{"X-Amzn-RequestId", "RID-2"}},
                    R"({"Records": [{"dynamodb": {"SizeBytes": "x"}}]})", &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), HasSubstr("$.Records[0].dynamodb.SizeBytes"));
  EXPECT_EQ(AwsRequestId(status), "RID-2");
}

// AWS's TransactionCanceledException body, as DynamoDB writes it: the
// CancellationReasons come back with the status as its error shape.
TEST(ProtocolsTest, ErrorShapeMembersAreReadBackFromTheBody) {
  ::aws::dynamodb::v1::TransactWriteItemsResponse response;
  absl::Status status = ParseResponse(
      DynamoDbService(), Op(DynamoDbService(), "TransactWriteItems"), 400, {},
      R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
      R"("CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed",)"
      R"("Item":{"pk":{"S":"a"}},"Message":"The conditional request failed"}],)"
      R"("Message":"Transaction cancelled, please refer cancellation reasons for specific )"
      R"(reasons [None, ConditionalCheckFailed]"})",
      &response);
  EXPECT_EQ(AwsErrorName(status), "TransactionCanceledException");
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  std::optional<ErrorShape> shape = GetErrorShape(status);
  ASSERT_TRUE(shape.has_value());
  ::aws::dynamodb::v1::TransactionCanceledException canceled;
  EXPECT_EQ(shape->type_name, canceled.GetDescriptor()->full_name());
  ASSERT_TRUE(canceled.ParseFromString(shape->value));
  ASSERT_EQ(canceled.cancellation_reasons_size(), 2);
  EXPECT_EQ(canceled.cancellation_reasons(0).code(), "None");
  EXPECT_EQ(canceled.cancellation_reasons(1).item().at("pk").s(), "a");
  // An error without members of its own carries no shape.
  EXPECT_FALSE(GetErrorShape(ParseResponse(DynamoDbService(), Op(DynamoDbService(), "PutItem"), 400,
                                           {}, R"({"__type":"ValidationException"})", &response))
                   .has_value());
}

struct ErrorCase {
  const char* name;
  int status;
  HttpHeaders headers;
  std::string body;
  std::string code;
  std::string message;
  absl::StatusCode grpc;
};

class ErrorParsingTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorParsingTest, FindsCodeMessageAndRequestId) {
  const ErrorCase& c = GetParam();
  HttpHeaders headers = c.headers;
  headers.emplace_back("x-amzn-RequestId", "REQ-42");
  ::aws::dynamodbstreams::v1::GetRecordsResponse response;
  absl::Status status =
      ParseResponse(DynamoDbStreamsService(), Op(DynamoDbStreamsService(), "GetRecords"), c.status,
                    headers, c.body, &response);
  EXPECT_EQ(AwsErrorName(status), c.code);
  EXPECT_EQ(std::string(status.message()), c.message);
  EXPECT_EQ(status.code(), c.grpc);
  EXPECT_EQ(AwsRequestId(status), "REQ-42");
}

INSTANTIATE_TEST_SUITE_P(
    Protocols, ErrorParsingTest,
    ::testing::Values(
        ErrorCase{"DunderTypeWithNamespace",
                  400,
                  {},
                  R"({"__type":"com.amazonaws.dynamodb.v20120810#ExpiredIteratorException",)"
                  R"("message":"Iterator expired"})",
                  "ExpiredIteratorException",
                  "Iterator expired",
                  absl::StatusCode::kFailedPrecondition},
        ErrorCase{"CapitalMessage",
                  400,
                  {},
                  R"({"__type":"TrimmedDataAccessException","Message":"trimmed"})",
                  "TrimmedDataAccessException",
                  "trimmed",
                  absl::StatusCode::kOutOfRange},
        ErrorCase{"HeaderWinsAndIsCutAtColon",
                  400,
                  {{"X-Amzn-Errortype", "ResourceNotFoundException:http://internal/x"}},
                  R"({"__type":"Other","message":"no such stream"})",
                  "ResourceNotFoundException",
                  "no such stream",
                  absl::StatusCode::kNotFound},
        ErrorCase{"BodyCodeBeforeDunderType",
                  403,
                  {},
                  R"({"code":"aws#NotAuthorizedException","__type":"Other"})",
                  "NotAuthorizedException",
                  "",
                  absl::StatusCode::kPermissionDenied},
        ErrorCase{"ServerFault",
                  500,
                  {},
                  R"({"__type":"InternalServerError","message":"oops"})",
                  "InternalServerError",
                  "oops",
                  absl::StatusCode::kInternal},
        ErrorCase{"UnknownCodePassesThrough",
                  400,
                  {},
                  R"({"__type":"BrandNewException"})",
                  "BrandNewException",
                  "",
                  absl::StatusCode::kUnknown},
        ErrorCase{"HtmlFrom503",
                  503,
                  {{"Content-Type", "text/html"}},
                  "<html><body>Service Unavailable</body></html>",
                  "ServiceUnavailable",
                  "HTTP 503 without an AWS error code",
                  absl::StatusCode::kUnavailable},
        ErrorCase{"Empty500",
                  500,
                  {},
                  "",
                  "InternalFailure",
                  "HTTP 500 without an AWS error code",
                  absl::StatusCode::kInternal},
        ErrorCase{"Empty429",
                  429,
                  {},
                  "",
                  "ThrottlingException",
                  "HTTP 429 without an AWS error code",
                  absl::StatusCode::kResourceExhausted},
        ErrorCase{"Empty404",
                  404,
                  {},
                  "",
                  "404",
                  "HTTP 404 without an AWS error code",
                  absl::StatusCode::kUnknown},
        ErrorCase{"MessageWithoutCode",
                  502,
                  {},
                  R"({"message":"bad gateway"})",
                  "ServiceUnavailable",
                  "bad gateway",
                  absl::StatusCode::kUnavailable}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProtocolsTest, SanitizeErrorCode) {
  EXPECT_EQ(SanitizeErrorCode("FooError"), "FooError");
  EXPECT_EQ(SanitizeErrorCode("FooError:http://internal.amazon.com/coral/x/"), "FooError");
  EXPECT_EQ(SanitizeErrorCode("aws.protocoltests.restjson#FooError:http://x#y"), "FooError");
  EXPECT_EQ(SanitizeErrorCode(" ns#Bar "), "Bar");
  EXPECT_EQ(SanitizeErrorCode(""), "");
}

TEST(ProtocolsTest, FindHeaderIgnoresCase) {
  HttpHeaders headers = {{"X-AMZN-REQUESTID", "a"}, {"x-amzn-requestid", "b"}};
  EXPECT_EQ(FindHeaderValue(headers, "x-amzn-RequestId"), "a");
  EXPECT_EQ(FindHeaderValue(headers, "missing"), "");
}

}  // namespace
}  // namespace awsfacade::backends::aws
