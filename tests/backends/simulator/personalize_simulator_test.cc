#include "backends/simulator/personalize_simulator.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/request_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::personalize::v1;
using ::awsfacade::testutil::IsAwsError;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSchemaJson[] = R"({
  "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
  "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
             {"name": "TIMESTAMP", "type": "long"}],
  "version": "1.0"})";
constexpr char kGroupPrefix[] = "arn:aws:personalize:us-east-1:123456789012:dataset-group/";
constexpr char kSchemaPrefix[] = "arn:aws:personalize:us-east-1:123456789012:schema/";
constexpr char kDatasetPrefix[] = "arn:aws:personalize:us-east-1:123456789012:dataset/";

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

class PersonalizeSimulatorTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kPending = absl::Seconds(1);
  static constexpr absl::Duration kInProgress = absl::Seconds(4);
  static constexpr absl::Duration kDeletePending = absl::Seconds(2);
  static constexpr absl::Duration kDeleteInProgress = absl::Seconds(3);

  PersonalizeSimulatorTest() { Rebuild(DefaultLimits()); }

  static PersonalizeLimits DefaultLimits() {
    PersonalizeLimits limits;
    limits.pending_time = kPending;
    limits.in_progress_time = kInProgress;
    limits.delete_pending_time = kDeletePending;
    limits.delete_in_progress_time = kDeleteInProgress;
    return limits;
  }

  void Rebuild(PersonalizeLimits limits, std::string region = "us-east-1") {
    SimulatorOptions options;
    options.region = std::move(region);
    options.clock = clock_;
    options.sealer = sealer_;
    simulator_ = std::make_shared<PersonalizeSimulator>(options, limits);
    sim_ = std::make_unique<ValidatedPersonalize>(simulator_);
  }

  void AwaitActive() { clock_->Advance(kPending + kInProgress); }
  void AwaitDeleted() { clock_->Advance(kDeletePending + kDeleteInProgress); }

  absl::StatusOr<v1::CreateDatasetGroupResponse> TryCreateGroup(absl::string_view name,
                                                                absl::string_view domain = "") {
    v1::CreateDatasetGroupRequest request;
    request.set_name(std::string(name));
    request.set_domain(std::string(domain));
    return sim_->CreateDatasetGroup(request);
  }
  std::string CreateGroup(absl::string_view name, absl::string_view domain = "") {
    auto response = TryCreateGroup(name, domain);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->dataset_group_arn() : "";
  }
  std::string CreateActiveGroup(absl::string_view name, absl::string_view domain = "") {
    std::string arn = CreateGroup(name, domain);
    AwaitActive();
    return arn;
  }

  absl::StatusOr<v1::CreateSchemaResponse> TryCreateSchema(absl::string_view name,
                                                           absl::string_view schema = kSchemaJson,
                                                           absl::string_view domain = "") {
    v1::CreateSchemaRequest request;
    request.set_name(std::string(name));
    request.set_schema(std::string(schema));
    request.set_domain(std::string(domain));
    return sim_->CreateSchema(request);
  }
  std::string CreateSchema(absl::string_view name, absl::string_view domain = "") {
    auto response = TryCreateSchema(name, kSchemaJson, domain);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->schema_arn() : "";
  }

  absl::StatusOr<v1::CreateDatasetResponse> TryCreateDataset(absl::string_view group_arn,
                                                             absl::string_view type,
                                                             absl::string_view schema_arn,
                                                             absl::string_view name = "ds") {
    v1::CreateDatasetRequest request;
    request.set_name(std::string(name));
    request.set_dataset_group_arn(std::string(group_arn));
    request.set_dataset_type(std::string(type));
    request.set_schema_arn(std::string(schema_arn));
    return sim_->CreateDataset(request);
  }
  std::string CreateDataset(absl::string_view group_arn, absl::string_view type,
                            absl::string_view schema_arn) {
    auto response = TryCreateDataset(group_arn, type, schema_arn);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->dataset_arn() : "";
  }

  absl::StatusOr<v1::DatasetGroup> DescribeGroup(absl::string_view arn) {
    v1::DescribeDatasetGroupRequest request;
    request.set_dataset_group_arn(std::string(arn));
    auto response = sim_->DescribeDatasetGroup(request);
    if (!response.ok()) return response.status();
    return response->dataset_group();
  }
  absl::StatusOr<v1::Dataset> DescribeDataset(absl::string_view arn) {
    v1::DescribeDatasetRequest request;
    request.set_dataset_arn(std::string(arn));
    auto response = sim_->DescribeDataset(request);
    if (!response.ok()) return response.status();
    return response->dataset();
  }
  absl::Status DeleteGroup(absl::string_view arn) {
    v1::DeleteDatasetGroupRequest request;
    request.set_dataset_group_arn(std::string(arn));
    return sim_->DeleteDatasetGroup(request).status();
  }
  absl::Status DeleteSchema(absl::string_view arn) {
    v1::DeleteSchemaRequest request;
    request.set_schema_arn(std::string(arn));
    return sim_->DeleteSchema(request).status();
  }
  absl::Status DeleteDataset(absl::string_view arn) {
    v1::DeleteDatasetRequest request;
    request.set_dataset_arn(std::string(arn));
    return sim_->DeleteDataset(request).status();
  }

  absl::StatusOr<v1::ListDatasetsResponse> ListDatasets(absl::string_view group_arn,
                                                        absl::string_view token,
                                                        std::optional<int> max_results) {
    v1::ListDatasetsRequest request;
    request.set_dataset_group_arn(std::string(group_arn));
    request.set_next_token(std::string(token));
    if (max_results) request.set_max_results(*max_results);
    return sim_->ListDatasets(request);
  }
  // Follows nextToken to the end; checks every page's size along the way.
  std::vector<std::string> ListAllDatasetArns(absl::string_view group_arn,
                                              std::optional<int> max_results) {
    std::vector<std::string> arns;
    std::string token;
    const int limit = max_results.value_or(100);
    for (int page = 0; page < 1000; ++page) {
      auto response = ListDatasets(group_arn, token, max_results);
      EXPECT_TRUE(response.ok()) << response.status();
      if (!response.ok()) break;
      EXPECT_LE(response->datasets_size(), limit);
      if (!response->next_token().empty()) {
        EXPECT_EQ(response->datasets_size(), limit);
      }
      for (const auto& d : response->datasets()) arns.push_back(d.dataset_arn());
      token = response->next_token();
      if (token.empty()) break;
    }
    return arns;
  }

  // 50 ACTIVE groups with all 5 dataset types each: 250 datasets, returned
  // in creation order.
  std::vector<std::string> Create250Datasets() {
    PersonalizeLimits limits = DefaultLimits();
    limits.max_dataset_groups = 50;
    Rebuild(limits);
    std::string schema = CreateSchema("s");
    std::vector<std::string> groups;
    for (int i = 0; i < 50; ++i) groups.push_back(CreateGroup(absl::StrCat("g", i)));
    AwaitActive();
    std::vector<std::string> datasets;
    for (const std::string& group : groups) {
      for (absl::string_view type :
           {"Interactions", "Items", "Users", "Actions", "Action_Interactions"}) {
        datasets.push_back(CreateDataset(group, type, schema));
      }
    }
    return datasets;
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<TokenSealer> sealer_ = std::make_shared<TokenSealer>("test-key");
  // The simulator (Reset), and its operations as the server calls them:
  // behind the model validation, which the simulator leaves to its caller.
  std::shared_ptr<PersonalizeSimulator> simulator_;
  std::unique_ptr<ValidatedPersonalize> sim_;
};

