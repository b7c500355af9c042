#include "service/authorizer.h"

#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "awsfacade/simulator/v1/simulator.pb.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::service {
namespace {

using ::awsfacade::testutil::IsOkAndHolds;
using ::awsfacade::testutil::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kOrders[] = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";

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
  list.set_identity_pool_id("us-east-1:0000-0001");
  list.set_identity_id("us-east-1:a11ce");
  list.set_dataset_name("prefs");
  EXPECT_EQ(Authorizer::Operation(list), "aws.cognitosync.v1.CognitoSyncService/ListRecords");
  auto a = Policy(R"({"rules": []})");
  EXPECT_THAT(
      a->Resource(list),
      IsOkAndHolds("arn:aws:cognito-sync:us-east-1:123456789012:identitypool/us-east-1:0000-0001/"
                   "identity/us-east-1:a11ce/dataset/prefs"));
  aws::dynamodb::v1::PutItemRequest put;
  put.set_table_name("orders");
  EXPECT_THAT(a->Resource(put), IsOkAndHolds(kOrders));
  aws::personalize::v1::CreateDatasetGroupRequest group;
  group.set_name("g");
  EXPECT_THAT(a->Resource(group),
              IsOkAndHolds("arn:aws:personalize:us-east-1:123456789012:dataset-group/g"));
  aws::personalize::v1::ListDatasetGroupsRequest unfiltered;
  EXPECT_THAT(a->Resource(unfiltered), IsOkAndHolds(""));
}

// DescribeLimits has no TableName: it names no resource, so only a rule
// without resources or with "*" allows it (it was refused as a malformed
// table name before).
TEST(AuthorizerTest, AnAccountLevelCallNamesNoResource) {
  auto a = Policy(R"({"rules": [{"callers": ["*"], "operations": ["*"],
                                 "resources": ["arn:aws:dynamodb:*:*:table/*"]}]})");
  aws::dynamodb::v1::DescribeLimitsRequest limits;
  EXPECT_THAT(a->Resource(limits), IsOkAndHolds(""));
  EXPECT_THAT(a->Decide("peer:ipv4:127.0.0.1", Authorizer::Operation(limits), ""),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("(no resource)")));
  auto any = Policy(R"({"rules": [{"callers": ["*"], "operations": ["*"], "resources": ["*"]}]})");
  EXPECT_TRUE(any->Decide("peer:ipv4:127.0.0.1", Authorizer::Operation(limits), "").ok());
}

// issue 17: "table/" + TableName made "table/arn:...:table/denied", which a
// rule for table/a* allowed.
TEST(AuthorizerTest, TableArnIsTheSameResourceAsTheTableName) {
  auto a = Policy(R"({"rules": [{"callers": ["*"], "operations": ["*"],
                                 "resources": ["arn:aws:dynamodb:*:*:table/a*"]}]})");
  aws::dynamodb::v1::GetItemRequest get;
  get.set_table_name("arn:aws:dynamodb:us-east-1:123456789012:table/denied");
  aws::dynamodb::v1::PutItemRequest put;
  put.set_table_name("arn:aws:dynamodb:us-east-1:123456789012:table/denied");
  for (const google::protobuf::Message* request :
       {static_cast<const google::protobuf::Message*>(&get),
        static_cast<const google::protobuf::Message*>(&put)}) {
    absl::StatusOr<std::string> resource = a->Resource(*request);
    EXPECT_THAT(resource, IsOkAndHolds("arn:aws:dynamodb:us-east-1:123456789012:table/denied"));
    EXPECT_EQ(
        a->Decide("peer:ipv4:127.0.0.1", Authorizer::Operation(*request), resource.value_or(""))
            .code(),
        absl::StatusCode::kPermissionDenied);
  }
  get.set_table_name("arn:aws:dynamodb:us-east-1:123456789012:table/allowed");
  EXPECT_THAT(a->Resource(get),
              IsOkAndHolds("arn:aws:dynamodb:us-east-1:123456789012:table/allowed"));
  get.set_table_name("allowed");
  EXPECT_THAT(a->Resource(get),
              IsOkAndHolds("arn:aws:dynamodb:us-east-1:123456789012:table/allowed"));
}

