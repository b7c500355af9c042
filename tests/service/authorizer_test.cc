#include "service/authorizer.h"

#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(GlobMatchTest, StarMatchesAnyRunIncludingNone) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*c", "ac"));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc"));
  EXPECT_TRUE(GlobMatch("arn:*:table/orders", "arn:aws:dynamodb:us-east-1:1:table/orders"));
  EXPECT_FALSE(GlobMatch("arn:*:table/orders", "arn:aws:dynamodb:us-east-1:1:table/orders2"));
  EXPECT_FALSE(GlobMatch("a*c", "abcd"));
  EXPECT_TRUE(GlobMatch("*/ListRecords", "aws.cognitosync.v1.CognitoSyncService/ListRecords"));
  EXPECT_FALSE(GlobMatch("exact", "exactly"));
}

std::unique_ptr<Authorizer> Policy(const std::string& json) {
  auto a = Authorizer::FromJson(json, "us-east-1", "123456789012");
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? *std::move(a) : nullptr;
}

TEST(AuthorizerTest, OperationAndResourceComeFromTheRequest) {
  aws::cognitosync::v1::ListRecordsRequest list;
  list.set_identity_pool_id("us-east-1:pool");
  list.set_identity_id("us-east-1:alice");
  list.set_dataset_name("prefs");
  EXPECT_EQ(Authorizer::Operation(list), "aws.cognitosync.v1.CognitoSyncService/ListRecords");
  auto a = Policy(R"({"rules": []})");
  EXPECT_EQ(a->Resource(list),
            "arn:aws:cognito-sync:us-east-1:123456789012:identitypool/us-east-1:pool/identity/us-east-1:alice/"
            "dataset/prefs");
  aws::dynamodb::v1::PutItemRequest put;
  put.set_table_name("orders");
  EXPECT_EQ(a->Resource(put), "arn:aws:dynamodb:us-east-1:123456789012:table/orders");
  aws::dynamodbstreams::v1::GetRecordsRequest get;
  get.set_shard_iterator("opaque");
  EXPECT_EQ(a->Resource(get), "");
  aws::personalize::v1::CreateDatasetGroupRequest group;
  group.set_name("g");
  EXPECT_EQ(a->Resource(group), "arn:aws:personalize:us-east-1:123456789012:dataset-group/g");
}

TEST(AuthorizerTest, DefaultDenyNamesCallerOperationAndResource) {
  auto a = Policy(R"({"rules": [{"callers": ["x509:alice"], "operations": ["*"],
                                 "resources": ["arn:aws:dynamodb:*:*:table/orders"]}]})");
  absl::Status denied = a->Decide("x509:bob", "aws.dynamodb.v1.DynamoDbService/GetItem",
                                  "arn:aws:dynamodb:us-east-1:1:table/orders");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(backends::AwsErrorName(denied), Optional(std::string("AccessDeniedException")));
  EXPECT_THAT(std::string(denied.message()), HasSubstr("x509:bob"));
  EXPECT_TRUE(a->Decide("x509:alice", "aws.dynamodb.v1.DynamoDbService/GetItem",
                        "arn:aws:dynamodb:us-east-1:1:table/orders")
                  .ok());
  EXPECT_FALSE(a->Decide("x509:alice", "aws.dynamodb.v1.DynamoDbService/GetItem",
                         "arn:aws:dynamodb:us-east-1:1:table/other")
                   .ok());
}

TEST(AuthorizerTest, CallsWithoutAResourceNeedAStarResource) {
  auto a = Policy(R"({"rules": [
      {"callers": ["*"], "operations": ["*/GetRecords"], "resources": ["arn:aws:dynamodb:*"]},
      {"callers": ["token:ci"], "operations": ["*/GetRecords"], "resources": ["*"]}]})");
  EXPECT_FALSE(a->Decide("peer:ipv4:127.0.0.1", "aws.dynamodbstreams.v1.DynamoDbStreamsService/GetRecords", "").ok());
  EXPECT_TRUE(a->Decide("token:ci", "aws.dynamodbstreams.v1.DynamoDbStreamsService/GetRecords", "").ok());
}

TEST(AuthorizerTest, OneIdentityIsNeverServedAnothersCognitoData) {
  auto a = Policy(R"({"rules": [{"callers": ["x509:alice"], "operations": ["aws.cognitosync.v1.CognitoSyncService/*"],
      "resources": ["arn:aws:cognito-sync:*:*:identitypool/*/identity/us-east-1:alice/dataset/*"]}]})");
  const std::string op = "aws.cognitosync.v1.CognitoSyncService/ListRecords";
  const std::string base = "arn:aws:cognito-sync:us-east-1:1:identitypool/us-east-1:pool/identity/";
  EXPECT_TRUE(a->Decide("x509:alice", op, base + "us-east-1:alice/dataset/prefs").ok());
  EXPECT_TRUE(a->Decide("x509:alice", op, base + "us-east-1:alice/dataset/").ok());
  EXPECT_FALSE(a->Decide("x509:alice", op, base + "us-east-1:bob/dataset/prefs").ok());
  EXPECT_FALSE(a->Decide("x509:alice", op, base + "us-east-1:alice2/dataset/prefs").ok());
}

TEST(AuthorizerTest, BadPoliciesAreInvalidArgument) {
  for (const char* json : {"[]", "{}", R"({"rules": [{"operations": ["*"]}]})",
                           R"({"rules": [{"callers": [], "operations": ["*"]}]})",
                           R"({"rules": [{"callers": ["*"], "operations": "x"}]})",
                           R"({"tokens": {"t": "plain"}, "rules": []})", "not json"}) {
    EXPECT_EQ(Authorizer::FromJson(json, "r", "a").status().code(), absl::StatusCode::kInvalidArgument) << json;
  }
}

}  // namespace
}  // namespace awsfacade::service