// --- CreateDatasetGroup -----------------------------------------------------

TEST_F(PersonalizeSimulatorTest, CreateDatasetGroupReturnsArnAndDomain) {
  auto response = TryCreateGroup("movies", "VIDEO_ON_DEMAND");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->dataset_group_arn(), absl::StrCat(kGroupPrefix, "movies"));
  EXPECT_EQ(response->domain(), "VIDEO_ON_DEMAND");
}

TEST_F(PersonalizeSimulatorTest, ArnsUseConfiguredRegionAndAccount) {
  Rebuild(DefaultLimits(), "eu-west-1");
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  std::string dataset = CreateDataset(group, "Interactions", schema);
  EXPECT_EQ(group, "arn:aws:personalize:eu-west-1:123456789012:dataset-group/g");
  EXPECT_EQ(schema, "arn:aws:personalize:eu-west-1:123456789012:schema/s");
  EXPECT_EQ(dataset, "arn:aws:personalize:eu-west-1:123456789012:dataset/g/INTERACTIONS");
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetGroupValidatesName) {
  EXPECT_THAT(TryCreateGroup(""), IsAwsError("InvalidInputException", HasSubstr("'name'")));
  EXPECT_THAT(TryCreateGroup(std::string(64, 'a')),
              IsAwsError("InvalidInputException", HasSubstr("less than or equal to 63")));
  EXPECT_THAT(TryCreateGroup("-starts-with-dash"),
              IsAwsError("InvalidInputException", HasSubstr("regular expression")));
  EXPECT_THAT(TryCreateGroup("_underscore"), IsAwsError("InvalidInputException"));
  EXPECT_THAT(TryCreateGroup("has.dot"), IsAwsError("InvalidInputException"));
  EXPECT_THAT(TryCreateGroup("has space"), IsAwsError("InvalidInputException"));
  EXPECT_TRUE(TryCreateGroup(std::string(63, 'a')).ok());
  EXPECT_TRUE(TryCreateGroup("9a-b_c").ok());
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetGroupValidationErrorNamesField) {
  absl::Status status = TryCreateGroup("bad.name").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsErrorField(status), "name");
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetGroupValidatesRoleAndKmsKeyArns) {
  constexpr char kRole[] = "arn:aws:iam::123456789012:role/PersonalizeRole";
  constexpr char kKey[] = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd";
  auto create = [&](absl::string_view role, absl::string_view key) {
    v1::CreateDatasetGroupRequest request;
    request.set_name("g");
    request.set_role_arn(std::string(role));
    request.set_kms_key_arn(std::string(key));
    return sim_->CreateDatasetGroup(request);
  };
  EXPECT_THAT(create("arn:aws:iam::12345:role/R", kKey),
              IsAwsError("InvalidInputException", HasSubstr("roleArn")));
  EXPECT_THAT(create("arn:aws:iam::123456789012:user/R", kKey),
              IsAwsError("InvalidInputException"));
  EXPECT_THAT(create("arn:aws:iam::123456789012:role", kKey), IsAwsError("InvalidInputException"));
  EXPECT_THAT(create(kRole, "arn:aws:kms:us-east-1:1234:key/x"),
              IsAwsError("InvalidInputException", HasSubstr("kmsKeyArn")));
  EXPECT_THAT(create(kRole, "arn:aws:s3:us-east-1:123456789012:key/x"),
              IsAwsError("InvalidInputException"));
  EXPECT_THAT(create(kRole, absl::StrCat(kKey, std::string(2048, 'k'))),
              IsAwsError("InvalidInputException", HasSubstr("2048")));
  ASSERT_TRUE(create(kRole, kKey).ok());
  auto group = DescribeGroup(absl::StrCat(kGroupPrefix, "g"));
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->role_arn(), kRole);
  EXPECT_EQ(group->kms_key_arn(), kKey);
}

TEST_F(PersonalizeSimulatorTest, KmsKeyArnAndRoleArnGoTogether) {
  v1::CreateDatasetGroupRequest request;
  request.set_name("g");
  request.set_kms_key_arn("arn:aws:kms:us-east-1:123456789012:key/k");
  EXPECT_THAT(sim_->CreateDatasetGroup(request),
              IsAwsError("InvalidInputException", HasSubstr("roleArn")));
  request.clear_kms_key_arn();
  request.set_role_arn("arn:aws:iam::123456789012:role/R");
  EXPECT_THAT(sim_->CreateDatasetGroup(request),
              IsAwsError("InvalidInputException", HasSubstr("kmsKeyArn")));
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetGroupRejectsUnknownDomain) {
  EXPECT_THAT(TryCreateGroup("g", "RETAIL"),
              IsAwsError("InvalidInputException", HasSubstr("ECOMMERCE")));
  EXPECT_THAT(TryCreateGroup("g", "ecommerce"), IsAwsError("InvalidInputException"));
  EXPECT_TRUE(TryCreateGroup("g", "ECOMMERCE").ok());
}