TEST(AuthorizerTest, AnotherAccountIsDeniedAnotherRegionOrAMalformedNameInvalid) {
  auto a = Policy(R"({"rules": []})");
  aws::dynamodb::v1::DeleteTableRequest drop;
  drop.set_table_name("arn:aws:dynamodb:us-east-1:999999999999:table/orders");
  EXPECT_THAT(a->Resource(drop),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("999999999999")));
  drop.set_table_name("arn:aws:dynamodb:eu-west-1:123456789012:table/orders");
  EXPECT_THAT(a->Resource(drop),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Invalid AWS region")));
  EXPECT_THAT(backends::AwsErrorName(a->Resource(drop).status()),
              Optional(std::string("ValidationException")));
  for (const char* bad :
       {"arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/byDate",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000",
        "arn:aws-cn:dynamodb:us-east-1:123456789012:table/orders",
        "arn:aws:dynamodbx:us-east-1:123456789012:table/orders", "arn:aws:dynamodb:us-east-1",
        "arn:aws:dynamodb:us-east-1:123456789012:table/a*", "orders/../x", "ab", "", "tab*"}) {
    drop.set_table_name(bad);
    absl::Status status = a->Resource(drop).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(backends::AwsErrorField(status), Optional(std::string("TableName"))) << bad;
  }
  aws::dynamodb::v1::CreateTableRequest replica;
  replica.set_table_name("orders");
  replica.set_global_table_source_arn("arn:aws:dynamodb:us-east-1:999999999999:table/orders");
  EXPECT_THAT(a->Resource(replica), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(AuthorizerTest, StreamAndPersonalizeArnsMustBeThisServersToo) {
  auto a = Policy(R"({"rules": []})");
  aws::dynamodbstreams::v1::DescribeStreamRequest describe;
  describe.set_stream_arn(
      "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000");
  EXPECT_THAT(a->Resource(describe), IsOkAndHolds(describe.stream_arn()));
  describe.set_stream_arn(
      "arn:aws:dynamodb:us-east-1:999999999999:table/orders/stream/2026-01-01T00:00:00.000");
  EXPECT_THAT(a->Resource(describe), StatusIs(absl::StatusCode::kPermissionDenied));
  describe.set_stream_arn(
      "arn:aws:dynamodb:us-west-2:123456789012:table/orders/stream/2026-01-01T00:00:00.000");
  EXPECT_THAT(a->Resource(describe), StatusIs(absl::StatusCode::kInvalidArgument));
  describe.set_stream_arn("arn:aws:dynamodb:us-east-1:123456789012:table/orders");
  EXPECT_THAT(a->Resource(describe), StatusIs(absl::StatusCode::kInvalidArgument));
  aws::dynamodbstreams::v1::ListStreamsRequest list;
  EXPECT_THAT(a->Resource(list), IsOkAndHolds(""));
  list.set_table_name("orders");
  EXPECT_THAT(a->Resource(list), IsOkAndHolds(kOrders));
  list.set_table_name(kOrders);  // a plain name in the Streams model
  EXPECT_THAT(a->Resource(list), StatusIs(absl::StatusCode::kInvalidArgument));

  aws::personalize::v1::DescribeDatasetGroupRequest group;
  group.set_dataset_group_arn("arn:aws:personalize:us-east-1:123456789012:dataset-group/g");
  EXPECT_THAT(a->Resource(group), IsOkAndHolds(group.dataset_group_arn()));
  group.set_dataset_group_arn("arn:aws:personalize:us-east-1:999999999999:dataset-group/g");
  EXPECT_THAT(a->Resource(group), StatusIs(absl::StatusCode::kPermissionDenied));
  group.set_dataset_group_arn("arn:aws:personalize:eu-west-1:123456789012:dataset-group/g");
  EXPECT_THAT(a->Resource(group), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(backends::AwsErrorName(a->Resource(group).status()),
              Optional(std::string("InvalidInputException")));
  // CreateDataset acts on its group, but its schema must be this server's too.
  aws::personalize::v1::CreateDatasetRequest dataset;
  dataset.set_dataset_group_arn("arn:aws:personalize:us-east-1:123456789012:dataset-group/g");
  dataset.set_schema_arn("arn:aws:personalize:us-east-1:999999999999:schema/s");
  EXPECT_THAT(a->Resource(dataset), StatusIs(absl::StatusCode::kPermissionDenied));
  dataset.set_schema_arn("arn:aws:personalize:us-east-1:123456789012:schema/s");
  EXPECT_THAT(a->Resource(dataset), IsOkAndHolds(dataset.dataset_group_arn()));
  aws::personalize::v1::CreateSchemaRequest schema;
  schema.set_name("s/../x");
  EXPECT_THAT(a->Resource(schema), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A '/' in an id would let one request name another identity's ARN.
TEST(AuthorizerTest, CognitoIdsOutsideTheirPatternsAreInvalid) {
  auto a = Policy(R"({"rules": []})");
  aws::cognitosync::v1::ListRecordsRequest list;
  list.set_identity_pool_id("us-east-1:0001");
  list.set_identity_id("us-east-1:b0b");
  list.set_dataset_name("x/identity/us-east-1:a11ce/dataset/prefs");
  EXPECT_THAT(a->Resource(list), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(backends::AwsErrorName(a->Resource(list).status()),
              Optional(std::string("InvalidParameterException")));
  list.set_dataset_name("prefs");
  list.set_identity_pool_id("us-east-1:0001/identity/us-east-1:a11ce");
  EXPECT_THAT(a->Resource(list), StatusIs(absl::StatusCode::kInvalidArgument));
  aws::cognitosync::v1::ListDatasetsRequest datasets;  // identity-level: no DatasetName
  datasets.set_identity_pool_id("us-east-1:0001");
  datasets.set_identity_id("us-east-1:b0b");
  EXPECT_THAT(
      a->Resource(datasets),
      IsOkAndHolds(
          "arn:aws:cognito-sync:us-east-1:123456789012:identitypool/us-east-1:0001/identity/"
          "us-east-1:b0b/dataset/"));
}

TEST(AuthorizerTest, GetRecordsResourceIsTheStreamSealedInItsIterator) {
  auto a = Policy(R"({"rules": []})");
  const std::string stream =
      "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000";
  const std::string token = a->SealIterator(stream, "backend|iterator|with bars");
  aws::dynamodbstreams::v1::GetRecordsRequest get;
  get.set_shard_iterator(token);
  EXPECT_THAT(a->Resource(get), IsOkAndHolds(stream));
  absl::StatusOr<Authorizer::OpenedIterator> opened = a->OpenIterator(token);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->stream_arn, stream);
  EXPECT_EQ(opened->iterator, "backend|iterator|with bars");
  // Forged, the backend's own, or sealed under another key: invalid, never "".
  auto other = Policy(R"({"rules": []})");
  for (const std::string& bad :
       {std::string("opaque"), std::string(""), stream + "|1|AAAA",
        other->SealIterator(stream, "x"), token.substr(0, token.size() - 2)}) {
    get.set_shard_iterator(bad);
    absl::Status status = a->Resource(get).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(backends::AwsErrorField(status), Optional(std::string("ShardIterator")));
  }
  // The same key opens it (replicas sharing --token_key_file).
  auto key = std::make_shared<backends::TokenSealer>(std::string(32, 'k'));
  auto one = Authorizer::FromJson(R"({"rules": []})", "us-east-1", "123456789012", key);
  auto two = Authorizer::FromJson(R"({"rules": []})", "us-east-1", "123456789012", key);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_TRUE((*two)->OpenIterator((*one)->SealIterator(stream, "x")).ok());
}

TEST(AuthorizerTest, SimulatorControlsAreOperationsWithoutAResourceButRollover) {
  auto a = Policy(R"({"rules": []})");
  awsfacade::simulator::v1::ResetRequest reset;
  EXPECT_EQ(Authorizer::Operation(reset), "awsfacade.simulator.v1.SimulatorService/Reset");
  EXPECT_THAT(a->Resource(reset), IsOkAndHolds(""));
  awsfacade::simulator::v1::ForceShardRolloverRequest rollover;
  rollover.set_stream_arn(
      "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000");
  EXPECT_EQ(Authorizer::Operation(rollover),
            "awsfacade.simulator.v1.SimulatorService/ForceShardRollover");
  EXPECT_THAT(a->Resource(rollover), IsOkAndHolds(rollover.stream_arn()));
}

// issue 17 §8: "resources" absent means any resource; deleting that branch
// of Decide passed every test before.
// A batch or transaction call acts on every table it names; Check allows it
// only when each of them is allowed (before, they named no resource at all).
TEST(AuthorizerTest, BatchAndTransactionCallsActOnEveryTableTheyName) {
  namespace db = ::aws::dynamodb::v1;
  constexpr char kSecrets[] = "arn:aws:dynamodb:us-east-1:123456789012:table/secrets";
  auto a = Policy(R"({"rules": []})");
  db::BatchWriteItemRequest write;
  (*write.mutable_request_items())["orders"];
  (*write.mutable_request_items())[kOrders];  // the same table by its ARN
  (*write.mutable_request_items())["secrets"];
  EXPECT_THAT(a->Resources(write), IsOkAndHolds(ElementsAre(kOrders, kSecrets)));
  db::BatchGetItemRequest get;
  (*get.mutable_request_items())["secrets"];
  EXPECT_THAT(a->Resources(get), IsOkAndHolds(ElementsAre(kSecrets)));

  db::TransactWriteItemsRequest tx;
  tx.add_transact_items()->mutable_put()->set_table_name("orders");
  tx.add_transact_items()->mutable_update()->set_table_name("secrets");
  tx.add_transact_items()->mutable_delete_()->set_table_name("orders");
  tx.add_transact_items()->mutable_condition_check()->set_table_name("secrets");
  EXPECT_THAT(a->Resources(tx), IsOkAndHolds(ElementsAre(kOrders, kSecrets)));
  tx.add_transact_items()->mutable_condition_check()->set_table_name(
      "arn:aws:dynamodb:us-east-1:999999999999:table/theirs");
  EXPECT_THAT(a->Resources(tx), StatusIs(absl::StatusCode::kPermissionDenied));

  db::TransactGetItemsRequest tget;
  tget.add_transact_items()->mutable_get()->set_table_name("x");  // under 3 characters
  absl::StatusOr<std::vector<std::string>> malformed = a->Resources(tget);
  EXPECT_THAT(malformed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(backends::AwsErrorField(malformed.status()),
              Optional(std::string("TransactItems.Get.TableName")));

  db::PutItemRequest put;
  put.set_table_name("orders");
  EXPECT_THAT(a->Resources(put), IsOkAndHolds(ElementsAre(kOrders)));
  db::DescribeLimitsRequest limits;
  EXPECT_THAT(a->Resources(limits), IsOkAndHolds(ElementsAre("")));
}

TEST(AuthorizerTest, RuleWithoutResourcesAllowsAnyResourceAndNone) {
  auto a = Policy(R"({"rules": [{"callers": ["token:ops"], "operations": ["*"]}]})");
  EXPECT_TRUE(a->Decide("token:ops", "aws.dynamodb.v1.DynamoDbService/GetItem", kOrders).ok());
  EXPECT_TRUE(a->Decide("token:ops", "awsfacade.simulator.v1.SimulatorService/Reset", "").ok());
  EXPECT_FALSE(a->Decide("token:other", "aws.dynamodb.v1.DynamoDbService/GetItem", kOrders).ok());
  auto empty =
      Policy(R"({"rules": [{"callers": ["*"], "operations": ["*/GetItem"], "resources": []}]})");
  EXPECT_TRUE(
      empty->Decide("peer:ipv4:127.0.0.1", "aws.dynamodb.v1.DynamoDbService/GetItem", kOrders)
          .ok());
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
  EXPECT_FALSE(a->Decide("peer:ipv4:127.0.0.1",
                         "aws.dynamodbstreams.v1.DynamoDbStreamsService/GetRecords", "")
                   .ok());
  EXPECT_TRUE(
      a->Decide("token:ci", "aws.dynamodbstreams.v1.DynamoDbStreamsService/GetRecords", "").ok());
}

TEST(AuthorizerTest, OneIdentityIsNeverServedAnothersCognitoData) {
  auto a = Policy(
      R"({"rules": [{"callers": ["x509:alice"], "operations": ["aws.cognitosync.v1.CognitoSyncService/*"],
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
    EXPECT_EQ(Authorizer::FromJson(json, "r", "a").status().code(),
              absl::StatusCode::kInvalidArgument)
        << json;
  }
}

}  // namespace
}  // namespace awsfacade::service
