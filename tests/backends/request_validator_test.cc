// The generic request validator (backends/request_validator.h): for a bad
// request, the error AWS gives (code, AWS name, field, message), and the
// ValidationLayer stops such a request before the backend. The errors pinned
// here are the ones the simulators' hand-written checks gave before the
// validator replaced them (this test compared the two while both existed).
// The simulators now leave these checks to the chain: a request reaches a
// simulator validated once, by the ValidationLayer in front of it.
#include "backends/request_validator.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"
#include "backends/simulator/cognito_sync_simulator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/personalize_simulator.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "tests/common/status_matchers.h"
#include "tests/service/mock_backends.h"

namespace awsfacade::backends {
namespace {

namespace pb = ::google::protobuf;
using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsAwsErrorOnField;
using ::awsfacade::testutil::IsOk;
using internal_validation::Re2PatternOf;

// Everything a client sees of a status.
std::string Seen(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), " ",
                      AwsErrorName(status).value_or("-"), " [", AwsErrorField(status).value_or("-"),
                      "] ", status.message());
}

// One bad request: its type, its fields in text format, and what a client
// sees of its error (Seen()).
struct BadRequest {
  std::string type;  // e.g. "aws.personalize.v1.CreateDatasetGroupRequest"
  std::string text;
  std::string seen;
};

// What a client sees of the broken model constraint of `member`, "Member
// must <must>", reported as `error`.
std::string ModelError(absl::string_view error, absl::string_view member, absl::string_view must) {
  return absl::StrCat("INVALID_ARGUMENT ", error, " [", member,
                      "] 1 validation error detected: ", "Value at '", member,
                      "' failed to satisfy constraint: Member must ", must);
}
// ... in Personalize, Cognito Sync and DynamoDB (and its Streams).
std::string P(absl::string_view member, absl::string_view must) {
  return ModelError("InvalidInputException", member, must);
}
std::string C(absl::string_view member, absl::string_view must) {
  return ModelError("InvalidParameterException", member, must);
}
std::string D(absl::string_view member, absl::string_view must) {
  return ModelError("ValidationException", member, must);
}

std::unique_ptr<pb::Message> Parse(const BadRequest& bad) {
  const pb::Descriptor* type =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(bad.type);
  EXPECT_NE(type, nullptr) << bad.type;
  if (type == nullptr) return nullptr;
  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
  EXPECT_TRUE(pb::TextFormat::ParseFromString(bad.text, message.get())) << bad.text;
  return message;
}