TEST_F(PersonalizeSimulatorTest, MoreThan200TagsIsTooManyTags) {
  v1::CreateDatasetGroupRequest request;
  request.set_name("g");
  for (int i = 0; i < 201; ++i) {
    v1::Tag* tag = request.add_tags();
    tag->set_tag_key(absl::StrCat("k", i));
    tag->set_tag_value("v");
  }
  absl::Status status = sim_->CreateDatasetGroup(request).status();
  EXPECT_THAT(status, IsAwsError("TooManyTagsException"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  request.mutable_tags()->RemoveLast();
  EXPECT_TRUE(sim_->CreateDatasetGroup(request).ok());
}

TEST_F(PersonalizeSimulatorTest, TagKeysAndValuesAreValidated) {
  auto create = [&](absl::string_view key, absl::string_view value) {
    v1::CreateDatasetGroupRequest request;
    request.set_name("g");
    v1::Tag* tag = request.add_tags();
    tag->set_tag_key(std::string(key));
    tag->set_tag_value(std::string(value));
    return sim_->CreateDatasetGroup(request).status();
  };
  EXPECT_THAT(create("", "v"),
              IsAwsError("InvalidInputException", HasSubstr("tags.1.member.tagKey")));
  EXPECT_THAT(create(std::string(129, 'k'), "v"), IsAwsError("InvalidInputException"));
  EXPECT_THAT(create("k", std::string(257, 'v')),
              IsAwsError("InvalidInputException", HasSubstr("tagValue")));
  EXPECT_THAT(create("bad#key", "v"), IsAwsError("InvalidInputException", HasSubstr("pattern")));
  EXPECT_THAT(create("k", "bad*value"), IsAwsError("InvalidInputException"));
  EXPECT_THAT(create("k", "\xff"), IsAwsError("InvalidInputException"));  // not UTF-8
  // Letters, numbers and separators of any script, the listed symbols, and
  // an empty value are fine.
  EXPECT_TRUE(create("Kostenstelle \xC3\xBC_.:/=+-@ 42", "").ok());
}

TEST_F(PersonalizeSimulatorTest, DuplicateDatasetGroupNameAlreadyExists) {
  CreateGroup("g");
  absl::Status status = TryCreateGroup("g").status();
  EXPECT_THAT(status, IsAwsError("ResourceAlreadyExistsException"));
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(PersonalizeSimulatorTest, SixthDatasetGroupExceedsQuota) {
  for (int i = 0; i < 5; ++i) CreateGroup(absl::StrCat("g", i));
  absl::Status status = TryCreateGroup("g5").status();
  EXPECT_THAT(status, IsAwsError("LimitExceededException"));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(PersonalizeSimulatorTest, DeletedGroupFreesQuotaAndNameOnlyWhenGone) {
  for (int i = 0; i < 5; ++i) CreateGroup(absl::StrCat("g", i));
  AwaitActive();
  ASSERT_TRUE(DeleteGroup(absl::StrCat(kGroupPrefix, "g0")).ok());
  EXPECT_THAT(TryCreateGroup("g5"), IsAwsError("LimitExceededException"));
  EXPECT_THAT(TryCreateGroup("g0"), IsAwsError("ResourceAlreadyExistsException"));
  AwaitDeleted();
  EXPECT_TRUE(TryCreateGroup("g0").ok());
}

// --- Dataset group lifecycle and Describe ------------------------------------

TEST_F(PersonalizeSimulatorTest, DatasetGroupStatusFollowsClock) {
  absl::Time created = clock_->Now();
  std::string arn = CreateGroup("g");
  auto group = DescribeGroup(arn);
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->status(), "CREATE PENDING");
  EXPECT_EQ(ToTime(group->last_updated_date_time()), created);

  clock_->Advance(kPending);
  group = DescribeGroup(arn);
  EXPECT_EQ(group->status(), "CREATE IN_PROGRESS");
  EXPECT_EQ(ToTime(group->last_updated_date_time()), created + kPending);

  clock_->Advance(kInProgress - absl::Milliseconds(1));
  EXPECT_EQ(DescribeGroup(arn)->status(), "CREATE IN_PROGRESS");
  clock_->Advance(absl::Milliseconds(1));
  group = DescribeGroup(arn);
  EXPECT_EQ(group->status(), "ACTIVE");
  EXPECT_EQ(ToTime(group->last_updated_date_time()), created + kPending + kInProgress);
  EXPECT_EQ(ToTime(group->creation_date_time()), created);
}

TEST_F(PersonalizeSimulatorTest, DescribeDatasetGroupFillsEveryField) {
  absl::Time created = clock_->Now();
  std::string arn = CreateActiveGroup("shop", "ECOMMERCE");
  auto group = DescribeGroup(arn);
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->name(), "shop");
  EXPECT_EQ(group->dataset_group_arn(), arn);
  EXPECT_EQ(group->status(), "ACTIVE");
  EXPECT_EQ(group->domain(), "ECOMMERCE");
  EXPECT_EQ(ToTime(group->creation_date_time()), created);
  EXPECT_TRUE(group->has_last_updated_date_time());
  EXPECT_EQ(group->failure_reason(), "");
}

TEST_F(PersonalizeSimulatorTest, DescribeUnknownArnIsNotFound) {
  absl::Status status = DescribeGroup(absl::StrCat(kGroupPrefix, "nope")).status();
  EXPECT_THAT(status, IsAwsError("ResourceNotFoundException"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  v1::DescribeSchemaRequest schema;
  schema.set_schema_arn(absl::StrCat(kSchemaPrefix, "nope"));
  EXPECT_THAT(sim_->DescribeSchema(schema), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(DescribeDataset(absl::StrCat(kDatasetPrefix, "g/ITEMS")),
              IsAwsError("ResourceNotFoundException"));
  // Well-formed, but another account's.
  CreateGroup("g");
  EXPECT_THAT(DescribeGroup("arn:aws:personalize:us-east-1:999999999999:dataset-group/g"),
              IsAwsError("ResourceNotFoundException"));
}

TEST_F(PersonalizeSimulatorTest, MalformedArnIsInvalidInput) {
  for (const std::string& arn :
       {std::string(""), std::string("dataset-group/g"),
        std::string("arn:aws:s3:us-east-1:123456789012:dataset-group/g"),
        std::string("arn:AWS:personalize:us-east-1:123456789012:dataset-group/g"),
        std::string("arn:aws:personalize:us-east-1:123456789012:"),
        std::string("arn:aws:personalize:us-east-1"),
        absl::StrCat(kGroupPrefix, std::string(256, 'g'))}) {
    EXPECT_THAT(DescribeGroup(arn), IsAwsError("InvalidInputException")) << arn;
    EXPECT_THAT(DescribeDataset(arn), IsAwsError("InvalidInputException")) << arn;
    EXPECT_THAT(DeleteSchema(arn), IsAwsError("InvalidInputException")) << arn;
  }
}

// --- DeleteDatasetGroup ------------------------------------------------------

TEST_F(PersonalizeSimulatorTest, DeletedDatasetGroupIsDeletePendingThenGone) {
  std::string arn = CreateActiveGroup("g");
  absl::Time deleted = clock_->Now();
  ASSERT_TRUE(DeleteGroup(arn).ok());
  auto group = DescribeGroup(arn);
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->status(), "DELETE PENDING");
  EXPECT_EQ(ToTime(group->last_updated_date_time()), deleted);
  // A dataset group has no DELETE IN_PROGRESS status.
  clock_->Advance(kDeletePending + kDeleteInProgress - absl::Milliseconds(1));
  EXPECT_EQ(DescribeGroup(arn)->status(), "DELETE PENDING");
  clock_->Advance(absl::Milliseconds(1));
  EXPECT_THAT(DescribeGroup(arn), IsAwsError("ResourceNotFoundException"));
}

TEST_F(PersonalizeSimulatorTest, DeleteDatasetGroupWhileCreatingIsInUse) {
  std::string arn = CreateGroup("g");
  absl::Status status = DeleteGroup(arn);
  EXPECT_THAT(status, IsAwsError("ResourceInUseException", HasSubstr("CREATE PENDING")));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PersonalizeSimulatorTest, DeleteDatasetGroupTwiceIsInUse) {
  std::string arn = CreateActiveGroup("g");
  ASSERT_TRUE(DeleteGroup(arn).ok());
  EXPECT_THAT(DeleteGroup(arn), IsAwsError("ResourceInUseException", HasSubstr("DELETE PENDING")));
}

TEST_F(PersonalizeSimulatorTest, DeleteDatasetGroupWithDatasetsIsInUse) {
  std::string group = CreateActiveGroup("g");
  std::string dataset = CreateDataset(group, "Items", CreateSchema("s"));
  EXPECT_THAT(DeleteGroup(group), IsAwsError("ResourceInUseException", HasSubstr(dataset)));
  AwaitActive();
  ASSERT_TRUE(DeleteDataset(dataset).ok());
  // Still in use while the dataset is being deleted.
  EXPECT_THAT(DeleteGroup(group), IsAwsError("ResourceInUseException"));
  AwaitDeleted();
  EXPECT_TRUE(DeleteGroup(group).ok());
}

TEST_F(PersonalizeSimulatorTest, DeleteUnknownDatasetGroupIsNotFound) {
  EXPECT_THAT(DeleteGroup(absl::StrCat(kGroupPrefix, "nope")),
              IsAwsError("ResourceNotFoundException"));
}

// --- Schemas ------------------------------------------------------------------

TEST_F(PersonalizeSimulatorTest, SchemaIsAvailableAtOnceWithEveryField) {
  absl::Time created = clock_->Now();
  auto response = TryCreateSchema("s", kSchemaJson, "ECOMMERCE");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->schema_arn(), absl::StrCat(kSchemaPrefix, "s"));
  v1::DescribeSchemaRequest request;
  request.set_schema_arn(response->schema_arn());
  auto described = sim_->DescribeSchema(request);
  ASSERT_TRUE(described.ok()) << described.status();
  const v1::DatasetSchema& schema = described->schema();
  EXPECT_EQ(schema.name(), "s");
  EXPECT_EQ(schema.schema_arn(), response->schema_arn());
  EXPECT_EQ(schema.schema(), kSchemaJson);
  EXPECT_EQ(schema.domain(), "ECOMMERCE");
  EXPECT_EQ(ToTime(schema.creation_date_time()), created);
  EXPECT_EQ(ToTime(schema.last_updated_date_time()), created);
}

TEST_F(PersonalizeSimulatorTest, SchemaMustBeAvroRecord) {
  for (absl::string_view bad : {"not json", "[]", R"({"type": "enum", "fields": []})",
                                R"({"type": "record"})", R"({"type": "record", "fields": []})",
                                R"({"type": "record", "fields": [{"type": "string"}]})",
                                R"({"type": "record", "fields": [{"name": "USER_ID"}]})",
                                R"({"type": "record", "fields": ["USER_ID"]})"}) {
    EXPECT_THAT(TryCreateSchema("s", bad), IsAwsError("InvalidInputException", HasSubstr("Avro")))
        << bad;
  }
  EXPECT_TRUE(TryCreateSchema("s", R"({"type": "record", "fields": [
      {"name": "ITEM_ID", "type": "string"},
      {"name": "GENRES", "type": ["null", "string"], "categorical": true}]})")
                  .ok());
}

TEST_F(PersonalizeSimulatorTest, SchemaIsRequiredAndAtMost20000Chars) {
  EXPECT_THAT(TryCreateSchema("s", ""), IsAwsError("InvalidInputException", HasSubstr("schema")));
  std::string big = absl::StrCat(
      R"({"type": "record", "fields": [{"name": "A", "type": "string"}],)", R"( "doc": ")");
  big.append(20000 - big.size() - 2, 'x');
  big.append("\"}");
  ASSERT_EQ(big.size(), 20000u);
  EXPECT_TRUE(TryCreateSchema("s1", big).ok());
  big.insert(big.size() - 2, "x");
  EXPECT_THAT(TryCreateSchema("s2", big), IsAwsError("InvalidInputException", HasSubstr("20000")));
}

TEST_F(PersonalizeSimulatorTest, CreateSchemaValidatesNameAndDomain) {
  EXPECT_THAT(TryCreateSchema("bad name"), IsAwsError("InvalidInputException", HasSubstr("name")));
  EXPECT_THAT(TryCreateSchema("s", kSchemaJson, "MUSIC"),
              IsAwsError("InvalidInputException", HasSubstr("domain")));
}

TEST_F(PersonalizeSimulatorTest, DuplicateSchemaNameAlreadyExists) {
  CreateSchema("s");
  EXPECT_THAT(TryCreateSchema("s"), IsAwsError("ResourceAlreadyExistsException"));
}

TEST_F(PersonalizeSimulatorTest, SchemaQuotaIsEnforced) {
  PersonalizeLimits limits = DefaultLimits();
  limits.max_schemas = 3;
  Rebuild(limits);
  for (int i = 0; i < 3; ++i) CreateSchema(absl::StrCat("s", i));
  EXPECT_THAT(TryCreateSchema("s3"), IsAwsError("LimitExceededException"));
  ASSERT_TRUE(DeleteSchema(absl::StrCat(kSchemaPrefix, "s0")).ok());
  EXPECT_TRUE(TryCreateSchema("s3").ok());
}

TEST_F(PersonalizeSimulatorTest, DeleteSchemaIsImmediate) {
  std::string arn = CreateSchema("s");
  ASSERT_TRUE(DeleteSchema(arn).ok());
  v1::DescribeSchemaRequest request;
  request.set_schema_arn(arn);
  EXPECT_THAT(sim_->DescribeSchema(request), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(DeleteSchema(arn), IsAwsError("ResourceNotFoundException"));
}

TEST_F(PersonalizeSimulatorTest, DeleteSchemaUsedByDatasetIsInUse) {
  std::string schema = CreateSchema("s");
  std::string dataset = CreateDataset(CreateActiveGroup("g"), "Users", schema);
  EXPECT_THAT(DeleteSchema(schema), IsAwsError("ResourceInUseException", HasSubstr(dataset)));
  AwaitActive();
  ASSERT_TRUE(DeleteDataset(dataset).ok());
  EXPECT_THAT(DeleteSchema(schema), IsAwsError("ResourceInUseException"));
  AwaitDeleted();
  EXPECT_TRUE(DeleteSchema(schema).ok());
}

TEST_F(PersonalizeSimulatorTest, ListSchemasPaginatesInCreationOrder) {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) created.push_back(CreateSchema(absl::StrCat("z", 7 - i)));
  std::vector<std::string> listed;
  std::string token;
  do {
    v1::ListSchemasRequest request;
    request.set_max_results(3);
    request.set_next_token(token);
    auto page = sim_->ListSchemas(request);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& s : page->schemas()) {
      listed.push_back(s.schema_arn());
      EXPECT_TRUE(s.has_creation_date_time());
    }
    token = page->next_token();
  } while (!token.empty());
  EXPECT_EQ(listed, created);
}

