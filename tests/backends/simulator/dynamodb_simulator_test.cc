#include "backends/simulator/dynamodb_simulator.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/request_validator.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/stream_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::simulator {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace dds = ::aws::dynamodbstreams::v1;
using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsOk;
using ::awsfacade::testutil::StatusIs;
using dynamodb_test::N;
using dynamodb_test::S;
using dynamodb_test::TableRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kTable[] = "Music";
constexpr int64_t kStart = 1767225600;  // FakeClock's default: 2026-01-01T00:00:00Z

// Items of the test table: partition key "pk" (S), optional attributes.
Item MakeItem(absl::string_view pk,
              std::initializer_list<std::pair<const char*, AttributeValue>> attributes = {}) {
  Item item;
  item["pk"] = S(pk);
  for (const auto& [name, value] : attributes) item[name] = value;
  return item;
}

Item Key(absl::string_view pk) { return MakeItem(pk); }

std::string Str(const Item& item, const std::string& name) {
  auto it = item.find(name);
  return it == item.end() ? "<absent>" : it->second.s();
}

class DynamoDbSimulatorTest : public ::testing::Test {
 protected:
  DynamoDbSimulatorTest() { Build({}); }

  void Build(DynamoDbSimulatorOptions ddb_options) {
    SimulatorOptions options;
    options.clock = clock_;
    options.sealer = std::make_shared<TokenSealer>("dynamodb-simulator-test");
    simulator_ = std::make_shared<DynamoDbSimulator>(options, ddb_options);
    sim_ = std::make_shared<ValidatedDynamoDb>(simulator_);
    streams_ = std::make_shared<ValidatedDynamoDbStreams>(simulator_);
  }

  // Creates the table; returns its stream ARN (empty without a stream).
  std::string CreateTable(absl::string_view view_type = "NEW_AND_OLD_IMAGES",
                          absl::string_view name = kTable) {
    absl::StatusOr<ddb::CreateTableResponse> r = sim_->CreateTable(TableRequest(name, view_type));
    EXPECT_THAT(r, IsOk());
    return r.ok() ? r->table_description().latest_stream_arn() : "";
  }

  absl::Status Put(const Item& item, absl::string_view condition = "",
                   absl::string_view table = kTable) {
    ddb::PutItemRequest request;
    request.set_table_name(std::string(table));
    *request.mutable_item() = item;
    request.set_condition_expression(std::string(condition));
    return sim_->PutItem(request).status();
  }

  absl::Status Delete(absl::string_view pk) {
    ddb::DeleteItemRequest request;
    request.set_table_name(kTable);
    *request.mutable_key() = Key(pk);
    return sim_->DeleteItem(request).status();
  }

  absl::StatusOr<ddb::UpdateItemResponse> Update(absl::string_view pk, absl::string_view expression,
                                                 const Item& values = {},
                                                 absl::string_view return_values = "") {
    ddb::UpdateItemRequest request;
    request.set_table_name(kTable);
    *request.mutable_key() = Key(pk);
    request.set_update_expression(std::string(expression));
    *request.mutable_expression_attribute_values() = values;
    request.set_return_values(std::string(return_values));
    return sim_->UpdateItem(request);
  }

  std::optional<Item> Get(absl::string_view pk) {
    ddb::GetItemRequest request;
    request.set_table_name(kTable);
    *request.mutable_key() = Key(pk);
    absl::StatusOr<ddb::GetItemResponse> r = sim_->GetItem(request);
    EXPECT_THAT(r, IsOk());
    if (!r.ok() || r->item().empty()) return std::nullopt;
    return r->item();
  }

  absl::StatusOr<ddb::DescribeTableResponse> DescribeTable(absl::string_view name = kTable) {
    ddb::DescribeTableRequest request;
    request.set_table_name(std::string(name));
    return sim_->DescribeTable(request);
  }

  absl::StatusOr<dds::DescribeStreamResponse> DescribeStream(const std::string& arn) {
    dds::DescribeStreamRequest request;
    request.set_stream_arn(arn);
    return streams_->DescribeStream(request);
  }

  std::vector<dds::Shard> Shards(const std::string& arn) {
    absl::StatusOr<dds::DescribeStreamResponse> d = DescribeStream(arn);
    EXPECT_THAT(d, IsOk());
    if (!d.ok()) return {};
    return {d->stream_description().shards().begin(), d->stream_description().shards().end()};
  }

  // Every record of every shard, parents first (shards are listed so).
  std::vector<dds::Record> Records(const std::string& arn) {
    std::vector<dds::Record> out;
    for (const dds::Shard& shard : Shards(arn)) {
      dds::GetShardIteratorRequest request;
      request.set_stream_arn(arn);
      request.set_shard_id(shard.shard_id());
      request.set_shard_iterator_type("TRIM_HORIZON");
      absl::StatusOr<dds::GetShardIteratorResponse> it = streams_->GetShardIterator(request);
      EXPECT_THAT(it, IsOk());
      std::string iterator = it.ok() ? it->shard_iterator() : "";
      while (!iterator.empty()) {
        dds::GetRecordsRequest get;
        get.set_shard_iterator(iterator);
        absl::StatusOr<dds::GetRecordsResponse> r = streams_->GetRecords(get);
        EXPECT_THAT(r, IsOk());
        if (!r.ok() || r->records().empty()) break;
        out.insert(out.end(), r->records().begin(), r->records().end());
        iterator = r->next_shard_iterator();
      }
    }
    return out;
  }

  std::vector<std::string> EventNames(const std::string& arn) {
    std::vector<std::string> names;
    for (const dds::Record& r : Records(arn)) names.push_back(r.event_name());
    return names;
  }

  absl::Status UpdateTtl(bool enabled, absl::string_view attribute = "expires") {
    ddb::UpdateTimeToLiveRequest request;
    request.set_table_name(kTable);
    request.mutable_time_to_live_specification()->set_enabled(enabled);
    request.mutable_time_to_live_specification()->set_attribute_name(std::string(attribute));
    return sim_->UpdateTimeToLive(request).status();
  }

  absl::Status SetStream(bool enabled, absl::string_view view_type = "") {
    ddb::UpdateTableRequest request;
    request.set_table_name(kTable);
    request.mutable_stream_specification()->set_stream_enabled(enabled);
    request.mutable_stream_specification()->set_stream_view_type(std::string(view_type));
    return sim_->UpdateTable(request).status();
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  // The simulator, and its operations as the server calls them: behind the
  // model validation, which the simulator leaves to its caller.
  std::shared_ptr<DynamoDbSimulator> simulator_;
  std::shared_ptr<ValidatedDynamoDb> sim_;
  std::shared_ptr<ValidatedDynamoDbStreams> streams_;
};

// --- Tables ------------------------------------------------------------------------

TEST_F(DynamoDbSimulatorTest, CreateTableAnswersCreatingThenActive) {
  absl::StatusOr<ddb::CreateTableResponse> created =
      sim_->CreateTable(TableRequest(kTable, "KEYS_ONLY"));
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->table_description().table_status(), "CREATING");
  absl::StatusOr<ddb::DescribeTableResponse> d = DescribeTable();
  ASSERT_THAT(d, IsOk());
  const ddb::TableDescription& t = d->table();
  EXPECT_EQ(t.table_status(), "ACTIVE");
  EXPECT_EQ(t.table_name(), kTable);
  EXPECT_EQ(t.table_arn(), "arn:aws:dynamodb:us-east-1:123456789012:table/Music");
  EXPECT_THAT(t.table_id(),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_EQ(t.creation_date_time().seconds(), kStart);
  EXPECT_EQ(t.item_count(), 0);
  EXPECT_EQ(t.table_size_bytes(), 0);
  EXPECT_EQ(t.billing_mode_summary().billing_mode(), "PAY_PER_REQUEST");
  EXPECT_TRUE(t.stream_specification().stream_enabled());
  EXPECT_EQ(t.stream_specification().stream_view_type(), "KEYS_ONLY");
  EXPECT_EQ(t.latest_stream_label(), "2026-01-01T00:00:00.000");
  EXPECT_EQ(t.latest_stream_arn(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2026-01-01T00:00:00.000");
  ASSERT_THAT(t.key_schema(), SizeIs(1));
  ASSERT_THAT(t.attribute_definitions(), SizeIs(1));
}

TEST_F(DynamoDbSimulatorTest, DescribeTableCountsItemsAndBytes) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("hello")}})), IsOk());
  ASSERT_THAT(Put(MakeItem("b")), IsOk());
  absl::StatusOr<ddb::DescribeTableResponse> d = DescribeTable();
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->table().item_count(), 2);
  EXPECT_EQ(d->table().table_size_bytes(),
            ItemSizeBytes(MakeItem("a", {{"v", S("hello")}})) + ItemSizeBytes(MakeItem("b")));
}

TEST_F(DynamoDbSimulatorTest, DuplicateTableIsResourceInUse) {
  CreateTable();
  EXPECT_THAT(sim_->CreateTable(TableRequest(kTable)), IsAwsError("ResourceInUseException"));
}