// What the operation of `request` answers when run through `chain`.
absl::Status RunThrough(OperationInvoker& chain, const pb::Message& request) {
  const pb::MethodDescriptor* method = MethodFor(*request.GetDescriptor());
  EXPECT_NE(method, nullptr) << request.GetTypeName();
  std::unique_ptr<pb::Message> response(
      pb::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
  absl::Status status;
  chain.Invoke({method, CallContext(), &request, response.get()},
               [&status](absl::Status s) { status = std::move(s); });
  return status;
}

class RequestValidatorTest : public ::testing::Test {
 protected:
  // The chain of the simulator that serves `request`: bare, or behind a
  // ValidationLayer as the server has it.
  OperationInvoker& SimulatorOf(const pb::Message& request, bool validated) {
    const std::string& package = request.GetDescriptor()->file()->package();
    Chains& chains = validated ? validated_ : bare_;
    if (package == "aws.personalize.v1") return *chains.personalize;
    if (package == "aws.cognitosync.v1") return *chains.cognito_sync;
    if (package == "aws.dynamodbstreams.v1") return *chains.streams;
    return *chains.dynamodb;
  }

  // Each case fails validation with its error, and so does its call through
  // the simulator's validated chain.
  void ExpectErrors(const std::vector<BadRequest>& cases) {
    for (const BadRequest& bad : cases) {
      std::unique_ptr<pb::Message> request = Parse(bad);
      if (request == nullptr) continue;
      EXPECT_EQ(Seen(ValidateRequest(*request)), bad.seen) << bad.type << " {" << bad.text << "}";
      EXPECT_EQ(Seen(RunThrough(SimulatorOf(*request, /*validated=*/true), *request)), bad.seen)
          << bad.type << " {" << bad.text << "}";
    }
  }

  // A bare simulator given each case does not answer with the validator's
  // error: it does not run the model's checks a second time.
  void ExpectNotCheckedAgain(const std::vector<BadRequest>& cases) {
    for (const BadRequest& bad : cases) {
      std::unique_ptr<pb::Message> request = Parse(bad);
      if (request == nullptr) continue;
      EXPECT_NE(Seen(RunThrough(SimulatorOf(*request, /*validated=*/false), *request)), bad.seen)
          << bad.type << " {" << bad.text << "} is checked by the simulator too";
    }
  }

  struct Chains {
    std::shared_ptr<OperationInvoker> dynamodb;
    std::shared_ptr<OperationInvoker> streams;
    std::shared_ptr<OperationInvoker> personalize;
    std::shared_ptr<OperationInvoker> cognito_sync;
  };
  static Chains Validate(Chains chains) {
    for (auto* chain :
         {&chains.dynamodb, &chains.streams, &chains.personalize, &chains.cognito_sync}) {
      *chain = std::make_shared<ValidationLayer>(std::move(*chain));
    }
    return chains;
  }

  simulator::SimulatorOptions options_;
  std::shared_ptr<simulator::DynamoDbSimulator> dynamodb_sim_ =
      std::make_shared<simulator::DynamoDbSimulator>(options_);
  Chains bare_{
      ChainOf<DynamoDbBackend>(dynamodb_sim_), ChainOf<DynamoDbStreamsBackend>(dynamodb_sim_),
      ChainOf<PersonalizeBackend>(std::make_shared<simulator::PersonalizeSimulator>(options_)),
      ChainOf<CognitoSyncBackend>(std::make_shared<simulator::CognitoSyncSimulator>(options_))};
  Chains validated_ = Validate(bare_);
};

const std::string k64(64, 'a');
const std::string k257(257, 'a');
constexpr char kGroupArn[] = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g";
constexpr char kPool[] = "us-east-1:0000-00aa";

std::vector<BadRequest> PersonalizeCases() {
  const std::string g = "aws.personalize.v1.";
  return {
      {g + "CreateDatasetGroupRequest", R"(name: "")", P("name", "not be null")},
      {g + "CreateDatasetGroupRequest", absl::StrCat(R"(name: ")", k64, R"(")"),
       P("name", "have length less than or equal to 63")},
      {g + "CreateDatasetGroupRequest", R"(name: "-a")",
       P("name", R"(satisfy regular expression pattern: ^[a-zA-Z0-9][a-zA-Z0-9\-_]*)")},
      {g + "CreateDatasetGroupRequest", R"(name: "a b")",
       P("name", R"(satisfy regular expression pattern: ^[a-zA-Z0-9][a-zA-Z0-9\-_]*)")},
      {g + "CreateDatasetGroupRequest", R"(name: "a" domain: "RETAIL")",
       P("domain", "satisfy enum value set: [ECOMMERCE, VIDEO_ON_DEMAND]")},
      {g + "CreateDatasetGroupRequest", R"(name: "a" role_arn: "arn:aws:iam::1:role/r")",
       P("roleArn",
         R"(satisfy regular expression pattern: arn:([a-z\d-]+):iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)")},
      {g + "CreateDatasetGroupRequest", R"(name: "a" kms_key_arn: "arn:aws:kms:x")",
       P("kmsKeyArn", "satisfy regular expression pattern: arn:aws.*:kms:.*:[0-9]{12}:key/.*")},
      {g + "CreateDatasetGroupRequest", R"(name: "a" tags { tag_key: "" tag_value: "v" })",
       P("tags.1.member.tagKey", "have length greater than or equal to 1")},
      {g + "CreateDatasetGroupRequest", R"(name: "a" tags { tag_key: "k" } tags { tag_key: "k!" })",
       P("tags.2.member.tagKey",
         R"(satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$)")},
      {g + "CreateDatasetGroupRequest",
       absl::StrCat(R"(name: "a" tags { tag_key: "k" tag_value: ")", k257, R"(" })"),
       P("tags.1.member.tagValue", "have length less than or equal to 256")},
      {g + "DescribeDatasetGroupRequest", R"(dataset_group_arn: "")",
       P("datasetGroupArn", "not be null")},
      {g + "DescribeDatasetGroupRequest", R"(dataset_group_arn: "arn:aws:s3:::b")",
       P("datasetGroupArn",
         R"(satisfy regular expression pattern: arn:([a-z\d-]+):personalize:.*:.*:.+)")},
      {g + "DescribeDatasetGroupRequest",
       absl::StrCat(R"(dataset_group_arn: ")", kGroupArn, R"(\r")"),
       P("datasetGroupArn",
         R"(satisfy regular expression pattern: arn:([a-z\d-]+):personalize:.*:.*:.+)")},
      {g + "DeleteDatasetGroupRequest", R"(dataset_group_arn: "x")",
       P("datasetGroupArn",
         R"(satisfy regular expression pattern: arn:([a-z\d-]+):personalize:.*:.*:.+)")},
      {g + "ListDatasetGroupsRequest", R"(max_results: 0)",
       P("maxResults", "have value greater than or equal to 1")},
      {g + "ListDatasetGroupsRequest", R"(max_results: 101)",
       P("maxResults", "have value less than or equal to 100")},
      {g + "ListDatasetGroupsRequest", R"(next_token: "\303\251")",
       P("nextToken", R"(satisfy regular expression pattern: \p{ASCII}{0,1500})")},
      {g + "CreateSchemaRequest", R"(name: "s")", P("schema", "not be null")},
      {g + "CreateSchemaRequest", R"(name: "s" schema: "{}" domain: "x")",
       P("domain", "satisfy enum value set: [ECOMMERCE, VIDEO_ON_DEMAND]")},
      {g + "DescribeSchemaRequest", R"(schema_arn: "")", P("schemaArn", "not be null")},
      {g + "CreateDatasetRequest", R"(name: "d")", P("schemaArn", "not be null")},
      {g + "CreateDatasetRequest",
       absl::StrCat(R"(name: "d" schema_arn: "x" dataset_group_arn: ")", kGroupArn,
                    R"(" dataset_type: "Items")"),
       P("schemaArn",
         R"(satisfy regular expression pattern: arn:([a-z\d-]+):personalize:.*:.*:.+)")},
      {g + "ListDatasetsRequest", R"(dataset_group_arn: "x")",
       P("datasetGroupArn",
         R"(satisfy regular expression pattern: arn:([a-z\d-]+):personalize:.*:.*:.+)")},
      {g + "DeleteDatasetRequest", R"(dataset_arn: "")", P("datasetArn", "not be null")},
  };
}