// --- CreateDataset ------------------------------------------------------------

TEST_F(PersonalizeSimulatorTest, DatasetArnHasUpperCaseTypeAndResponseCanonicalType) {
  std::string group = CreateActiveGroup("MovieRatings");
  auto response = TryCreateDataset(group, "iNtErAcTiOnS", CreateSchema("s"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->dataset_arn(), absl::StrCat(kDatasetPrefix, "MovieRatings/INTERACTIONS"));
  EXPECT_EQ(DescribeDataset(response->dataset_arn())->dataset_type(), "Interactions");
}

TEST_F(PersonalizeSimulatorTest, EveryDocumentedDatasetTypeIsAccepted) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  for (absl::string_view type :
       {"interactions", "ITEMS", "Users", "actions", "ACTION_interactions"}) {
    EXPECT_TRUE(TryCreateDataset(group, type, schema).ok()) << type;
  }
  auto listed = ListDatasets(group, "", std::nullopt);
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> types;
  for (const auto& d : listed->datasets()) types.push_back(d.dataset_type());
  EXPECT_THAT(types,
              ElementsAre("Interactions", "Items", "Users", "Actions", "Action_Interactions"));
  // Only an Action interactions dataset has an event tracker.
  EXPECT_THAT(DescribeDataset(absl::StrCat(kDatasetPrefix, "g/ACTION_INTERACTIONS"))->tracking_id(),
              SizeIs(36));
  EXPECT_THAT(DescribeDataset(absl::StrCat(kDatasetPrefix, "g/ITEMS"))->tracking_id(), IsEmpty());
}