TEST_F(DynamoDbSimulatorTest, UnknownTableIsResourceNotFound) {
  EXPECT_THAT(DescribeTable("Nope"), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(Put(MakeItem("a"), "", "Nope"), IsAwsError("ResourceNotFoundException"));
}

TEST_F(DynamoDbSimulatorTest, TableNameMayBeTheTableArn) {
  CreateTable();
  EXPECT_THAT(DescribeTable("arn:aws:dynamodb:us-east-1:123456789012:table/Music"), IsOk());
  EXPECT_THAT(DescribeTable("arn:aws:dynamodb:eu-west-1:123456789012:table/Music"),
              IsAwsError("ResourceNotFoundException"));
}

TEST_F(DynamoDbSimulatorTest, CreateTableValidatesTableName) {
  EXPECT_THAT(sim_->CreateTable(TableRequest("ab")),
              IsAwsError("ValidationException", HasSubstr("TableName")));
  EXPECT_THAT(sim_->CreateTable(TableRequest("a b c")),
              IsAwsError("ValidationException", HasSubstr("TableName")));
  EXPECT_THAT(sim_->CreateTable(TableRequest(std::string(256, 'a'))),
              IsAwsError("ValidationException", HasSubstr("TableName")));
  EXPECT_THAT(sim_->CreateTable(TableRequest("Ok_name.with-dots")), IsOk());
}

TEST_F(DynamoDbSimulatorTest, CreateTableValidatesKeySchema) {
  ddb::CreateTableRequest no_keys = TableRequest(kTable);
  no_keys.clear_key_schema();
  EXPECT_THAT(sim_->CreateTable(no_keys),
              IsAwsError("ValidationException", HasSubstr("KeySchema")));

  ddb::CreateTableRequest range_first = TableRequest(kTable);
  range_first.mutable_key_schema(0)->set_key_type("RANGE");
  EXPECT_THAT(sim_->CreateTable(range_first),
              IsAwsError("ValidationException", HasSubstr("not a HASH key type")));

  ddb::CreateTableRequest undefined = TableRequest(kTable);
  undefined.mutable_key_schema(0)->set_attribute_name("id");
  EXPECT_THAT(sim_->CreateTable(undefined),
              IsAwsError("ValidationException", HasSubstr("not defined in AttributeDefinitions")));

  ddb::CreateTableRequest extra = TableRequest(kTable);
  ddb::AttributeDefinition* a = extra.add_attribute_definitions();
  a->set_attribute_name("unused");
  a->set_attribute_type("N");
  EXPECT_THAT(sim_->CreateTable(extra),
              IsAwsError("ValidationException", HasSubstr("does not exactly match")));

  ddb::CreateTableRequest bad_type = TableRequest(kTable);
  bad_type.mutable_attribute_definitions(0)->set_attribute_type("BOOL");
  EXPECT_THAT(sim_->CreateTable(bad_type),
              IsAwsError("ValidationException", HasSubstr("AttributeType")));
}

TEST_F(DynamoDbSimulatorTest, CreateTableValidatesBillingMode) {
  ddb::CreateTableRequest provisioned = TableRequest(kTable);
  provisioned.clear_billing_mode();
  EXPECT_THAT(sim_->CreateTable(provisioned),
              IsAwsError("ValidationException", HasSubstr("must both be specified")));
  ddb::CreateTableRequest both = TableRequest(kTable);
  both.mutable_provisioned_throughput()->set_read_capacity_units(5);
  both.mutable_provisioned_throughput()->set_write_capacity_units(5);
  EXPECT_THAT(sim_->CreateTable(both),
              IsAwsError("ValidationException", HasSubstr("PAY_PER_REQUEST")));
  provisioned.mutable_provisioned_throughput()->set_read_capacity_units(5);
  provisioned.mutable_provisioned_throughput()->set_write_capacity_units(5);
  ASSERT_THAT(sim_->CreateTable(provisioned), IsOk());
  absl::StatusOr<ddb::DescribeTableResponse> d = DescribeTable();
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->table().provisioned_throughput().read_capacity_units(), 5);
}

TEST_F(DynamoDbSimulatorTest, CreateTableValidatesStreamSpecification) {
  ddb::CreateTableRequest no_view = TableRequest(kTable);
  no_view.mutable_stream_specification()->set_stream_enabled(true);
  EXPECT_THAT(sim_->CreateTable(no_view),
              IsAwsError("ValidationException", HasSubstr("StreamViewType")));
  ddb::CreateTableRequest bad_view = TableRequest(kTable, "EVERYTHING");
  EXPECT_THAT(sim_->CreateTable(bad_view),
              IsAwsError("ValidationException", HasSubstr("StreamViewType")));
}

TEST_F(DynamoDbSimulatorTest, CreateTableDescribesButDoesNotQueryIndexes) {
  ddb::CreateTableRequest request = TableRequest(kTable);
  for (const char* name : {"sk", "gk"}) {
    ddb::AttributeDefinition* a = request.add_attribute_definitions();
    a->set_attribute_name(name);
    a->set_attribute_type("S");
  }
  ddb::KeySchemaElement* range = request.add_key_schema();
  range->set_attribute_name("sk");
  range->set_key_type("RANGE");
  ddb::GlobalSecondaryIndex* g = request.add_global_secondary_indexes();
  g->set_index_name("by-gk");
  ddb::KeySchemaElement* gk = g->add_key_schema();
  gk->set_attribute_name("gk");
  gk->set_key_type("HASH");
  g->mutable_projection()->set_projection_type("KEYS_ONLY");
  ddb::LocalSecondaryIndex* l = request.add_local_secondary_indexes();
  l->set_index_name("by-gk-local");
  *l->add_key_schema() = request.key_schema(0);
  *l->add_key_schema() = *gk;
  l->mutable_key_schema(1)->set_key_type("RANGE");
  l->mutable_projection()->set_projection_type("ALL");
  ASSERT_THAT(sim_->CreateTable(request), IsOk());
  absl::StatusOr<ddb::DescribeTableResponse> d = DescribeTable();
  ASSERT_THAT(d, IsOk());
  ASSERT_THAT(d->table().global_secondary_indexes(), SizeIs(1));
  EXPECT_EQ(d->table().global_secondary_indexes(0).index_status(), "ACTIVE");
  EXPECT_EQ(d->table().global_secondary_indexes(0).index_arn(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music/index/by-gk");
  ASSERT_THAT(d->table().local_secondary_indexes(), SizeIs(1));
}

TEST_F(DynamoDbSimulatorTest, CreateTableBeyondQuotaIsLimitExceeded) {
  DynamoDbSimulatorOptions options;
  options.max_tables = 2;
  Build(options);
  CreateTable("", "Table1");
  CreateTable("", "Table2");
  EXPECT_THAT(sim_->CreateTable(TableRequest("Table3")), IsAwsError("LimitExceededException"));
}

TEST_F(DynamoDbSimulatorTest, CreateTableUnsupportedMembersAreUnimplemented) {
  ddb::CreateTableRequest request = TableRequest(kTable);
  request.set_resource_policy("{}");
  EXPECT_THAT(sim_->CreateTable(request),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("ResourcePolicy")));
}

TEST_F(DynamoDbSimulatorTest, UpdateTableChangesBillingMode) {
  CreateTable("");
  ddb::UpdateTableRequest request;
  request.set_table_name(kTable);
  request.set_billing_mode("PROVISIONED");
  request.mutable_provisioned_throughput()->set_read_capacity_units(3);
  request.mutable_provisioned_throughput()->set_write_capacity_units(4);
  absl::StatusOr<ddb::UpdateTableResponse> r = sim_->UpdateTable(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->table_description().table_status(), "UPDATING");
  EXPECT_EQ(r->table_description().billing_mode_summary().billing_mode(), "PROVISIONED");
  EXPECT_EQ(r->table_description().provisioned_throughput().write_capacity_units(), 4);
}

TEST_F(DynamoDbSimulatorTest, UpdateTableIndexChangesAreUnimplemented) {
  CreateTable("");
  ddb::UpdateTableRequest request;
  request.set_table_name(kTable);
  // A valid IndexName (3-255 characters): the model's check comes first.
  request.add_global_secondary_index_updates()->mutable_delete_()->set_index_name("ByArtist");
  EXPECT_THAT(sim_->UpdateTable(request),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("GlobalSecondaryIndexUpdates")));
}

TEST_F(DynamoDbSimulatorTest, UpdateTableWithNothingToChangeIsValidationError) {
  CreateTable("");
  ddb::UpdateTableRequest request;
  request.set_table_name(kTable);
  EXPECT_THAT(sim_->UpdateTable(request),
              IsAwsError("ValidationException", HasSubstr("At least one")));
}

TEST_F(DynamoDbSimulatorTest, DeleteTableAnswersDeletingAndForgetsTheTable) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  ddb::DeleteTableRequest request;
  request.set_table_name(kTable);
  absl::StatusOr<ddb::DeleteTableResponse> r = sim_->DeleteTable(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->table_description().table_status(), "DELETING");
  EXPECT_EQ(r->table_description().item_count(), 1);
  EXPECT_THAT(DescribeTable(), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(sim_->DeleteTable(request), IsAwsError("ResourceNotFoundException"));
}

TEST_F(DynamoDbSimulatorTest, DeletionProtectionBlocksDeleteTable) {
  ddb::CreateTableRequest create = TableRequest(kTable);
  create.set_deletion_protection_enabled(true);
  ASSERT_THAT(sim_->CreateTable(create), IsOk());
  ddb::DeleteTableRequest request;
  request.set_table_name(kTable);
  EXPECT_THAT(sim_->DeleteTable(request),
              IsAwsError("ValidationException", HasSubstr("protected")));
}