TEST_F(RequestValidatorTest, PersonalizeErrors) { ExpectErrors(PersonalizeCases()); }

std::vector<BadRequest> CognitoSyncCases() {
  const std::string c = "aws.cognitosync.v1.";
  const std::string path = absl::StrCat(R"(identity_pool_id: ")", kPool, R"(" identity_id: ")",
                                        kPool, R"(" dataset_name: "d")");
  return {
      {c + "ListRecordsRequest", R"(identity_id: "a:1" dataset_name: "d")",
       C("IdentityPoolId", "not be null")},
      {c + "ListRecordsRequest", R"(identity_pool_id: "a:g" identity_id: "a:1" dataset_name: "d")",
       C("IdentityPoolId", R"(satisfy regular expression pattern: [\w-]+:[0-9a-f-]+)")},
      {c + "ListRecordsRequest",
       absl::StrCat(R"(identity_pool_id: "a:1" identity_id: ")", std::string(55, 'a'),
                    R"(:1" dataset_name: "d")"),
       C("IdentityId", "have length less than or equal to 55")},
      {c + "ListRecordsRequest",
       R"(identity_pool_id: "a:1" identity_id: "a:1" dataset_name: "d d")",
       C("DatasetName", "satisfy regular expression pattern: [a-zA-Z0-9_.:-]+")},
      {c + "UpdateRecordsRequest",
       path + R"( sync_session_token: "t" record_patches { op: "put" key: "k" sync_count: 0 })",
       C("RecordPatches[0].Op", "satisfy enum value set: [replace, remove]")},
      {c + "UpdateRecordsRequest",
       path +
           R"( sync_session_token: "t" record_patches { op: "remove" key: "k" sync_count: 0 } record_patches { op: "remove" sync_count: 0 })",
       C("RecordPatches[1].Key", "not be null")},
      {c + "UpdateRecordsRequest",
       path + R"( sync_session_token: "t" record_patches { op: "remove" key: "k" })",
       C("RecordPatches[0].SyncCount", "not be null")},
      {c + "UpdateRecordsRequest",
       path + R"( sync_session_token: "t" device_id: ")" + k257 + R"(")",
       C("DeviceId", "have length less than or equal to 256")},
      {c + "DescribeDatasetRequest", R"(identity_pool_id: "a:1" identity_id: "a:1")",
       C("DatasetName", "not be null")},
      {c + "ListDatasetsRequest", R"(identity_pool_id: "a:1" identity_id: "a")",
       C("IdentityId", R"(satisfy regular expression pattern: [\w-]+:[0-9a-f-]+)")},
  };
}