TEST_F(PersonalizeSimulatorTest, UnknownDatasetTypeIsInvalidInput) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  EXPECT_THAT(TryCreateDataset(group, "Events", schema),
              IsAwsError("InvalidInputException", HasSubstr("Action_Interactions")));
  EXPECT_THAT(TryCreateDataset(group, "Event-Interactions", schema),
              IsAwsError("InvalidInputException", HasSubstr("regular expression")));
  EXPECT_THAT(TryCreateDataset(group, "", schema),
              IsAwsError("InvalidInputException", HasSubstr("datasetType")));
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetValidatesNameAndArns) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  EXPECT_THAT(TryCreateDataset(group, "Items", schema, "bad/name"),
              IsAwsError("InvalidInputException", HasSubstr("name")));
  EXPECT_THAT(TryCreateDataset(group, "Items", "schema/s"),
              IsAwsError("InvalidInputException", HasSubstr("schemaArn")));
  EXPECT_THAT(TryCreateDataset("", "Items", schema),
              IsAwsError("InvalidInputException", HasSubstr("datasetGroupArn")));
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetNeedsExistingGroupAndSchema) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  EXPECT_THAT(TryCreateDataset(absl::StrCat(kGroupPrefix, "nope"), "Items", schema),
              IsAwsError("ResourceNotFoundException", HasSubstr("dataset group")));
  EXPECT_THAT(TryCreateDataset(group, "Items", absl::StrCat(kSchemaPrefix, "nope")),
              IsAwsError("ResourceNotFoundException", HasSubstr("schema")));
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetNeedsActiveGroup) {
  std::string schema = CreateSchema("s");
  std::string group = CreateGroup("g");
  EXPECT_THAT(TryCreateDataset(group, "Items", schema),
              IsAwsError("ResourceInUseException", HasSubstr("CREATE PENDING")));
  clock_->Advance(kPending);
  EXPECT_THAT(TryCreateDataset(group, "Items", schema),
              IsAwsError("ResourceInUseException", HasSubstr("CREATE IN_PROGRESS")));
  clock_->Advance(kInProgress);
  EXPECT_TRUE(TryCreateDataset(group, "Items", schema).ok());
}