// --- Items --------------------------------------------------------------------------

TEST_F(DynamoDbSimulatorTest, PutThenGetReturnsTheItem) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}, {"empty", S("")}})), IsOk());
  std::optional<Item> item = Get("a");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(Str(*item, "v"), "1");
  EXPECT_EQ(Str(*item, "empty"), "");  // empty strings are fine outside keys
  EXPECT_FALSE(Get("b").has_value());
}

TEST_F(DynamoDbSimulatorTest, PutItemMissingKeyIsValidationError) {
  CreateTable("");
  Item item;
  item["other"] = S("x");
  EXPECT_THAT(Put(item),
              IsAwsError("ValidationException", HasSubstr("Missing the key pk in the item")));
}

TEST_F(DynamoDbSimulatorTest, PutItemKeyOfWrongTypeIsValidationError) {
  CreateTable("");
  Item item;
  item["pk"] = N("1");
  EXPECT_THAT(Put(item), IsAwsError("ValidationException",
                                    HasSubstr("Type mismatch for key pk expected: S actual: N")));
}

TEST_F(DynamoDbSimulatorTest, EmptyStringKeyIsValidationError) {
  CreateTable("");
  EXPECT_THAT(Put(MakeItem("")),
              IsAwsError("ValidationException", HasSubstr("empty string value")));
}

TEST_F(DynamoDbSimulatorTest, KeyThatDoesNotMatchSchemaIsValidationError) {
  CreateTable("");
  ddb::GetItemRequest extra;
  extra.set_table_name(kTable);
  *extra.mutable_key() = MakeItem("a", {{"v", S("x")}});
  EXPECT_THAT(sim_->GetItem(extra),
              IsAwsError("ValidationException",
                         HasSubstr("The provided key element does not match the schema")));
  ddb::DeleteItemRequest wrong_type;
  wrong_type.set_table_name(kTable);
  (*wrong_type.mutable_key())["pk"] = N("1");
  EXPECT_THAT(sim_->DeleteItem(wrong_type),
              IsAwsError("ValidationException", HasSubstr("does not match the schema")));
  ddb::DeleteItemRequest wrong_name;
  wrong_name.set_table_name(kTable);
  (*wrong_name.mutable_key())["id"] = S("1");
  EXPECT_THAT(sim_->DeleteItem(wrong_name),
              IsAwsError("ValidationException", HasSubstr("does not match the schema")));
}

TEST_F(DynamoDbSimulatorTest, NumericKeysCompareAsNumbers) {
  ddb::CreateTableRequest request = TableRequest(kTable);
  request.mutable_attribute_definitions(0)->set_attribute_type("N");
  ASSERT_THAT(sim_->CreateTable(request), IsOk());
  Item a;
  a["pk"] = N("1.0");
  a["v"] = S("x");
  ASSERT_THAT(Put(a), IsOk());
  ddb::GetItemRequest get;
  get.set_table_name(kTable);
  (*get.mutable_key())["pk"] = N("1");
  absl::StatusOr<ddb::GetItemResponse> r = sim_->GetItem(get);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Str(r->item(), "v"), "x");
}

TEST_F(DynamoDbSimulatorTest, ItemOver400KilobytesIsValidationError) {
  CreateTable("");
  EXPECT_THAT(Put(MakeItem("a", {{"v", S(std::string(400 * 1024, 'x'))}})),
              IsAwsError("ValidationException", HasSubstr("Item size has exceeded")));
  EXPECT_THAT(Put(MakeItem("a", {{"v", S(std::string(300 * 1024, 'x'))}})), IsOk());
}

TEST_F(DynamoDbSimulatorTest, LegacyParametersAreUnimplemented) {
  CreateTable("");
  ddb::PutItemRequest put;
  put.set_table_name(kTable);
  *put.mutable_item() = MakeItem("a");
  (*put.mutable_expected())["pk"].set_exists(false);
  EXPECT_THAT(sim_->PutItem(put),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("Expected")));

  ddb::UpdateItemRequest update;
  update.set_table_name(kTable);
  *update.mutable_key() = Key("a");
  (*update.mutable_attribute_updates())["v"].set_action("PUT");
  EXPECT_THAT(sim_->UpdateItem(update),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("AttributeUpdates")));

  ddb::GetItemRequest get;
  get.set_table_name(kTable);
  *get.mutable_key() = Key("a");
  get.add_attributes_to_get("v");
  EXPECT_THAT(sim_->GetItem(get),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("AttributesToGet")));

  ddb::DeleteItemRequest del;
  del.set_table_name(kTable);
  *del.mutable_key() = Key("a");
  del.set_conditional_operator("AND");
  EXPECT_THAT(sim_->DeleteItem(del),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("ConditionalOperator")));
}

TEST_F(DynamoDbSimulatorTest, FailedConditionIsConditionalCheckFailed) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  EXPECT_THAT(Put(MakeItem("a", {{"v", S("2")}}), "attribute_not_exists(pk)"),
              IsAwsError("ConditionalCheckFailedException"));
  EXPECT_THAT(EventNames(arn), ElementsAre("INSERT"));  // no record for the failed write
  EXPECT_EQ(Str(*Get("a"), "v"), "<absent>");
}

TEST_F(DynamoDbSimulatorTest, FailedConditionCanReturnTheItem) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  ddb::DeleteItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_key() = Key("a");
  request.set_condition_expression("v = :two");
  (*request.mutable_expression_attribute_values())[":two"] = S("2");
  request.set_return_values_on_condition_check_failure("ALL_OLD");
  absl::StatusOr<ddb::DeleteItemResponse> r = sim_->DeleteItem(request);
  ASSERT_THAT(r, IsAwsError("ConditionalCheckFailedException"));
  std::optional<Item> item = ConditionCheckFailureItem(r.status());
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(Str(*item, "v"), "1");
}

TEST_F(DynamoDbSimulatorTest, PutItemReturnsOldItem) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  ddb::PutItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_item() = MakeItem("a", {{"v", S("2")}});
  request.set_return_values("ALL_OLD");
  absl::StatusOr<ddb::PutItemResponse> r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Str(r->attributes(), "v"), "1");
  request.set_return_values("ALL_NEW");
  EXPECT_THAT(sim_->PutItem(request),
              IsAwsError("ValidationException", HasSubstr("Return values")));
}

TEST_F(DynamoDbSimulatorTest, DeleteItemReturnsOldItem) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  ddb::DeleteItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_key() = Key("a");
  request.set_return_values("ALL_OLD");
  absl::StatusOr<ddb::DeleteItemResponse> r = sim_->DeleteItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Str(r->attributes(), "v"), "1");
  EXPECT_FALSE(Get("a").has_value());
}

TEST_F(DynamoDbSimulatorTest, UpdateItemReturnValues) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"x", S("1")}, {"y", S("keep")}})), IsOk());
  Item values;
  values[":v"] = S("2");
  absl::StatusOr<ddb::UpdateItemResponse> r = Update("a", "SET x = :v", values, "UPDATED_OLD");
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->attributes(), SizeIs(1));
  EXPECT_EQ(Str(r->attributes(), "x"), "1");
  values[":v"] = S("3");
  r = Update("a", "SET x = :v", values, "UPDATED_NEW");
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->attributes(), SizeIs(1));
  EXPECT_EQ(Str(r->attributes(), "x"), "3");
  values[":v"] = S("4");
  r = Update("a", "SET x = :v", values, "ALL_NEW");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Str(r->attributes(), "y"), "keep");
  values[":v"] = S("5");
  r = Update("a", "SET x = :v", values, "ALL_OLD");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Str(r->attributes(), "x"), "4");
}

TEST_F(DynamoDbSimulatorTest, GetItemAppliesProjection) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"x", S("1")}, {"y", S("2")}})), IsOk());
  ddb::GetItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_key() = Key("a");
  request.set_projection_expression("#y");
  (*request.mutable_expression_attribute_names())["#y"] = "y";
  absl::StatusOr<ddb::GetItemResponse> r = sim_->GetItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->item(), SizeIs(1));
  EXPECT_EQ(Str(r->item(), "y"), "2");
}

TEST_F(DynamoDbSimulatorTest, WritesReportCapacityUnits) {
  CreateTable("");
  ddb::PutItemRequest request;
  request.set_table_name(kTable);
  // Just over 1 KB: two write units.
  *request.mutable_item() = MakeItem("a", {{"v", S(std::string(1100, 'x'))}});
  request.set_return_consumed_capacity("TOTAL");
  absl::StatusOr<ddb::PutItemResponse> r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().table_name(), kTable);
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 2.0);
  // Replacing a 1.1 KB item with a small one still costs the larger size.
  *request.mutable_item() = MakeItem("a");
  r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 2.0);
  // NONE (or nothing) reports nothing.
  request.set_return_consumed_capacity("NONE");
  r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->has_consumed_capacity());
}

TEST_F(DynamoDbSimulatorTest, ReadsReportCapacityUnitsHalvedWhenEventuallyConsistent) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"v", S(std::string(5000, 'x'))}})), IsOk());
  ddb::GetItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_key() = Key("a");
  request.set_return_consumed_capacity("TOTAL");
  absl::StatusOr<ddb::GetItemResponse> r = sim_->GetItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 1.0);  // ceil(5000/4096) / 2
  request.set_consistent_read(true);
  r = sim_->GetItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 2.0);
  *request.mutable_key() = Key("missing");
  request.set_consistent_read(false);
  r = sim_->GetItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 0.5);
}

