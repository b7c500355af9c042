// The generic request validator (backends/request_validator.h): the model
// constraints on the proto fields give, for the same bad request, exactly the
// error the simulators give (code, AWS name, message, field), and the
// ValidationLayer stops such a request before the backend. The comparison was
// made against the simulators' hand-written checks; the Personalize and
// Cognito Sync simulators now run this validator themselves, so for them
// their own error tests (unchanged) keep the old answers pinned.
#include "backends/request_validator.h"

#include <memory>
#include <string>
#include <vector>

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

// One bad request: its type and its fields in text format.
struct BadRequest {
  std::string type;  // e.g. "aws.personalize.v1.CreateDatasetGroupRequest"
  std::string text;
};

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
  // The simulators' chains, each validating by hand (the oracle).
  OperationInvoker& SimulatorOf(const pb::Message& request) {
    const std::string& package = request.GetDescriptor()->file()->package();
    if (package == "aws.personalize.v1") return *personalize_;
    if (package == "aws.cognitosync.v1") return *cognito_sync_;
    if (package == "aws.dynamodbstreams.v1") return *streams_;
    return *dynamodb_;
  }

  void ExpectSameErrorAsSimulator(const std::vector<BadRequest>& cases) {
    for (const BadRequest& bad : cases) {
      std::unique_ptr<pb::Message> request = Parse(bad);
      if (request == nullptr) continue;
      const absl::Status validated = ValidateRequest(*request);
      EXPECT_FALSE(validated.ok()) << bad.type << " {" << bad.text << "} passes";
      EXPECT_EQ(Seen(validated), Seen(RunThrough(SimulatorOf(*request), *request)))
          << bad.type << " {" << bad.text << "}";
    }
  }

  simulator::SimulatorOptions options_;
  std::shared_ptr<simulator::DynamoDbSimulator> dynamodb_sim_ =
      std::make_shared<simulator::DynamoDbSimulator>(options_);
  std::shared_ptr<OperationInvoker> dynamodb_ = ChainOf<DynamoDbBackend>(dynamodb_sim_);
  std::shared_ptr<OperationInvoker> streams_ = ChainOf<DynamoDbStreamsBackend>(dynamodb_sim_);
  std::shared_ptr<OperationInvoker> personalize_ =
      ChainOf<PersonalizeBackend>(std::make_shared<simulator::PersonalizeSimulator>(options_));
  std::shared_ptr<OperationInvoker> cognito_sync_ =
      ChainOf<CognitoSyncBackend>(std::make_shared<simulator::CognitoSyncSimulator>(options_));
};

const std::string k64(64, 'a');
const std::string k257(257, 'a');
constexpr char kGroupArn[] = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g";
constexpr char kPool[] = "us-east-1:0000-00aa";

TEST_F(RequestValidatorTest, PersonalizeErrorsAreTheSimulators) {
  const std::string g = "aws.personalize.v1.";
  ExpectSameErrorAsSimulator({
      {g + "CreateDatasetGroupRequest", R"(name: "")"},
      {g + "CreateDatasetGroupRequest", absl::StrCat(R"(name: ")", k64, R"(")")},
      {g + "CreateDatasetGroupRequest", R"(name: "-a")"},
      {g + "CreateDatasetGroupRequest", R"(name: "a b")"},
      {g + "CreateDatasetGroupRequest", R"(name: "a" domain: "RETAIL")"},
      {g + "CreateDatasetGroupRequest", R"(name: "a" role_arn: "arn:aws:iam::1:role/r")"},
      {g + "CreateDatasetGroupRequest", R"(name: "a" kms_key_arn: "arn:aws:kms:x")"},
      {g + "CreateDatasetGroupRequest", R"(name: "a" tags { tag_key: "" tag_value: "v" })"},
      {g + "CreateDatasetGroupRequest",
       R"(name: "a" tags { tag_key: "k" } tags { tag_key: "k!" })"},
      {g + "CreateDatasetGroupRequest",
       absl::StrCat(R"(name: "a" tags { tag_key: "k" tag_value: ")", k257, R"(" })")},
      {g + "DescribeDatasetGroupRequest", R"(dataset_group_arn: "")"},
      {g + "DescribeDatasetGroupRequest", R"(dataset_group_arn: "arn:aws:s3:::b")"},
      {g + "DescribeDatasetGroupRequest",
       absl::StrCat(R"(dataset_group_arn: ")", kGroupArn, R"(\r")")},
      {g + "DeleteDatasetGroupRequest", R"(dataset_group_arn: "x")"},
      {g + "ListDatasetGroupsRequest", R"(max_results: 0)"},
      {g + "ListDatasetGroupsRequest", R"(max_results: 101)"},
      {g + "ListDatasetGroupsRequest", R"(next_token: "\303\251")"},
      {g + "CreateSchemaRequest", R"(name: "s")"},
      {g + "CreateSchemaRequest", R"(name: "s" schema: "{}" domain: "x")"},
      {g + "DescribeSchemaRequest", R"(schema_arn: "")"},
      {g + "CreateDatasetRequest", R"(name: "d")"},
      {g + "CreateDatasetRequest", absl::StrCat(R"(name: "d" schema_arn: "x" dataset_group_arn: ")",
                                                kGroupArn, R"(" dataset_type: "Items")")},
      {g + "ListDatasetsRequest", R"(dataset_group_arn: "x")"},
      {g + "DeleteDatasetRequest", R"(dataset_arn: "")"},
  });
}