TEST_F(PersonalizeSimulatorTest, SecondDatasetOfATypeAlreadyExists) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  CreateDataset(group, "Items", schema);
  EXPECT_THAT(TryCreateDataset(group, "ITEMS", schema, "other"),
              IsAwsError("ResourceAlreadyExistsException"));
  // Another group may have its own.
  EXPECT_TRUE(TryCreateDataset(CreateActiveGroup("h"), "Items", schema).ok());
}

TEST_F(PersonalizeSimulatorTest, SchemaAndGroupDomainsMustMatch) {
  std::string group = CreateActiveGroup("g", "ECOMMERCE");
  std::string video_schema = CreateSchema("video", "VIDEO_ON_DEMAND");
  EXPECT_THAT(TryCreateDataset(group, "Items", video_schema),
              IsAwsError("InvalidInputException", HasSubstr("domain")));
  EXPECT_TRUE(TryCreateDataset(group, "Items", CreateSchema("shop", "ECOMMERCE")).ok());
  EXPECT_TRUE(TryCreateDataset(group, "Users", CreateSchema("custom")).ok());
}

TEST_F(PersonalizeSimulatorTest, CreateDatasetChecksTags) {
  v1::CreateDatasetRequest request;
  request.set_name("ds");
  request.set_dataset_group_arn(CreateActiveGroup("g"));
  request.set_schema_arn(CreateSchema("s"));
  request.set_dataset_type("Items");
  for (int i = 0; i < 201; ++i) request.add_tags()->set_tag_key(absl::StrCat("k", i));
  EXPECT_THAT(sim_->CreateDataset(request), IsAwsError("TooManyTagsException"));
  request.mutable_tags()->Clear();
  request.add_tags()->set_tag_key("bad!");
  EXPECT_THAT(sim_->CreateDataset(request), IsAwsError("InvalidInputException"));
}

// --- Dataset lifecycle --------------------------------------------------------

TEST_F(PersonalizeSimulatorTest, DatasetGoesThroughCreateAndDeleteStatuses) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  absl::Time created = clock_->Now();
  std::string arn = CreateDataset(group, "Interactions", schema);
  auto status_at = [&](absl::Duration offset) {
    clock_->Set(created + offset);
    auto d = DescribeDataset(arn);
    if (!d.ok()) return std::make_pair(std::string("gone"), absl::InfinitePast());
    return std::make_pair(d->status(), ToTime(d->last_updated_date_time()));
  };
  EXPECT_EQ(status_at(absl::ZeroDuration()),
            std::make_pair(std::string("CREATE PENDING"), created));
  EXPECT_EQ(status_at(kPending),
            std::make_pair(std::string("CREATE IN_PROGRESS"), created + kPending));
  absl::Time active = created + kPending + kInProgress;
  EXPECT_EQ(status_at(kPending + kInProgress), std::make_pair(std::string("ACTIVE"), active));

  clock_->Set(active + absl::Seconds(10));
  absl::Time deleted = clock_->Now();
  ASSERT_TRUE(DeleteDataset(arn).ok());
  absl::Duration base = deleted - created;
  EXPECT_EQ(status_at(base), std::make_pair(std::string("DELETE PENDING"), deleted));
  EXPECT_EQ(status_at(base + kDeletePending),
            std::make_pair(std::string("DELETE IN_PROGRESS"), deleted + kDeletePending));
  EXPECT_EQ(status_at(base + kDeletePending + kDeleteInProgress).first, "gone");
  EXPECT_THAT(DescribeDataset(arn), IsAwsError("ResourceNotFoundException"));
}

TEST_F(PersonalizeSimulatorTest, DescribeDatasetFillsEveryField) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  absl::Time created = clock_->Now();
  std::string arn = CreateDataset(group, "Action_Interactions", schema);
  auto d = DescribeDataset(arn);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name(), "ds");
  EXPECT_EQ(d->dataset_arn(), arn);
  EXPECT_EQ(d->dataset_group_arn(), group);
  EXPECT_EQ(d->dataset_type(), "Action_Interactions");
  EXPECT_EQ(d->schema_arn(), schema);
  EXPECT_EQ(d->status(), "CREATE PENDING");
  EXPECT_EQ(ToTime(d->creation_date_time()), created);
  EXPECT_EQ(ToTime(d->last_updated_date_time()), created);
  EXPECT_THAT(d->tracking_id(),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                      "[0-9a-f]{12}"));
  EXPECT_FALSE(d->has_latest_dataset_update());
}

TEST_F(PersonalizeSimulatorTest, DeleteDatasetTwiceOrWhileCreatingIsInUse) {
  std::string arn = CreateDataset(CreateActiveGroup("g"), "Items", CreateSchema("s"));
  EXPECT_THAT(DeleteDataset(arn),
              IsAwsError("ResourceInUseException", HasSubstr("CREATE PENDING")));
  AwaitActive();
  ASSERT_TRUE(DeleteDataset(arn).ok());
  EXPECT_THAT(DeleteDataset(arn),
              IsAwsError("ResourceInUseException", HasSubstr("DELETE PENDING")));
  clock_->Advance(kDeletePending);
  EXPECT_THAT(DeleteDataset(arn),
              IsAwsError("ResourceInUseException", HasSubstr("DELETE IN_PROGRESS")));
  clock_->Advance(kDeleteInProgress);
  EXPECT_THAT(DeleteDataset(arn), IsAwsError("ResourceNotFoundException"));
}

TEST_F(PersonalizeSimulatorTest, DeleteUnknownDatasetIsNotFound) {
  EXPECT_THAT(DeleteDataset(absl::StrCat(kDatasetPrefix, "g/ITEMS")),
              IsAwsError("ResourceNotFoundException"));
}

TEST_F(PersonalizeSimulatorTest, DatasetTypeCanBeRecreatedAfterDeletionFinishes) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  std::string arn = CreateDataset(group, "Items", schema);
  AwaitActive();
  ASSERT_TRUE(DeleteDataset(arn).ok());
  EXPECT_THAT(TryCreateDataset(group, "Items", schema),
              IsAwsError("ResourceAlreadyExistsException"));
  AwaitDeleted();
  EXPECT_TRUE(TryCreateDataset(group, "Items", schema).ok());
}

// --- Listing --------------------------------------------------------------------