TEST_F(DynamoDbSimulatorTest, IndexesCapacityBreaksDownByIndex) {
  ddb::CreateTableRequest create = TableRequest(kTable);
  ddb::AttributeDefinition* a = create.add_attribute_definitions();
  a->set_attribute_name("gk");
  a->set_attribute_type("S");
  ddb::GlobalSecondaryIndex* g = create.add_global_secondary_indexes();
  g->set_index_name("by-gk");
  ddb::KeySchemaElement* k = g->add_key_schema();
  k->set_attribute_name("gk");
  k->set_key_type("HASH");
  g->mutable_projection()->set_projection_type("ALL");
  ASSERT_THAT(sim_->CreateTable(create), IsOk());
  ddb::PutItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_item() = MakeItem("a", {{"gk", S("g1")}});
  request.set_return_consumed_capacity("INDEXES");
  absl::StatusOr<ddb::PutItemResponse> r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 2.0);
  EXPECT_EQ(r->consumed_capacity().table().capacity_units(), 1.0);
  EXPECT_EQ(r->consumed_capacity().global_secondary_indexes().at("by-gk").capacity_units(), 1.0);
  // Changing the index key: a delete and a put in the index.
  *request.mutable_item() = MakeItem("a", {{"gk", S("g2")}});
  r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().global_secondary_indexes().at("by-gk").capacity_units(), 2.0);
  // An item outside the index costs the table only.
  *request.mutable_item() = MakeItem("b");
  r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 1.0);
  EXPECT_THAT(r->consumed_capacity().global_secondary_indexes(), IsEmpty());
}

TEST_F(DynamoDbSimulatorTest, ItemCollectionMetricsOnlyForTablesWithLocalIndexes) {
  ddb::CreateTableRequest create = TableRequest(kTable);
  for (const char* name : {"sk", "lk"}) {
    ddb::AttributeDefinition* a = create.add_attribute_definitions();
    a->set_attribute_name(name);
    a->set_attribute_type("S");
  }
  ddb::KeySchemaElement* range = create.add_key_schema();
  range->set_attribute_name("sk");
  range->set_key_type("RANGE");
  ddb::LocalSecondaryIndex* l = create.add_local_secondary_indexes();
  l->set_index_name("by-lk");
  *l->add_key_schema() = create.key_schema(0);
  ddb::KeySchemaElement* lk = l->add_key_schema();
  lk->set_attribute_name("lk");
  lk->set_key_type("RANGE");
  l->mutable_projection()->set_projection_type("KEYS_ONLY");
  ASSERT_THAT(sim_->CreateTable(create), IsOk());
  ddb::PutItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_item() = MakeItem("a", {{"sk", S("1")}});
  request.set_return_item_collection_metrics("SIZE");
  absl::StatusOr<ddb::PutItemResponse> r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Str(r->item_collection_metrics().item_collection_key(), "pk"), "a");
  EXPECT_THAT(r->item_collection_metrics().size_estimate_range_gb(), ElementsAre(0.0, 1.0));
  request.set_return_item_collection_metrics("NONE");
  r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->has_item_collection_metrics());
}

TEST_F(DynamoDbSimulatorTest, ItemCollectionMetricsAbsentWithoutLocalIndexes) {
  CreateTable("");
  ddb::PutItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_item() = MakeItem("a");
  request.set_return_item_collection_metrics("SIZE");
  absl::StatusOr<ddb::PutItemResponse> r = sim_->PutItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_FALSE(r->has_item_collection_metrics());
}

// --- Stream records ----------------------------------------------------------------------

TEST_F(DynamoDbSimulatorTest, WritesProduceInsertModifyRemove) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("2")}})), IsOk());
  ASSERT_THAT(Delete("a"), IsOk());
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(3));
  EXPECT_EQ(records[0].event_name(), "INSERT");
  EXPECT_EQ(records[1].event_name(), "MODIFY");
  EXPECT_EQ(Str(records[1].dynamodb().old_image(), "v"), "1");
  EXPECT_EQ(Str(records[1].dynamodb().new_image(), "v"), "2");
  EXPECT_EQ(records[2].event_name(), "REMOVE");
  EXPECT_EQ(Str(records[2].dynamodb().old_image(), "v"), "2");
  for (const dds::Record& r : records) {
    EXPECT_EQ(Str(r.dynamodb().keys(), "pk"), "a");
    EXPECT_THAT(r.dynamodb().keys(), SizeIs(1));
    EXPECT_FALSE(r.has_user_identity());
  }
}

TEST_F(DynamoDbSimulatorTest, IdenticalPutProducesNoRecord) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}, {"n", N("10")}})), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"n", N("10")}, {"v", S("1")}})), IsOk());
  EXPECT_THAT(EventNames(arn), ElementsAre("INSERT"));
}

TEST_F(DynamoDbSimulatorTest, DeleteOfMissingItemProducesNoRecord) {
  std::string arn = CreateTable();
  ASSERT_THAT(Delete("nothing"), IsOk());
  EXPECT_THAT(Records(arn), IsEmpty());
}

TEST_F(DynamoDbSimulatorTest, UpdateItemOfMissingItemProducesInsert) {
  std::string arn = CreateTable();
  Item values;
  values[":v"] = N("4");
  ASSERT_THAT(Update("a", "SET b = :v", values), IsOk());
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_EQ(records[0].event_name(), "INSERT");
  EXPECT_THAT(records[0].dynamodb().old_image(), IsEmpty());
  EXPECT_EQ(records[0].dynamodb().new_image().at("b").n(), "4");
}

TEST_F(DynamoDbSimulatorTest, UpdateItemWithoutExpressionCreatesKeyOnlyItem) {
  std::string arn = CreateTable();
  ASSERT_THAT(Update("a", ""), IsOk());
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_EQ(records[0].event_name(), "INSERT");
  EXPECT_THAT(records[0].dynamodb().new_image(), SizeIs(1));
  // Again: the item exists and nothing changes.
  ASSERT_THAT(Update("a", ""), IsOk());
  EXPECT_THAT(Records(arn), SizeIs(1));
}

TEST_F(DynamoDbSimulatorTest, UpdateItemWithoutEffectProducesNoRecord) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  Item same;
  same[":v"] = S("1");
  ASSERT_THAT(Update("a", "SET v = :v", same), IsOk());
  ASSERT_THAT(Update("a", "REMOVE zz9"), IsOk());
  EXPECT_THAT(EventNames(arn), ElementsAre("INSERT"));
}

TEST_F(DynamoDbSimulatorTest, UpdateItemModifyCarriesWholeImages) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a", {{"x", N("2")}})), IsOk());
  Item values;
  values[":v"] = N("3");
  ASSERT_THAT(Update("a", "SET y = :v", values), IsOk());
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(2));
  EXPECT_EQ(records[1].event_name(), "MODIFY");
  EXPECT_THAT(records[1].dynamodb().old_image(), SizeIs(2));  // pk, x
  EXPECT_THAT(records[1].dynamodb().new_image(), SizeIs(3));  // pk, x, y
}

// Validate, plan, apply: a write that fails at any step changes nothing
// (item, table size, stream), whether it fails on its condition, on its
// update or on the size of its result.
TEST_F(DynamoDbSimulatorTest, FailedWritesLeaveNoTrace) {
  std::string arn = CreateTable();
  const Item before = MakeItem("a", {{"s", S("text")}, {"n", N("1")}});
  ASSERT_THAT(Put(before), IsOk());
  absl::StatusOr<ddb::DescribeTableResponse> described = DescribeTable();
  ASSERT_THAT(described, IsOk());
  const int64_t size = described->table().table_size_bytes();

  EXPECT_THAT(Put(MakeItem("a", {{"s", S("other")}}), "attribute_not_exists(pk)"),
              IsAwsError("ConditionalCheckFailedException"));
  ddb::DeleteItemRequest del;
  del.set_table_name(kTable);
  *del.mutable_key() = Key("a");
  del.set_condition_expression("n = s");
  EXPECT_THAT(sim_->DeleteItem(del), IsAwsError("ConditionalCheckFailedException"));
  Item one;
  one[":one"] = N("1");
  // The first action applies; the second fails: nothing of the update stays.
  EXPECT_THAT(Update("a", "SET n = n + :one ADD s :one", one),
              IsAwsError("ValidationException", HasSubstr("incorrect data type")));
  Item big;
  big[":big"] = S(std::string(400 * 1024, 'x'));
  EXPECT_THAT(Update("a", "SET n = :big", big), IsAwsError("ValidationException"));

  std::optional<Item> after = Get("a");
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(ItemsEqual(*after, before));
  described = DescribeTable();
  ASSERT_THAT(described, IsOk());
  EXPECT_EQ(described->table().table_size_bytes(), size);
  EXPECT_THAT(EventNames(arn), ElementsAre("INSERT"));
}

struct SimViewCase {
  const char* view_type;
  // For INSERT, MODIFY, REMOVE: has NewImage, has OldImage.
  bool insert_new, modify_new, modify_old, remove_old;
};

class SimulatorViewTypeTest : public DynamoDbSimulatorTest,
                              public ::testing::WithParamInterface<SimViewCase> {};