TEST_F(RequestValidatorTest, CognitoSyncErrorsAreTheSimulators) {
  const std::string c = "aws.cognitosync.v1.";
  const std::string path = absl::StrCat(R"(identity_pool_id: ")", kPool, R"(" identity_id: ")",
                                        kPool, R"(" dataset_name: "d")");
  ExpectSameErrorAsSimulator({
      {c + "ListRecordsRequest", R"(identity_id: "a:1" dataset_name: "d")"},
      {c + "ListRecordsRequest", R"(identity_pool_id: "a:g" identity_id: "a:1" dataset_name: "d")"},
      {c + "ListRecordsRequest", absl::StrCat(R"(identity_pool_id: "a:1" identity_id: ")",
                                              std::string(55, 'a'), R"(:1" dataset_name: "d")")},
      {c + "ListRecordsRequest",
       R"(identity_pool_id: "a:1" identity_id: "a:1" dataset_name: "d d")"},
      {c + "UpdateRecordsRequest",
       path + R"( sync_session_token: "t" record_patches { op: "put" key: "k" sync_count: 0 })"},
      {c + "UpdateRecordsRequest",
       path +
           R"( sync_session_token: "t" record_patches { op: "remove" key: "k" sync_count: 0 } record_patches { op: "remove" sync_count: 0 })"},
      {c + "UpdateRecordsRequest",
       path + R"( sync_session_token: "t" record_patches { op: "remove" key: "k" })"},
      {c + "UpdateRecordsRequest",
       path + R"( sync_session_token: "t" device_id: ")" + k257 + R"(")"},
      {c + "DescribeDatasetRequest", R"(identity_pool_id: "a:1" identity_id: "a:1")"},
      {c + "ListDatasetsRequest", R"(identity_pool_id: "a:1" identity_id: "a")"},
  });
}

TEST_F(RequestValidatorTest, DynamoDbErrorsAreTheSimulators) {
  const std::string d = "aws.dynamodb.v1.";
  const std::string s = "aws.dynamodbstreams.v1.";
  ExpectSameErrorAsSimulator({
      {d + "DescribeTableRequest", R"(table_name: "")"},
      {d + "CreateTableRequest",
       R"(table_name: "abc" key_schema { attribute_name: "" key_type: "HASH" })"},
      {d + "CreateTableRequest",
       R"(table_name: "abc" key_schema { attribute_name: "k" key_type: "X" })"},
      {d + "PutItemRequest", R"(table_name: "")"},
      {d + "UpdateTimeToLiveRequest", R"(table_name: "abc")"},
      {s + "GetShardIteratorRequest",
       R"(stream_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2024-01-01T00:00:00.000" shard_id: "shardId-1" shard_iterator_type: "X")"},
      {s + "GetRecordsRequest", R"(shard_iterator: "")"},
      {s + "DescribeStreamRequest",
       R"(stream_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2024-01-01T00:00:00.000" limit: 0)"},
      {d + "GetItemRequest", R"(table_name: "")"},
      {s + "DescribeStreamRequest", R"(stream_arn: "")"},
      {s + "DescribeStreamRequest", R"(stream_arn: "short")"},
  });
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
      RunThrough(*dynamodb_, *request),
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