TEST_F(PersonalizeSimulatorTest, ListDatasetGroupsPaginatesWithStatuses) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) {
    created.push_back(CreateGroup(absl::StrCat("g", 4 - i)));
    clock_->Advance(kPending);
  }
  v1::ListDatasetGroupsRequest request;
  request.set_max_results(2);
  std::vector<std::string> arns, statuses;
  do {
    auto page = sim_->ListDatasetGroups(request);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->dataset_groups_size(), 2);
    for (const auto& g : page->dataset_groups()) {
      arns.push_back(g.dataset_group_arn());
      statuses.push_back(g.status());
    }
    request.set_next_token(page->next_token());
  } while (!request.next_token().empty());
  EXPECT_EQ(arns, created);
  EXPECT_THAT(statuses, ElementsAre("ACTIVE", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS",
                                    "CREATE IN_PROGRESS", "CREATE IN_PROGRESS"));
}

TEST_F(PersonalizeSimulatorTest, ListDatasets250InCreationOrderForEveryPageSize) {
  std::vector<std::string> created = Create250Datasets();
  ASSERT_THAT(created, SizeIs(250));
  for (std::optional<int> page_size :
       {std::optional<int>(1), std::optional<int>(7), std::optional<int>(50),
        std::optional<int>(100), std::optional<int>(), std::optional<int>(33)}) {
    EXPECT_EQ(ListAllDatasetArns("", page_size), created) << "page size " << page_size.value_or(-1);
  }
}

TEST_F(PersonalizeSimulatorTest, ListDatasetsDefaultPageIs100) {
  Create250Datasets();
  auto page = ListDatasets("", "", std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->datasets(), SizeIs(100));
  EXPECT_FALSE(page->next_token().empty());
}

TEST_F(PersonalizeSimulatorTest, ListDatasetsFiltersByGroup) {
  std::vector<std::string> created = Create250Datasets();
  std::string group = absl::StrCat(kGroupPrefix, "g17");
  std::vector<std::string> expected(created.begin() + 17 * 5, created.begin() + 18 * 5);
  EXPECT_EQ(ListAllDatasetArns(group, 2), expected);
  EXPECT_EQ(ListAllDatasetArns(group, 5), expected);
  EXPECT_EQ(ListAllDatasetArns(group, std::nullopt), expected);
}

TEST_F(PersonalizeSimulatorTest, NoNextTokenWhenLastPageIsExactlyFull) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  for (absl::string_view type : {"Interactions", "Items", "Users", "Actions"}) {
    CreateDataset(group, type, schema);
  }
  auto first = ListDatasets(group, "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_token().empty());
  auto second = ListDatasets(group, first->next_token(), 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->datasets(), SizeIs(2));
  EXPECT_TRUE(second->next_token().empty());
  auto all = ListDatasets(group, "", 4);
  EXPECT_TRUE(all->next_token().empty());
}

TEST_F(PersonalizeSimulatorTest, GroupAndSchemaListsOmitTokenAfterExactlyFullLastPage) {
  for (int i = 0; i < 4; ++i) {
    CreateGroup(absl::StrCat("g", i));
    CreateSchema(absl::StrCat("s", i));
  }
  v1::ListDatasetGroupsRequest groups;
  groups.set_max_results(2);
  auto group_page = sim_->ListDatasetGroups(groups);
  ASSERT_TRUE(group_page.ok()) << group_page.status();
  groups.set_next_token(group_page->next_token());
  group_page = sim_->ListDatasetGroups(groups);
  ASSERT_TRUE(group_page.ok()) << group_page.status();
  EXPECT_THAT(group_page->dataset_groups(), SizeIs(2));
  EXPECT_TRUE(group_page->next_token().empty());

  v1::ListSchemasRequest schemas;
  schemas.set_max_results(4);
  auto schema_page = sim_->ListSchemas(schemas);
  ASSERT_TRUE(schema_page.ok()) << schema_page.status();
  EXPECT_THAT(schema_page->schemas(), SizeIs(4));
  EXPECT_TRUE(schema_page->next_token().empty());
}

TEST_F(PersonalizeSimulatorTest, ListDatasetsWithUnknownGroupIsEmpty) {
  auto page = ListDatasets(absl::StrCat(kGroupPrefix, "nope"), "", std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->datasets(), IsEmpty());
  EXPECT_TRUE(page->next_token().empty());
  EXPECT_THAT(ListDatasets("not-an-arn", "", std::nullopt),
              IsAwsError("InvalidInputException", HasSubstr("datasetGroupArn")));
}

TEST_F(PersonalizeSimulatorTest, MaxResultsOutsideOneToHundredIsInvalidInput) {
  for (int bad : {0, -1, 101}) {
    EXPECT_THAT(ListDatasets("", "", bad),
                IsAwsError("InvalidInputException", HasSubstr("maxResults")));
    v1::ListDatasetGroupsRequest groups;
    groups.set_max_results(bad);
    EXPECT_THAT(sim_->ListDatasetGroups(groups), IsAwsError("InvalidInputException"));
    v1::ListSchemasRequest schemas;
    schemas.set_max_results(bad);
    EXPECT_THAT(sim_->ListSchemas(schemas), IsAwsError("InvalidInputException"));
  }
}

TEST_F(PersonalizeSimulatorTest, ForgedOrAlteredTokenIsInvalidNextToken) {
  Create250Datasets();
  auto page = ListDatasets("", "", 10);
  ASSERT_TRUE(page.ok()) << page.status();
  std::string token = page->next_token();
  std::string altered = token;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {altered, std::string("garbage"), std::string("AAAA"), token.substr(0, token.size() - 4)}) {
    absl::Status status = ListDatasets("", bad, 10).status();
    EXPECT_THAT(status, IsAwsError("InvalidNextTokenException")) << bad;
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  }
  // A token sealed with another key (another simulator process).
  TokenSealer other("other-key");
  EXPECT_THAT(ListDatasets("", other.Seal("personalize.ListDatasets|", "1 x"), 10),
              IsAwsError("InvalidNextTokenException"));
}