TEST_P(SimulatorViewTypeTest, RecordsCarryImagesOfTheViewType) {
  const SimViewCase& c = GetParam();
  std::string arn = CreateTable(c.view_type);
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("2")}})), IsOk());
  ASSERT_THAT(Delete("a"), IsOk());
  std::vector<dds::Record> r = Records(arn);
  ASSERT_THAT(r, SizeIs(3));
  for (const dds::Record& record : r) {
    EXPECT_EQ(record.dynamodb().stream_view_type(), c.view_type);
    EXPECT_THAT(record.dynamodb().keys(), SizeIs(1));
    int64_t expected =
        ItemSizeBytes(record.dynamodb().keys()) +
        (record.dynamodb().new_image().empty() ? 0 : ItemSizeBytes(record.dynamodb().new_image())) +
        (record.dynamodb().old_image().empty() ? 0 : ItemSizeBytes(record.dynamodb().old_image()));
    EXPECT_EQ(record.dynamodb().size_bytes(), expected);
  }
  EXPECT_EQ(!r[0].dynamodb().new_image().empty(), c.insert_new);
  EXPECT_THAT(r[0].dynamodb().old_image(), IsEmpty());
  EXPECT_EQ(!r[1].dynamodb().new_image().empty(), c.modify_new);
  EXPECT_EQ(!r[1].dynamodb().old_image().empty(), c.modify_old);
  EXPECT_THAT(r[2].dynamodb().new_image(), IsEmpty());
  EXPECT_EQ(!r[2].dynamodb().old_image().empty(), c.remove_old);
}

INSTANTIATE_TEST_SUITE_P(AllViewTypes, SimulatorViewTypeTest,
                         ::testing::Values(SimViewCase{"KEYS_ONLY", false, false, false, false},
                                           SimViewCase{"NEW_IMAGE", true, true, false, false},
                                           SimViewCase{"OLD_IMAGE", false, false, true, true},
                                           SimViewCase{"NEW_AND_OLD_IMAGES", true, true, true,
                                                       true}),
                         [](const auto& info) { return std::string(info.param.view_type); });

TEST_F(DynamoDbSimulatorTest, TableWithoutStreamWritesNoRecords) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  absl::StatusOr<dds::ListStreamsResponse> list = streams_->ListStreams({});
  ASSERT_THAT(list, IsOk());
  EXPECT_THAT(list->streams(), IsEmpty());
  EXPECT_EQ(simulator_->StreamStats().records, 0);
}

TEST_F(DynamoDbSimulatorTest, RecordsOfOneItemKeepWriteOrderAcrossOpenShards) {
  DynamoDbSimulatorOptions options;
  options.open_shards_per_stream = 3;
  options.shard_rollover_records = 7;
  Build(options);
  std::string arn = CreateTable("NEW_IMAGE");
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 6; ++k) {
      ASSERT_THAT(Put(MakeItem(absl::StrCat("key", k), {{"round", N(absl::StrCat(round))}})),
                  IsOk());
    }
  }
  std::map<std::string, std::vector<std::string>> rounds;
  for (const dds::Record& r : Records(arn)) {
    rounds[Str(r.dynamodb().keys(), "pk")].push_back(r.dynamodb().new_image().at("round").n());
  }
  ASSERT_THAT(rounds, SizeIs(6));
  for (const auto& [key, seen] : rounds) {
    EXPECT_THAT(seen, ElementsAre("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")) << key;
  }
}

// --- Streams on the table --------------------------------------------------------------

TEST_F(DynamoDbSimulatorTest, StreamOfNewTableIsEnabledAndListed) {
  std::string arn = CreateTable("KEYS_ONLY");
  absl::StatusOr<dds::DescribeStreamResponse> d = DescribeStream(arn);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->stream_description().stream_status(), "ENABLED");
  EXPECT_EQ(d->stream_description().table_name(), kTable);
  dds::ListStreamsRequest request;
  request.set_table_name(kTable);
  absl::StatusOr<dds::ListStreamsResponse> list = streams_->ListStreams(request);
  ASSERT_THAT(list, IsOk());
  ASSERT_THAT(list->streams(), SizeIs(1));
  EXPECT_EQ(list->streams(0).stream_arn(), arn);
}

TEST_F(DynamoDbSimulatorTest, DisablingTheStreamClosesItsShardsAndKeepsRecords) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  ASSERT_THAT(SetStream(false), IsOk());
  ASSERT_THAT(Put(MakeItem("b")), IsOk());  // not recorded anywhere
  absl::StatusOr<dds::DescribeStreamResponse> d = DescribeStream(arn);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->stream_description().stream_status(), "DISABLED");
  for (const dds::Shard& s : d->stream_description().shards()) {
    EXPECT_THAT(s.sequence_number_range().ending_sequence_number(), Not(IsEmpty()));
  }
  EXPECT_THAT(EventNames(arn), ElementsAre("INSERT"));
  absl::StatusOr<ddb::DescribeTableResponse> t = DescribeTable();
  ASSERT_THAT(t, IsOk());
  EXPECT_FALSE(t->table().has_stream_specification());
  EXPECT_EQ(t->table().latest_stream_arn(), arn);
  clock_->Advance(absl::Hours(24));
  EXPECT_THAT(DescribeStream(arn), IsAwsError("ResourceNotFoundException"));
}

TEST_F(DynamoDbSimulatorTest, ReenablingTheStreamCreatesANewStream) {
  std::string first = CreateTable("KEYS_ONLY");
  ASSERT_THAT(SetStream(false), IsOk());
  clock_->Advance(absl::Seconds(5));
  ASSERT_THAT(SetStream(true, "NEW_IMAGE"), IsOk());
  absl::StatusOr<ddb::DescribeTableResponse> t = DescribeTable();
  ASSERT_THAT(t, IsOk());
  std::string second = t->table().latest_stream_arn();
  EXPECT_NE(second, first);
  EXPECT_EQ(t->table().latest_stream_label(), "2026-01-01T00:00:05.000");
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  EXPECT_THAT(EventNames(second), ElementsAre("INSERT"));
  EXPECT_THAT(Records(first), IsEmpty());
  dds::ListStreamsRequest request;
  request.set_table_name(kTable);
  absl::StatusOr<dds::ListStreamsResponse> list = streams_->ListStreams(request);
  ASSERT_THAT(list, IsOk());
  EXPECT_THAT(list->streams(), SizeIs(2));
}

TEST_F(DynamoDbSimulatorTest, EnablingAnEnabledStreamIsValidationError) {
  CreateTable("KEYS_ONLY");
  // Same or other view type: the view type of a stream never changes.
  EXPECT_THAT(SetStream(true, "KEYS_ONLY"),
              IsAwsError("ValidationException", HasSubstr("Table already has an enabled stream")));
  EXPECT_THAT(SetStream(true, "NEW_IMAGE"),
              IsAwsError("ValidationException", HasSubstr("Table already has an enabled stream")));
}

TEST_F(DynamoDbSimulatorTest, DisablingAbsentStreamIsValidationError) {
  CreateTable("");
  EXPECT_THAT(SetStream(false), IsAwsError("ValidationException", HasSubstr("stream to disable")));
}

TEST_F(DynamoDbSimulatorTest, DeletedTableStreamStaysReadableFor24Hours) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  ddb::DeleteTableRequest request;
  request.set_table_name(kTable);
  ASSERT_THAT(sim_->DeleteTable(request), IsOk());
  clock_->Advance(absl::Hours(23));
  absl::StatusOr<dds::DescribeStreamResponse> d = DescribeStream(arn);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->stream_description().stream_status(), "DISABLED");
  EXPECT_THAT(EventNames(arn), ElementsAre("INSERT"));
  clock_->Advance(absl::Hours(1));
  EXPECT_THAT(DescribeStream(arn), IsAwsError("ResourceNotFoundException"));
  // A new table of the same name gets a stream of its own.
  std::string again = CreateTable();
  EXPECT_NE(again, arn);
}

TEST_F(DynamoDbSimulatorTest, ShardsRollOverEveryFourHoursOfSimulatorTime) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  clock_->Advance(absl::Hours(4));
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("2")}})), IsOk());
  std::vector<dds::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(2));
  EXPECT_EQ(shards[1].parent_shard_id(), shards[0].shard_id());
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(2));
  EXPECT_EQ(Str(records[0].dynamodb().new_image(), "v"), "1");
  EXPECT_EQ(Str(records[1].dynamodb().new_image(), "v"), "2");
}

TEST_F(DynamoDbSimulatorTest, ForcedRolloverMovesLaterWritesToTheChild) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("1")}})), IsOk());
  absl::StatusOr<ShardRollover> rollover = simulator_->ForceShardRollover(arn);
  ASSERT_THAT(rollover, IsOk());
  ASSERT_THAT(rollover->closed_shard_ids, SizeIs(1));
  ASSERT_THAT(rollover->new_shard_ids, SizeIs(1));
  ASSERT_THAT(Put(MakeItem("a", {{"v", S("2")}})), IsOk());
  std::vector<dds::Shard> shards = Shards(arn);
  ASSERT_THAT(shards, SizeIs(2));
  EXPECT_EQ(shards[0].shard_id(), rollover->closed_shard_ids[0]);
  EXPECT_EQ(shards[1].shard_id(), rollover->new_shard_ids[0]);
  EXPECT_EQ(shards[1].parent_shard_id(), shards[0].shard_id());
  EXPECT_THAT(simulator_->ForceShardRollover("arn:aws:dynamodb:us-east-1:123456789012:table/Music/"
                                             "stream/2000-01-01T00:00:00.000"),
              IsAwsError("ResourceNotFoundException"));
}