TEST_F(RequestValidatorTest, CognitoSyncErrors) { ExpectErrors(CognitoSyncCases()); }

std::vector<BadRequest> DynamoDbCases() {
  const std::string d = "aws.dynamodb.v1.";
  const std::string s = "aws.dynamodbstreams.v1.";
  return {
      {d + "DescribeTableRequest", R"(table_name: "")", D("TableName", "not be null")},
      {d + "CreateTableRequest",
       R"(table_name: "abc" key_schema { attribute_name: "" key_type: "HASH" })",
       D("KeySchema.1.AttributeName", "not be null")},
      {d + "CreateTableRequest",
       R"(table_name: "abc" key_schema { attribute_name: "k" key_type: "X" })",
       D("KeySchema.1.KeyType", "satisfy enum value set: [HASH, RANGE]")},
      {d + "PutItemRequest", R"(table_name: "")", D("TableName", "not be null")},
      {d + "UpdateTimeToLiveRequest", R"(table_name: "abc")",
       D("TimeToLiveSpecification", "not be null")},
      {s + "GetShardIteratorRequest",
       R"(stream_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2024-01-01T00:00:00.000" shard_id: "shardId-1" shard_iterator_type: "X")",
       D("ShardId", "have length greater than or equal to 28")},
      {s + "GetRecordsRequest", R"(shard_iterator: "")", D("ShardIterator", "not be null")},
      {s + "DescribeStreamRequest",
       R"(stream_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2024-01-01T00:00:00.000" limit: 0)",
       D("Limit", "have value greater than or equal to 1")},
      {d + "GetItemRequest", R"(table_name: "")", D("TableName", "not be null")},
      {s + "DescribeStreamRequest", R"(stream_arn: "")", D("StreamArn", "not be null")},
      {s + "DescribeStreamRequest", R"(stream_arn: "short")",
       D("StreamArn", "have length greater than or equal to 37")},
  };
}

TEST_F(RequestValidatorTest, DynamoDbErrors) { ExpectErrors(DynamoDbCases()); }