TEST_F(PersonalizeSimulatorTest, TokenOfAnotherOperationIsInvalidNextToken) {
  for (int i = 0; i < 3; ++i) CreateSchema(absl::StrCat("s", i));
  for (int i = 0; i < 3; ++i) CreateGroup(absl::StrCat("g", i));
  v1::ListSchemasRequest schemas;
  schemas.set_max_results(1);
  auto schema_page = sim_->ListSchemas(schemas);
  ASSERT_TRUE(schema_page.ok()) << schema_page.status();
  ASSERT_FALSE(schema_page->next_token().empty());
  v1::ListDatasetGroupsRequest groups;
  groups.set_next_token(schema_page->next_token());
  EXPECT_THAT(sim_->ListDatasetGroups(groups), IsAwsError("InvalidNextTokenException"));
  EXPECT_THAT(ListDatasets("", schema_page->next_token(), 1),
              IsAwsError("InvalidNextTokenException"));

  groups.clear_next_token();
  groups.set_max_results(1);
  auto group_page = sim_->ListDatasetGroups(groups);
  ASSERT_TRUE(group_page.ok()) << group_page.status();
  schemas.set_next_token(group_page->next_token());
  EXPECT_THAT(sim_->ListSchemas(schemas), IsAwsError("InvalidNextTokenException"));
}

TEST_F(PersonalizeSimulatorTest, TokenOfAnotherGroupFilterIsInvalidNextToken) {
  Create250Datasets();
  std::string g1 = absl::StrCat(kGroupPrefix, "g1");
  std::string g2 = absl::StrCat(kGroupPrefix, "g2");
  auto filtered = ListDatasets(g1, "", 2);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  EXPECT_THAT(ListDatasets(g2, filtered->next_token(), 2), IsAwsError("InvalidNextTokenException"));
  EXPECT_THAT(ListDatasets("", filtered->next_token(), 2), IsAwsError("InvalidNextTokenException"));
  auto unfiltered = ListDatasets("", "", 2);
  ASSERT_TRUE(unfiltered.ok()) << unfiltered.status();
  EXPECT_THAT(ListDatasets(g1, unfiltered->next_token(), 2),
              IsAwsError("InvalidNextTokenException"));
  // The same filter accepts it.
  EXPECT_TRUE(ListDatasets(g1, filtered->next_token(), 2).ok());
}

TEST_F(PersonalizeSimulatorTest, OverlongOrNonAsciiTokenIsInvalidInput) {
  EXPECT_THAT(ListDatasets("", std::string(1501, 'A'), 10),
              IsAwsError("InvalidInputException", HasSubstr("nextToken")));
  EXPECT_THAT(ListDatasets("", "t\xC3\xA9", 10), IsAwsError("InvalidInputException"));
  v1::ListSchemasRequest schemas;
  schemas.set_next_token(std::string(1501, 'A'));
  EXPECT_THAT(sim_->ListSchemas(schemas), IsAwsError("InvalidInputException"));
  // 1500 characters pass the length check and fail as a token.
  EXPECT_THAT(ListDatasets("", std::string(1500, 'A'), 10),
              IsAwsError("InvalidNextTokenException"));
}

TEST_F(PersonalizeSimulatorTest, PagesNeitherSkipNorRepeatAcrossInsertsAndDeletes) {
  std::vector<std::string> created = Create250Datasets();
  auto first = ListDatasets("", "", 100);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->datasets(99).dataset_arn(), created[99]);
  AwaitActive();
  // Delete an item already returned, the last one returned (the token's
  // position) and one not returned yet; let the deletions finish; then
  // create two of them again (same ARNs, now last in creation order).
  for (int i : {10, 99, 150}) ASSERT_TRUE(DeleteDataset(created[i]).ok());
  AwaitDeleted();
  std::string schema = absl::StrCat(kSchemaPrefix, "s");
  auto recreate = [&](const std::string& arn) {
    // .../dataset/<group>/<TYPE>; the type is accepted in any case.
    std::vector<std::string> parts = absl::StrSplit(arn, '/');
    return CreateDataset(absl::StrCat(kGroupPrefix, parts[1]), parts[2], schema);
  };
  EXPECT_EQ(recreate(created[150]), created[150]);
  EXPECT_EQ(recreate(created[10]), created[10]);

  std::vector<std::string> rest;
  std::string token = first->next_token();
  while (!token.empty()) {
    auto page = ListDatasets("", token, 100);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& d : page->datasets()) rest.push_back(d.dataset_arn());
    token = page->next_token();
  }
  std::vector<std::string> expected(created.begin() + 100, created.end());
  expected.erase(expected.begin() + 50);  // created[150] moved to the end
  expected.push_back(created[150]);
  expected.push_back(created[10]);
  EXPECT_EQ(rest, expected);
}

TEST_F(PersonalizeSimulatorTest, DeletingDatasetsStillListUntilGone) {
  std::string group = CreateActiveGroup("g");
  std::string arn = CreateDataset(group, "Items", CreateSchema("s"));
  AwaitActive();
  ASSERT_TRUE(DeleteDataset(arn).ok());
  auto page = ListDatasets(group, "", std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->datasets(), SizeIs(1));
  EXPECT_EQ(page->datasets(0).status(), "DELETE PENDING");
  AwaitDeleted();
  EXPECT_THAT(ListDatasets(group, "", std::nullopt)->datasets(), IsEmpty());
}

// --- Reset and concurrency ------------------------------------------------------

TEST_F(PersonalizeSimulatorTest, ResetForgetsEverything) {
  std::string group = CreateActiveGroup("g");
  std::string schema = CreateSchema("s");
  CreateDataset(group, "Items", schema);
  simulator_->Reset();
  EXPECT_THAT(DescribeGroup(group), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(sim_->ListSchemas({})->schemas(), IsEmpty());
  EXPECT_THAT(ListDatasets("", "", std::nullopt)->datasets(), IsEmpty());
  EXPECT_TRUE(TryCreateGroup("g").ok());
}

TEST_F(PersonalizeSimulatorTest, ConcurrentCreatesAreAllRecorded) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE(TryCreateSchema(absl::StrCat("t", t, "-", i)).ok());
        v1::ListSchemasRequest request;
        request.set_max_results(10);
        EXPECT_TRUE(sim_->ListSchemas(request).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::flat_hash_set<std::string> seen;
  v1::ListSchemasRequest request;
  do {
    auto page = sim_->ListSchemas(request);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& s : page->schemas()) EXPECT_TRUE(seen.insert(s.schema_arn()).second);
    request.set_next_token(page->next_token());
  } while (!request.next_token().empty());
  EXPECT_THAT(seen, SizeIs(200));
}

}  // namespace
}  // namespace awsfacade::backends::simulator