TEST_F(DynamoDbSimulatorTest, ResetForgetsTablesAndStreams) {
  std::string arn = CreateTable();
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  simulator_->Reset();
  EXPECT_THAT(DescribeTable(), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(DescribeStream(arn), IsAwsError("ResourceNotFoundException"));
  EXPECT_EQ(simulator_->StreamStats().records, 0);
}

// --- Time to Live --------------------------------------------------------------------

TEST_F(DynamoDbSimulatorTest, ExpiredItemIsRemovedByTtlWithServiceIdentity) {
  std::string arn = CreateTable("OLD_IMAGE");
  ASSERT_THAT(UpdateTtl(true), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"expires", N(absl::StrCat(kStart + 60))}})), IsOk());
  clock_->Advance(absl::Seconds(59));
  ASSERT_TRUE(Get("a").has_value());
  clock_->Advance(absl::Seconds(1));
  EXPECT_FALSE(Get("a").has_value());  // deleted at the first call after expiry
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(2));
  EXPECT_EQ(records[1].event_name(), "REMOVE");
  EXPECT_EQ(records[1].user_identity().type(), "Service");
  EXPECT_EQ(records[1].user_identity().principal_id(), "dynamodb.amazonaws.com");
  EXPECT_EQ(records[1].dynamodb().old_image().at("expires").n(), absl::StrCat(kStart + 60));
  EXPECT_FALSE(records[0].has_user_identity());
}

TEST_F(DynamoDbSimulatorTest, TtlExpiryHappensOnAStreamsCallToo) {
  std::string arn = CreateTable("KEYS_ONLY");
  ASSERT_THAT(UpdateTtl(true), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"expires", N(absl::StrCat(kStart + 10))}})), IsOk());
  clock_->Advance(absl::Seconds(10));
  // The only calls from here on are Streams calls.
  EXPECT_THAT(EventNames(arn), ElementsAre("INSERT", "REMOVE"));
}

TEST_F(DynamoDbSimulatorTest, TtlDeletionDelayIsConfigurable) {
  DynamoDbSimulatorOptions options;
  options.ttl_deletion_delay = absl::Hours(48);
  Build(options);
  CreateTable("");
  ASSERT_THAT(UpdateTtl(true), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"expires", N(absl::StrCat(kStart))}})), IsOk());
  clock_->Advance(absl::Hours(47));
  EXPECT_TRUE(Get("a").has_value());
  clock_->Advance(absl::Hours(1));
  EXPECT_FALSE(Get("a").has_value());
}

TEST_F(DynamoDbSimulatorTest, TtlIgnoresNonNumbersAndAncientTimes) {
  CreateTable("");
  ASSERT_THAT(UpdateTtl(true), IsOk());
  ASSERT_THAT(Put(MakeItem("text", {{"expires", S("0")}})), IsOk());
  ASSERT_THAT(Put(MakeItem("ancient", {{"expires", N(absl::StrCat(kStart - 6 * 366 * 86400))}})),
              IsOk());
  ASSERT_THAT(Put(MakeItem("recent", {{"expires", N(absl::StrCat(kStart - 86400))}})), IsOk());
  clock_->Advance(absl::Seconds(1));
  EXPECT_TRUE(Get("text").has_value());
  EXPECT_TRUE(Get("ancient").has_value());
  EXPECT_FALSE(Get("recent").has_value());
}

TEST_F(DynamoDbSimulatorTest, RewritingTheTtlAttributeMovesTheExpiry) {
  CreateTable("");
  ASSERT_THAT(UpdateTtl(true), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"expires", N(absl::StrCat(kStart + 10))}})), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"expires", N(absl::StrCat(kStart + 100))}})), IsOk());
  clock_->Advance(absl::Seconds(50));
  EXPECT_TRUE(Get("a").has_value());
  clock_->Advance(absl::Seconds(50));
  EXPECT_FALSE(Get("a").has_value());
}

TEST_F(DynamoDbSimulatorTest, EnablingTtlCoversExistingItems) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"expires", N(absl::StrCat(kStart + 10))}})), IsOk());
  ASSERT_THAT(UpdateTtl(true), IsOk());
  clock_->Advance(absl::Seconds(10));
  EXPECT_FALSE(Get("a").has_value());
}

TEST_F(DynamoDbSimulatorTest, DisabledTtlDeletesNothing) {
  CreateTable("");
  ASSERT_THAT(UpdateTtl(true), IsOk());
  ASSERT_THAT(Put(MakeItem("a", {{"expires", N(absl::StrCat(kStart + 7200))}})), IsOk());
  clock_->Advance(absl::Hours(1));
  ASSERT_THAT(UpdateTtl(false), IsOk());
  clock_->Advance(absl::Hours(2));
  EXPECT_TRUE(Get("a").has_value());
}

TEST_F(DynamoDbSimulatorTest, UpdateTimeToLiveStateErrors) {
  CreateTable("");
  EXPECT_THAT(UpdateTtl(false), IsAwsError("ValidationException", HasSubstr("already disabled")));
  ASSERT_THAT(UpdateTtl(true), IsOk());
  EXPECT_THAT(UpdateTtl(true), IsAwsError("ValidationException", HasSubstr("already enabled")));
  EXPECT_THAT(UpdateTtl(false), IsAwsError("ValidationException",
                                           HasSubstr("multiple times within a fixed interval")));
  clock_->Advance(absl::Hours(1));
  EXPECT_THAT(UpdateTtl(false), IsOk());
}

TEST_F(DynamoDbSimulatorTest, DescribeTimeToLiveReportsTheAttribute) {
  CreateTable("");
  ddb::DescribeTimeToLiveRequest request;
  request.set_table_name(kTable);
  absl::StatusOr<ddb::DescribeTimeToLiveResponse> r = sim_->DescribeTimeToLive(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->time_to_live_description().time_to_live_status(), "DISABLED");
  ASSERT_THAT(UpdateTtl(true, "ttl"), IsOk());
  r = sim_->DescribeTimeToLive(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->time_to_live_description().time_to_live_status(), "ENABLED");
  EXPECT_EQ(r->time_to_live_description().attribute_name(), "ttl");
}

TEST_F(DynamoDbSimulatorTest, DescribeLimitsAnswersTheDocumentedDefaultQuotas) {
  absl::StatusOr<ddb::DescribeLimitsResponse> r = sim_->DescribeLimits({});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->account_max_read_capacity_units(), 80000);
  EXPECT_EQ(r->account_max_write_capacity_units(), 80000);
  EXPECT_EQ(r->table_max_read_capacity_units(), 40000);
  EXPECT_EQ(r->table_max_write_capacity_units(), 40000);
}

ddb::ListTablesRequest ListTablesPage(absl::string_view start, std::optional<int> limit) {
  ddb::ListTablesRequest request;
  request.set_exclusive_start_table_name(std::string(start));
  if (limit) request.set_limit(*limit);
  return request;
}

TEST_F(DynamoDbSimulatorTest, ListTablesPagesThroughTheNamesInAscendingOrder) {
  for (absl::string_view name : {"tcc", "taa", "Tzz", "tbb", "t-d"}) CreateTable("", name);
  absl::StatusOr<ddb::ListTablesResponse> r = sim_->ListTables(ListTablesPage("", 2));
  ASSERT_THAT(r, IsOk());
  // Byte order: upper case and '-' sort before lower case, as on AWS.
  EXPECT_THAT(r->table_names(), ElementsAre("Tzz", "t-d"));
  EXPECT_EQ(r->last_evaluated_table_name(), "t-d");
  r = sim_->ListTables(ListTablesPage(r->last_evaluated_table_name(), 2));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->table_names(), ElementsAre("taa", "tbb"));
  EXPECT_EQ(r->last_evaluated_table_name(), "tbb");
  // A full last page has no LastEvaluatedTableName: nothing follows.
  r = sim_->ListTables(ListTablesPage(r->last_evaluated_table_name(), 1));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->table_names(), ElementsAre("tcc"));
  EXPECT_EQ(r->last_evaluated_table_name(), "");
}

TEST_F(DynamoDbSimulatorTest, ListTablesStartsAfterANameThatIsNoTableAndDefaultsTo100) {
  for (int i = 0; i < 102; ++i) CreateTable("", absl::StrFormat("t%03d", i));
  absl::StatusOr<ddb::ListTablesResponse> r = sim_->ListTables(ListTablesPage("", std::nullopt));
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->table_names_size(), 100);
  EXPECT_EQ(r->table_names(0), "t000");
  EXPECT_EQ(r->last_evaluated_table_name(), "t099");
  r = sim_->ListTables(ListTablesPage("t0995", std::nullopt));  // between t099 and t100
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->table_names(), ElementsAre("t100", "t101"));
  EXPECT_EQ(r->last_evaluated_table_name(), "");
  // A deleted table is gone from the list at once, as DeleteTable removes it.
  ddb::DeleteTableRequest drop;
  drop.set_table_name("t100");
  ASSERT_THAT(sim_->DeleteTable(drop), IsOk());
  r = sim_->ListTables(ListTablesPage("t099", std::nullopt));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->table_names(), ElementsAre("t101"));
}