// Behind the server a request is validated once: by the chain's
// ValidationLayer, not again by the simulator (which would answer with the
// same error). DynamoDB keeps its table-name rules (an empty TableName
// breaks them too) and the Streams store its own StreamArn and iterator
// checks; the DynamoDB cases here are those the simulator leaves to the
// chain.
TEST_F(RequestValidatorTest, TheSimulatorsDoNotCheckTheModelAgain) {
  ExpectNotCheckedAgain(PersonalizeCases());
  ExpectNotCheckedAgain(CognitoSyncCases());
  std::vector<BadRequest> dynamodb;
  for (const BadRequest& bad : DynamoDbCases()) {
    if (absl::StrContains(bad.type, "CreateTable") || absl::StrContains(bad.type, "TimeToLive")) {
      dynamodb.push_back(bad);
    }
  }
  ASSERT_EQ(dynamodb.size(), 3u);
  ExpectNotCheckedAgain(dynamodb);
}

// Where the model and the simulator disagree, the validator says what the
// model says: DynamoDB's TableName of operations on a table is a name or an
// ARN (shape TableArn, 1-1024); the simulator also applies the table-name
// rules (3-255, [a-zA-Z0-9_.-]+) to what is not an ARN, after the validator.
TEST_F(RequestValidatorTest, WhereTheSimulatorIsStricterTheModelDecidesFirst) {
  std::unique_ptr<pb::Message> request =
      Parse({"aws.dynamodb.v1.DescribeTableRequest",
             absl::StrCat(R"(table_name: ")", std::string(1025, 'a'), R"(")")});
  EXPECT_THAT(
      ValidateRequest(*request),
      IsAwsError("ValidationException", ::testing::HasSubstr("less than or equal to 1024")));
  request = Parse({"aws.dynamodb.v1.DescribeTableRequest", R"(table_name: "ab")"});
  EXPECT_THAT(ValidateRequest(*request), IsOk());
  EXPECT_THAT(
      RunThrough(*validated_.dynamodb, *request),
      IsAwsError("ValidationException", ::testing::HasSubstr("greater than or equal to 3")));
}

TEST_F(RequestValidatorTest, ARequestWithinTheModelPasses) {
  std::unique_ptr<pb::Message> request =
      Parse({"aws.personalize.v1.CreateDatasetGroupRequest",
             R"(name: "my-group_1" domain: "ECOMMERCE" tags { tag_key: "Team" tag_value: "" })"});
  EXPECT_THAT(ValidateRequest(*request), IsOk());
  request = Parse(
      {"aws.cognitosync.v1.UpdateRecordsRequest",
       absl::StrCat(R"(identity_pool_id: ")", kPool, R"(" identity_id: ")", kPool,
                    R"(" dataset_name: "d.1:x" sync_session_token: "t")",
                    R"( record_patches { op: "replace" key: "k" value: "" sync_count: 0 })")});
  EXPECT_THAT(ValidateRequest(*request), IsOk());
}

TEST_F(RequestValidatorTest, ListElementsAreNamedInTheServicesStyle) {
  std::unique_ptr<pb::Message> request =
      Parse({"aws.personalize.v1.CreateDatasetGroupRequest",
             R"(name: "g" tags { tag_key: "a" } tags { tag_key: "b#" })"});
  EXPECT_THAT(ValidateRequest(*request),
              IsAwsErrorOnField("InvalidInputException", "tags.2.member.tagKey"));
  request = Parse({"aws.cognitosync.v1.UpdateRecordsRequest",
                   absl::StrCat(R"(identity_pool_id: ")", kPool, R"(" identity_id: ")", kPool,
                                R"(" dataset_name: "d" sync_session_token: "t")",
                                R"( record_patches { op: "x" key: "k" sync_count: 0 })")});
  EXPECT_THAT(ValidateRequest(*request),
              IsAwsError("InvalidParameterException",
                         "1 validation error detected: Value at 'RecordPatches[0].Op' failed to "
                         "satisfy constraint: Member must satisfy enum value set: [replace, "
                         "remove]"));
}