TEST_F(DynamoDbSimulatorTest, ListTablesRefusesALimitOrAStartNameOutsideTheModel) {
  EXPECT_THAT(sim_->ListTables(ListTablesPage("", 0)), IsAwsError("ValidationException"));
  EXPECT_THAT(sim_->ListTables(ListTablesPage("", 101)), IsAwsError("ValidationException"));
  EXPECT_THAT(sim_->ListTables(ListTablesPage("ab", 1)), IsAwsError("ValidationException"));
  EXPECT_THAT(sim_->ListTables(ListTablesPage("a b c", 1)), IsAwsError("ValidationException"));
  EXPECT_THAT(sim_->ListTables(ListTablesPage("", 100)), IsOk());
  // Called without the validator, a limit of 0 is an empty page, not a crash.
  CreateTable();
  absl::StatusOr<ddb::ListTablesResponse> r = simulator_->ListTables(ListTablesPage("", 0));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->table_names_size(), 0);
}

// --- Wake-ups and concurrency -------------------------------------------------------------

TEST_F(DynamoDbSimulatorTest, WatchStreamRunsAfterRecordsAreAppended) {
  std::string arn = CreateTable();
  std::atomic<int> calls{0};
  std::atomic<int> records_seen{-1};
  std::unique_ptr<DynamoDbStreamsBackend::Subscription> sub = streams_->WatchStream(arn, [&] {
    ++calls;
    // No simulator lock is held: calling back in does not deadlock, and the
    // record is already readable.
    records_seen = static_cast<int>(Records(arn).size());
  });
  ASSERT_NE(sub, nullptr);
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(records_seen, 1);
  ASSERT_THAT(Put(MakeItem("a")), IsOk());  // no change, no record, no call
  EXPECT_EQ(calls, 1);
  sub.reset();
  ASSERT_THAT(Put(MakeItem("b")), IsOk());
  EXPECT_EQ(calls, 1);
}

TEST_F(DynamoDbSimulatorTest, WatchStreamRunsWhenShardsRollOver) {
  std::string arn = CreateTable();
  std::atomic<int> calls{0};
  auto sub = streams_->WatchStream(arn, [&] { ++calls; });
  clock_->Advance(absl::Hours(4));
  EXPECT_THAT(DescribeTable(), IsOk());  // any call notices the rollover
  EXPECT_EQ(calls, 1);
  ASSERT_THAT(simulator_->ForceShardRollover(arn), IsOk());
  EXPECT_EQ(calls, 2);
}

TEST_F(DynamoDbSimulatorTest, SubscriptionMayBeDroppedInsideItsCallback) {
  std::string arn = CreateTable();
  std::unique_ptr<DynamoDbStreamsBackend::Subscription> sub;
  int calls = 0;
  sub = streams_->WatchStream(arn, [&] {
    ++calls;
    sub.reset();
  });
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  ASSERT_THAT(Put(MakeItem("b")), IsOk());
  EXPECT_EQ(calls, 1);
}

TEST_F(DynamoDbSimulatorTest, ConcurrentWritersProduceEveryRecordOnce) {
  std::string arn = CreateTable("KEYS_ONLY");
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        EXPECT_THAT(Put(MakeItem(absl::StrCat("t", t, "-", i))), IsOk());
      }
    });
  }
  std::thread reader([&] {
    for (int i = 0; i < 20; ++i) (void)Records(arn);
  });
  for (std::thread& w : writers) w.join();
  reader.join();
  std::vector<dds::Record> records = Records(arn);
  EXPECT_THAT(records, SizeIs(400));
  std::set<std::string> seqs;
  for (const dds::Record& r : records) seqs.insert(r.dynamodb().sequence_number());
  EXPECT_EQ(seqs.size(), 400u);
}

// --- Issue 17 §4: DynamoDB's own limits and number spelling ------------------

// `levels` containers, maps ({"k": ...}) or lists ([...]), around {"S": "x"}.
AttributeValue Nested(int levels, bool map) {
  AttributeValue value = S("x");
  for (int i = 0; i < levels; ++i) {
    AttributeValue outer;
    if (map) {
      (*outer.mutable_m()->mutable_values())["k"] = std::move(value);
    } else {
      *outer.mutable_l()->add_values() = std::move(value);
    }
    value = std::move(outer);
  }
  return value;
}

// DynamoDB's documented limit: nested attributes up to 32 levels deep.
class NestingLimitTest : public DynamoDbSimulatorTest,
                         public ::testing::WithParamInterface<bool> {};

constexpr char kNestingTooDeep[] = "Nesting Levels have exceeded supported limits";

TEST_P(NestingLimitTest, PutItemAcceptsThirtyTwoLevelsAndRefusesThirtyThree) {
  const bool map = GetParam();
  CreateTable("");
  EXPECT_THAT(Put(MakeItem("a", {{"doc", Nested(32, map)}})), IsOk());
  EXPECT_THAT(Put(MakeItem("b", {{"doc", Nested(33, map)}})),
              IsAwsError("ValidationException", HasSubstr(kNestingTooDeep)));
  EXPECT_FALSE(Get("b").has_value());
}

TEST_P(NestingLimitTest, UpdateItemValuesAcceptThirtyTwoLevelsAndRefuseThirtyThree) {
  const bool map = GetParam();
  CreateTable("");
  Item ok;
  ok[":v"] = Nested(32, map);
  EXPECT_THAT(Update("a", "SET doc = :v", ok), IsOk());
  Item deep;
  deep[":v"] = Nested(33, map);
  EXPECT_THAT(Update("b", "SET doc = :v", deep),
              IsAwsError("ValidationException", HasSubstr(kNestingTooDeep)));
  EXPECT_FALSE(Get("b").has_value());
}

// The limit is on the item an update leaves: a value set inside a nested
// attribute counts the levels above it.
TEST_P(NestingLimitTest, UpdateItemCountsTheLevelsOfTheUpdatedItem) {
  const bool map = GetParam();
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"doc", Nested(1, map)}})), IsOk());
  const std::string path = map ? "doc.k" : "doc[0]";
  Item values;
  values[":v"] = Nested(31, map);
  EXPECT_THAT(Update("a", absl::StrCat("SET ", path, " = :v"), values), IsOk());
  values[":v"] = Nested(32, map);
  EXPECT_THAT(Update("a", absl::StrCat("SET ", path, " = :v"), values),
              IsAwsError("ValidationException", HasSubstr(kNestingTooDeep)));
}