// Every pattern on every request field of the four services compiles (the
// validator would stop the server on the first call otherwise).
TEST_F(RequestValidatorTest, EveryRequestOfEveryServiceHasAWorkingPlan) {
  int methods = 0;
  for (const pb::ServiceDescriptor* service :
       {&ChainTraits<DynamoDbBackend>::Service(), &ChainTraits<DynamoDbStreamsBackend>::Service(),
        &ChainTraits<PersonalizeBackend>::Service(), &ChainTraits<CognitoSyncBackend>::Service()}) {
    for (int i = 0; i < service->method_count(); ++i) {
      std::unique_ptr<pb::Message> empty(pb::MessageFactory::generated_factory()
                                             ->GetPrototype(service->method(i)->input_type())
                                             ->New());
      // Builds the plan: compiles every pattern.
      EXPECT_NE(ValidateRequest(*empty).code(), absl::StatusCode::kInternal)
          << ValidateRequest(*empty);
      ++methods;
    }
  }
  EXPECT_GT(methods, 30);
}

TEST(Re2PatternOfTest, TranslatesWhatJavaAndRe2SpellDifferently) {
  // RE2 counts to 1000; max_length bounds the member.
  EXPECT_EQ(Re2PatternOf(R"(\p{ASCII}{0,1500})"), R"([\x00-\x7F]{0,})");
  EXPECT_EQ(Re2PatternOf(R"([a-z]{0,126})"), R"([a-z]{0,126})");
  EXPECT_EQ(Re2PatternOf(R"([\p{ASCII}a])"), R"([\x00-\x7Fa])");
  EXPECT_EQ(Re2PatternOf(R"(\p{Print}+)"), R"([\x20-\x7E]+)");
  EXPECT_EQ(Re2PatternOf(R"([A-Z\-\_\.])"), R"([A-Z\-_\.])");
  EXPECT_EQ(Re2PatternOf(R"([\u0020-\uD7FF\uD800\uDC00-\uDBFF\uDFFF])"),
            R"([\x{20}-\x{D7FF}\x{10000}-\x{10FFFF}])");
  EXPECT_EQ(Re2PatternOf("a.[.]"), absl::StrCat("a", "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]", "[.]"));
}

TEST(Re2PatternOfTest, JavasDotStopsAtEveryLineTerminator) {
  RE2 dot(Re2PatternOf("a.b"));
  EXPECT_TRUE(RE2::FullMatch("a-b", dot));
  EXPECT_FALSE(RE2::FullMatch("a\rb", dot));
  EXPECT_FALSE(RE2::FullMatch("a\nb", dot));
  EXPECT_FALSE(RE2::FullMatch("a\u2028b", dot));
}

TEST(ValidationLayerTest, ABadRequestNeverReachesTheBackend) {
  auto mock = std::make_shared<::testing::StrictMock<testing::MockPersonalizeBackend>>();
  Validated<PersonalizeBackend> validated(mock);
  ::aws::personalize::v1::DescribeDatasetGroupRequest request;
  request.set_dataset_group_arn("not-an-arn");
  EXPECT_THAT(validated.DescribeDatasetGroup(request),
              IsAwsErrorOnField("InvalidInputException", "datasetGroupArn"));
}

TEST(ValidationLayerTest, AGoodRequestReachesTheBackendUnchanged) {
  auto mock = std::make_shared<::testing::StrictMock<testing::MockPersonalizeBackend>>();
  Validated<PersonalizeBackend> validated(mock);
  ::aws::personalize::v1::DescribeDatasetGroupRequest request;
  request.set_dataset_group_arn(kGroupArn);
  EXPECT_CALL(*mock, DescribeDatasetGroup(::testing::_))
      .WillOnce(::testing::Return(::aws::personalize::v1::DescribeDatasetGroupResponse()));
  EXPECT_THAT(validated.DescribeDatasetGroup(request), IsOk());
}

}  // namespace
}  // namespace awsfacade::backends