TEST_P(NestingLimitTest, ConditionValuesOfPutAndDeleteRefuseThirtyThreeLevels) {
  const bool map = GetParam();
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a")), IsOk());
  for (int levels : {32, 33}) {
    ddb::DeleteItemRequest del;
    del.set_table_name(kTable);
    *del.mutable_key() = Key("missing");
    del.set_condition_expression("attribute_not_exists(doc) OR doc <> :v");
    (*del.mutable_expression_attribute_values())[":v"] = Nested(levels, map);
    ddb::PutItemRequest put;
    put.set_table_name(kTable);
    *put.mutable_item() = MakeItem("c");
    put.set_condition_expression("attribute_not_exists(doc) OR doc <> :v");
    (*put.mutable_expression_attribute_values())[":v"] = Nested(levels, map);
    if (levels == 32) {
      EXPECT_THAT(sim_->DeleteItem(del), IsOk());
      EXPECT_THAT(sim_->PutItem(put), IsOk());
    } else {
      EXPECT_THAT(sim_->DeleteItem(del),
                  IsAwsError("ValidationException", HasSubstr(kNestingTooDeep)));
      EXPECT_THAT(sim_->PutItem(put),
                  IsAwsError("ValidationException", HasSubstr(kNestingTooDeep)));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(MapsAndLists, NestingLimitTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "M" : "L";
                         });

constexpr char kEmptyName[] = "attribute name cannot be empty";

TEST_F(DynamoDbSimulatorTest, EmptyAttributeNameInAnItemIsValidationError) {
  CreateTable("");
  EXPECT_THAT(Put(MakeItem("a", {{"", S("x")}})),
              IsAwsError("ValidationException", HasSubstr(kEmptyName)));
  EXPECT_FALSE(Get("a").has_value());
}

TEST_F(DynamoDbSimulatorTest, EmptyMapKeyIsValidationError) {
  CreateTable("");
  AttributeValue doc;
  (*doc.mutable_m()->mutable_values())[""] = S("x");
  EXPECT_THAT(Put(MakeItem("a", {{"doc", doc}})),
              IsAwsError("ValidationException", HasSubstr(kEmptyName)));
  Item values;
  values[":v"] = doc;
  EXPECT_THAT(Update("a", "SET doc = :v", values),
              IsAwsError("ValidationException", HasSubstr(kEmptyName)));
}

TEST_F(DynamoDbSimulatorTest, EmptyAttributeNameInAKeyIsValidationError) {
  CreateTable("");
  ddb::GetItemRequest get;
  get.set_table_name(kTable);
  (*get.mutable_key())[""] = S("a");
  EXPECT_THAT(sim_->GetItem(get), IsAwsError("ValidationException", HasSubstr(kEmptyName)));
  ddb::DeleteItemRequest del;
  del.set_table_name(kTable);
  (*del.mutable_key())[""] = S("a");
  EXPECT_THAT(sim_->DeleteItem(del), IsAwsError("ValidationException", HasSubstr(kEmptyName)));
}

TEST_F(DynamoDbSimulatorTest, EmptyExpressionAttributeNameIsValidationError) {
  CreateTable("");
  ddb::UpdateItemRequest request;
  request.set_table_name(kTable);
  *request.mutable_key() = Key("a");
  request.set_update_expression("SET #n = :v");
  (*request.mutable_expression_attribute_names())["#n"] = "";
  (*request.mutable_expression_attribute_values())[":v"] = S("x");
  EXPECT_THAT(
      sim_->UpdateItem(request),
      IsAwsError("ValidationException",
                 HasSubstr("ExpressionAttributeNames contains invalid value: Empty attribute "
                           "name for key #n")));
}

// "Leading and trailing zeroes are trimmed": numbers come back in DynamoDB's
// spelling, whatever was sent.
const std::vector<std::pair<std::string, std::string>>& NumberSpellings() {
  static const auto* spellings = new std::vector<std::pair<std::string, std::string>>{
      {"01.0", "1"},     {"00042", "42"},      {"-0", "0"},      {"1.5E2", "150"},
      {"007.50", "7.5"}, {"-0.0100", "-0.01"}, {"1e-3", "0.001"}};
  return *spellings;
}

TEST_F(DynamoDbSimulatorTest, NumbersAreStoredCanonically) {
  const std::string arn = CreateTable("NEW_AND_OLD_IMAGES");
  Item item = MakeItem("a");
  AttributeValue doc;
  AttributeValue list;
  for (size_t i = 0; i < NumberSpellings().size(); ++i) {
    const std::string& sent = NumberSpellings()[i].first;
    item[absl::StrCat("n", i)] = N(sent);
    (*doc.mutable_m()->mutable_values())[absl::StrCat("n", i)] = N(sent);
    *list.mutable_l()->add_values() = N(sent);
  }
  item["doc"] = doc;
  item["list"] = list;
  AttributeValue set;
  for (const char* n : {"01", "2.50", "3E0"}) set.mutable_ns()->add_values(n);
  item["set"] = set;
  ASSERT_THAT(Put(item), IsOk());

  std::optional<Item> got = Get("a");
  ASSERT_TRUE(got.has_value());
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(1));
  for (const Item* image : {static_cast<const Item*>(&*got), &records[0].dynamodb().new_image()}) {
    for (size_t i = 0; i < NumberSpellings().size(); ++i) {
      const auto& [sent, canonical] = NumberSpellings()[i];
      const std::string name = absl::StrCat("n", i);
      EXPECT_EQ(image->at(name).n(), canonical) << "sent " << sent;
      EXPECT_EQ(image->at("doc").m().values().at(name).n(), canonical) << "sent " << sent;
      EXPECT_EQ(image->at("list").l().values(static_cast<int>(i)).n(), canonical)
          << "sent " << sent;
    }
    EXPECT_THAT(image->at("set").ns().values(), ElementsAre("1", "2.5", "3"));
  }
}

TEST_F(DynamoDbSimulatorTest, NumericKeyIsOneKeyWhateverItsSpelling) {
  ddb::CreateTableRequest table = TableRequest(kTable, "NEW_AND_OLD_IMAGES");
  table.mutable_attribute_definitions(0)->set_attribute_type("N");
  absl::StatusOr<ddb::CreateTableResponse> created = sim_->CreateTable(table);
  ASSERT_THAT(created, IsOk());
  const std::string arn = created->table_description().latest_stream_arn();
  Item item;
  item["pk"] = N("007.50");
  item["v"] = S("first");
  ASSERT_THAT(Put(item), IsOk());
  item["pk"] = N("7.5");
  item["v"] = S("second");
  ASSERT_THAT(Put(item), IsOk());  // the same item: replaced, not added

  for (const char* spelling : {"7.5", "7.50", "0007.5E0", "75E-1"}) {
    ddb::GetItemRequest get;
    get.set_table_name(kTable);
    (*get.mutable_key())["pk"] = N(spelling);
    absl::StatusOr<ddb::GetItemResponse> r = sim_->GetItem(get);
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(Str(r->item(), "v"), "second") << spelling;
    EXPECT_EQ(r->item().at("pk").n(), "7.5") << spelling;
  }
  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(2));
  EXPECT_EQ(records[0].event_name(), "INSERT");
  EXPECT_EQ(records[1].event_name(), "MODIFY");
  for (const dds::Record& r : records) {
    EXPECT_EQ(r.dynamodb().keys().at("pk").n(), "7.5");
    EXPECT_EQ(r.dynamodb().new_image().at("pk").n(), "7.5");
  }
  EXPECT_EQ(records[1].dynamodb().old_image().at("pk").n(), "7.5");

  ddb::DeleteItemRequest del;
  del.set_table_name(kTable);
  (*del.mutable_key())["pk"] = N("0075e-1");
  del.set_return_values("ALL_OLD");
  absl::StatusOr<ddb::DeleteItemResponse> deleted = sim_->DeleteItem(del);
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(deleted->attributes().at("pk").n(), "7.5");
  EXPECT_EQ(Records(arn).back().dynamodb().old_image().at("pk").n(), "7.5");
}

TEST_F(DynamoDbSimulatorTest, UpdateItemWritesAndReturnsCanonicalNumbers) {
  const std::string arn = CreateTable("NEW_AND_OLD_IMAGES");
  Item values;
  values[":a"] = N("0001.10");
  values[":b"] = N("05");
  AttributeValue set;
  set.mutable_ns()->add_values("010");
  values[":s"] = set;
  absl::StatusOr<ddb::UpdateItemResponse> r =
      Update("a", "SET a = :a, b = :b ADD c :b, s :s", values, "ALL_NEW");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->attributes().at("a").n(), "1.1");
  EXPECT_EQ(r->attributes().at("b").n(), "5");
  EXPECT_EQ(r->attributes().at("c").n(), "5");
  EXPECT_THAT(r->attributes().at("s").ns().values(), ElementsAre("10"));

  values.erase(":s");
  values[":a"] = N("2.000");
  r = Update("a", "SET a = :a, b = b + :b", values, "UPDATED_NEW");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->attributes().at("a").n(), "2");
  EXPECT_EQ(r->attributes().at("b").n(), "10");
  values.erase(":b");
  r = Update("a", "SET a = :a", values, "UPDATED_OLD");  // unchanged: nothing returned
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->attributes(), IsEmpty());

  std::vector<dds::Record> records = Records(arn);
  ASSERT_THAT(records, SizeIs(2));
  EXPECT_EQ(records[1].dynamodb().old_image().at("a").n(), "1.1");
  EXPECT_EQ(records[1].dynamodb().new_image().at("a").n(), "2");
}

TEST_F(DynamoDbSimulatorTest, NumberSetDuplicateAfterCanonicalizationIsValidationError) {
  CreateTable("");
  AttributeValue set;
  for (const char* n : {"1", "01.0"}) set.mutable_ns()->add_values(n);
  EXPECT_THAT(Put(MakeItem("a", {{"set", set}})),
              IsAwsError("ValidationException", HasSubstr("Input collection contains duplicates")));
}

TEST_F(DynamoDbSimulatorTest, NumberLimitsAreDynamoDbs) {
  CreateTable("");
  const std::string digits38(38, '9');
  EXPECT_THAT(Put(MakeItem("a", {{"n", N(digits38)}})), IsOk());
  EXPECT_THAT(
      Put(MakeItem("a", {{"n", N(digits38 + "9")}})),
      IsAwsError("ValidationException",
                 HasSubstr("Attempting to store more than 38 significant digits in a Number")));
  // Zeros around the digits are not significant.
  EXPECT_THAT(Put(MakeItem("a", {{"n", N("000" + digits38 + ".000")}})), IsOk());
  EXPECT_THAT(Put(MakeItem("a", {{"n", N("1E-130")}})), IsOk());
  EXPECT_THAT(Put(MakeItem("a", {{"n", N("1E-131")}})),
              IsAwsError("ValidationException", HasSubstr("Number underflow")));
  EXPECT_THAT(Put(MakeItem("a", {{"n", N("9.9999999999999999999999999999999999999E+125")}})),
              IsOk());
  EXPECT_THAT(Put(MakeItem("a", {{"n", N("1E+126")}})),
              IsAwsError("ValidationException", HasSubstr("Number overflow")));
  EXPECT_THAT(Put(MakeItem("a", {{"n", N("-1E+126")}})),
              IsAwsError("ValidationException", HasSubstr("Number overflow")));
  EXPECT_THAT(
      Put(MakeItem("a", {{"n", N("1.5.0")}})),
      IsAwsError("ValidationException", HasSubstr("cannot be converted to a numeric value")));
}

// A state saved before numbers were kept canonical loads them canonical.
TEST_F(DynamoDbSimulatorTest, LoadStateCanonicalizesNumbersSavedAsSent) {
  CreateTable("");
  ASSERT_THAT(Put(MakeItem("a", {{"n", N("7")}})), IsOk());
  ::awsfacade::simulator::state::DynamoDbState state;
  simulator_->SaveState(&state);
  ASSERT_EQ(state.tables_size(), 1);
  ASSERT_EQ(state.tables(0).items_size(), 1);
  (*state.mutable_tables(0)->mutable_items(0)->mutable_item())["n"] = N("007.50");
  Build({});
  ASSERT_THAT(simulator_->LoadState(state), IsOk());
  std::optional<Item> got = Get("a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->at("n").n(), "7.5");
}

}  // namespace
}  // namespace awsfacade::backends::simulator
