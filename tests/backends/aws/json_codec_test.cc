#include "backends/aws/json_codec.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/attribute_value.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::aws {
namespace {

namespace fs = std::filesystem;
using ::awsfacade::testutil::StatusIs;
namespace pb = ::google::protobuf;
using ::aws::dynamodb::v1::AttributeValue;
using ::aws::dynamodb::v1::ConsumedCapacity;
using ::aws::dynamodbstreams::v1::GetRecordsRequest;
using ::aws::dynamodbstreams::v1::GetRecordsResponse;
using ::aws::dynamodbstreams::v1::Record;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// Helpers.

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

fs::path CodecDir() { return fs::path(AWSFACADE_TESTDATA_DIR) / "codec"; }

template <typename M>
M FromTextProto(const std::string& text) {
  M message;
  EXPECT_TRUE(pb::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

template <typename M>
M Parse(absl::string_view json) {
  M message;
  absl::Status status = AwsJsonToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status;
  return message;
}

std::string Write(const pb::Message& message) {
  absl::StatusOr<std::string> json = MessageToAwsJson(message);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? *json : "";
}

::testing::AssertionResult ProtoEquals(const pb::Message& expected, const pb::Message& actual) {
  pb::util::MessageDifferencer differencer;
  std::string diff;
  differencer.ReportDifferencesToString(&diff);
  if (differencer.Compare(expected, actual)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << diff;
}

// ---------------------------------------------------------------------------
// Golden files: tests/testdata/codec/<name>.json is AWS's wire JSON,
// <name>.textproto the message it must become, and <name>.out.json (when the
// input is not already in canonical form) what the message writes back.

struct Golden {
  std::string name;
  std::function<std::unique_ptr<pb::Message>()> make;
};

std::vector<Golden> Goldens() {
  return {
      {"get_records_aws_sample", [] { return std::make_unique<GetRecordsResponse>(); }},
      {"get_records_all_types", [] { return std::make_unique<GetRecordsResponse>(); }},
      {"personalize_list_datasets",
       [] { return std::make_unique<::aws::personalize::v1::ListDatasetsResponse>(); }},
      {"cognito_list_records",
       [] { return std::make_unique<::aws::cognitosync::v1::ListRecordsResponse>(); }},
      // Maps of lists through the facade's wrapper messages.
      {"batch_write_item_request",
       [] { return std::make_unique<::aws::dynamodb::v1::BatchWriteItemRequest>(); }},
      {"batch_get_item_response",
       [] { return std::make_unique<::aws::dynamodb::v1::BatchGetItemResponse>(); }},
      {"transaction_canceled_exception",
       [] { return std::make_unique<::aws::dynamodb::v1::TransactionCanceledException>(); }},
  };
}

class GoldenTest : public ::testing::TestWithParam<Golden> {};

TEST_P(GoldenTest, ParsesToExpectedFields) {
  const Golden& golden = GetParam();
  const std::string json = ReadFile(CodecDir() / (golden.name + ".json"));
  std::unique_ptr<pb::Message> expected = golden.make();
  ASSERT_TRUE(pb::TextFormat::ParseFromString(ReadFile(CodecDir() / (golden.name + ".textproto")),
                                              expected.get()));

  std::unique_ptr<pb::Message> parsed = golden.make();
  ASSERT_TRUE(AwsJsonToMessage(json, parsed.get()).ok());
  EXPECT_TRUE(ProtoEquals(*expected, *parsed));
}

TEST_P(GoldenTest, WritesTheWireJsonBack) {
  const Golden& golden = GetParam();
  std::unique_ptr<pb::Message> expected = golden.make();
  ASSERT_TRUE(pb::TextFormat::ParseFromString(ReadFile(CodecDir() / (golden.name + ".textproto")),
                                              expected.get()));
  fs::path want = CodecDir() / (golden.name + ".out.json");
  if (!fs::exists(want)) want = CodecDir() / (golden.name + ".json");

  const std::string written = Write(*expected);
  // Compared as JSON values: key order and number spelling (1.46480431E9 vs
  // 1464804310) do not matter, types and values do.
  EXPECT_EQ(nlohmann::json::parse(written), nlohmann::json::parse(ReadFile(want))) << written;
}

TEST_P(GoldenTest, RoundTripsThroughJson) {
  const Golden& golden = GetParam();
  std::unique_ptr<pb::Message> expected = golden.make();
  ASSERT_TRUE(pb::TextFormat::ParseFromString(ReadFile(CodecDir() / (golden.name + ".textproto")),
                                              expected.get()));
  std::unique_ptr<pb::Message> again = golden.make();
  ASSERT_TRUE(AwsJsonToMessage(Write(*expected), again.get()).ok());
  EXPECT_TRUE(ProtoEquals(*expected, *again));
}

INSTANTIATE_TEST_SUITE_P(Codec, GoldenTest, ::testing::ValuesIn(Goldens()),
                         [](const auto& info) { return info.param.name; });

TEST(JsonCodecTest, GetRecordsSampleIsReadIntoAnArenaMessage) {
  pb::Arena arena;
  auto* response = pb::Arena::CreateMessage<GetRecordsResponse>(&arena);
  ASSERT_TRUE(
      AwsJsonToMessage(ReadFile(CodecDir() / "get_records_aws_sample.json"), response).ok());
  ASSERT_EQ(response->records_size(), 3);
  EXPECT_EQ(response->records(2).dynamodb().keys().at("Subject").s(), "DynamoDB Thread 2");
}

// ---------------------------------------------------------------------------
// AttributeValue: AWS's exact wire form, without the proto's wrapper level.

TEST(JsonCodecTest, WritesAttributeValuesAsAwsDoes) {
  AttributeValue v;
  v.mutable_ss()->add_values("a");
  EXPECT_EQ(Write(v), R"({"SS":["a"]})");
  v.mutable_ns()->add_values("1.5");
  EXPECT_EQ(Write(v), R"({"NS":["1.5"]})");
  v.mutable_bs()->add_values(std::string("\x00\x01", 2));
  EXPECT_EQ(Write(v), R"({"BS":["AAE="]})");
  v.set_b(std::string("\x00\x01", 2));
  EXPECT_EQ(Write(v), R"({"B":"AAE="})");
  v.set_null_value(true);
  EXPECT_EQ(Write(v), R"({"NULL":true})");
  v.set_bool_value(false);
  EXPECT_EQ(Write(v), R"({"BOOL":false})");
  v.set_s("");
  EXPECT_EQ(Write(v), R"({"S":""})");
  v.mutable_m();
  EXPECT_EQ(Write(v), R"({"M":{}})");
  (*v.mutable_m()->mutable_values())["k"].set_n("1");
  EXPECT_EQ(Write(v), R"({"M":{"k":{"N":"1"}}})");
  v.mutable_l();
  EXPECT_EQ(Write(v), R"({"L":[]})");
  v.mutable_l()->add_values()->mutable_l()->add_values()->set_s("deep");
  EXPECT_EQ(Write(v), R"({"L":[{"L":[{"S":"deep"}]}]})");
}

TEST(JsonCodecTest, PutItemRequestHasAwsShape) {
  ::aws::dynamodb::v1::PutItemRequest request;
  request.set_table_name("Music");
  auto& item = *request.mutable_item();
  item["Artist"].set_s("No One You Know");
  item["Awards"].mutable_ns()->add_values("1");
  item["Tags"].mutable_ss()->add_values("rock");
  (*item["Info"].mutable_m()->mutable_values())["Year"].set_n("2020");
  item["Tracks"].mutable_l()->add_values()->set_null_value(true);
  EXPECT_EQ(nlohmann::json::parse(Write(request)), nlohmann::json::parse(R"({
      "TableName": "Music",
      "Item": {"Artist": {"S": "No One You Know"}, "Awards": {"NS": ["1"]},
               "Tags": {"SS": ["rock"]}, "Info": {"M": {"Year": {"N": "2020"}}},
               "Tracks": {"L": [{"NULL": true}]}}})"));
}

TEST(JsonCodecTest, ReadsAttributeValuesWithoutTheWrapperLevel) {
  AttributeValue v = Parse<AttributeValue>(R"({"SS": ["a", "b"]})");
  ASSERT_TRUE(v.has_ss());
  EXPECT_THAT(v.ss().values(), ::testing::ElementsAre("a", "b"));
  v = Parse<AttributeValue>(R"({"M": {}})");
  EXPECT_TRUE(v.has_m());
  EXPECT_EQ(v.m().values_size(), 0);
  v = Parse<AttributeValue>(R"({"L": []})");
  EXPECT_TRUE(v.has_l());
  v = Parse<AttributeValue>(R"({"BOOL": false})");
  EXPECT_EQ(v.value_case(), AttributeValue::kBoolValue);
  EXPECT_FALSE(v.bool_value());
  v = Parse<AttributeValue>(R"({"NULL": true})");
  EXPECT_EQ(v.value_case(), AttributeValue::kNullValue);
}

// Query's and Scan's Items is AWS's ItemList, a list of maps: the MapValue
// wrapper of each element is not on the wire, either way.
TEST(JsonCodecTest, ItemsAreAListOfMapsWithoutTheWrapperLevel) {
  ::aws::dynamodb::v1::QueryResponse response;
  (*response.add_items()->mutable_values())["pk"].set_s("a");
  response.add_items();
  response.set_count(2);
  const std::string json = Write(response);
  EXPECT_EQ(nlohmann::json::parse(json),
            nlohmann::json::parse(R"({"Items": [{"pk": {"S": "a"}}, {}], "Count": 2})"));
  auto parsed = Parse<::aws::dynamodb::v1::QueryResponse>(json);
  ASSERT_EQ(parsed.items_size(), 2);
  EXPECT_EQ(parsed.items(0).values().at("pk").s(), "a");
  EXPECT_TRUE(parsed.items(1).values().empty());
}

TEST(JsonCodecTest, AttributeValueWithTwoMembersIsRejected) {
  AttributeValue v;
  EXPECT_THAT(AwsJsonToMessage(R"({"S": "x", "N": "1"})", &v),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("exactly one member, this one has S and N")));
}

TEST(JsonCodecTest, AttributeValueOfAnUnknownTypeIsLeftUnset) {
  AttributeValue v = Parse<AttributeValue>(R"({"VECTOR": [1, 2]})");
  EXPECT_EQ(v.value_case(), AttributeValue::VALUE_NOT_SET);
}

TEST(JsonCodecTest, UnsetAttributeValueIsNotWritten) {
  ::aws::dynamodb::v1::GetItemRequest request;
  (*request.mutable_key())["pk"];  // no member set
  EXPECT_THAT(MessageToAwsJson(request).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("$.Key.pk: AttributeValue has no member set")));
}

// ---------------------------------------------------------------------------
// Timestamps: epoch seconds as JSON numbers.

TEST(JsonCodecTest, WritesWholeTimestampsAsIntegers) {
  ::aws::cognitosync::v1::RecordPatch patch;
  patch.mutable_device_last_modified_date()->set_seconds(1577836800);
  EXPECT_EQ(Write(patch), R"({"DeviceLastModifiedDate":1577836800})");
}

TEST(JsonCodecTest, WritesFractionalTimestampsExactly) {
  ::aws::cognitosync::v1::RecordPatch patch;
  auto* ts = patch.mutable_device_last_modified_date();
  ts->set_seconds(1542392161);
  ts->set_nanos(837000000);
  EXPECT_EQ(Write(patch), R"({"DeviceLastModifiedDate":1542392161.837})");
  ts->set_nanos(1);
  EXPECT_EQ(Write(patch), R"({"DeviceLastModifiedDate":1542392161.000000001})");
  ts->set_seconds(-1);
  ts->set_nanos(500000000);
  EXPECT_EQ(Write(patch), R"({"DeviceLastModifiedDate":-0.5})");
  ts->set_seconds(-2);
  ts->set_nanos(250000000);
  EXPECT_EQ(Write(patch), R"({"DeviceLastModifiedDate":-1.75})");
}

TEST(JsonCodecTest, ReadsTimestampsInEveryNumberSpelling) {
  using ::aws::cognitosync::v1::Record;
  EXPECT_EQ(Parse<Record>(R"({"LastModifiedDate": 1464804310})").last_modified_date().seconds(),
            1464804310);
  EXPECT_EQ(Parse<Record>(R"({"LastModifiedDate": 1.46480431E9})").last_modified_date().seconds(),
            1464804310);
  Record r = Parse<Record>(R"({"LastModifiedDate": 1542392161.837})");
  EXPECT_EQ(r.last_modified_date().seconds(), 1542392161);
  EXPECT_EQ(r.last_modified_date().nanos(), 837000000);
  r = Parse<Record>(R"({"LastModifiedDate": -0.5})");
  EXPECT_EQ(r.last_modified_date().seconds(), -1);
  EXPECT_EQ(r.last_modified_date().nanos(), 500000000);
  r = Parse<Record>(R"({"LastModifiedDate": 0})");
  EXPECT_TRUE(r.has_last_modified_date());
}

TEST(JsonCodecTest, TimestampsMustBeNumbersWithinYears1To9999) {
  ::aws::cognitosync::v1::Record r;
  EXPECT_THAT(AwsJsonToMessage(R"({"LastModifiedDate": "2020-01-01T00:00:00Z"})", &r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("$.LastModifiedDate: expected epoch seconds")));
  EXPECT_THAT(AwsJsonToMessage(R"({"LastModifiedDate": 1e300})", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside years 1..9999")));
  EXPECT_THAT(AwsJsonToMessage(R"({"LastModifiedDate": 253402300800})", &r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside years 1..9999")));
}

// The awsfacade CLI's options: AWS CLI v2 timestamps out, RFC 3339 in.
TEST(JsonCodecTest, WritesIso8601TimestampsAsTheAwsCliPrintsThem) {
  ::aws::cognitosync::v1::RecordPatch patch;
  auto* ts = patch.mutable_device_last_modified_date();
  ts->set_seconds(1577836800);
  AwsJsonWriteOptions options;
  options.iso8601_timestamps = true;
  EXPECT_EQ(*MessageToAwsJson(patch, options),
            R"({"DeviceLastModifiedDate":"2020-01-01T00:00:00+00:00"})");
  ts->set_nanos(250000000);
  EXPECT_EQ(*MessageToAwsJson(patch, options),
            R"({"DeviceLastModifiedDate":"2020-01-01T00:00:00.250000+00:00"})");
  ts->set_nanos(999);  // below a microsecond: printed whole, as Python does
  EXPECT_EQ(*MessageToAwsJson(patch, options),
            R"({"DeviceLastModifiedDate":"2020-01-01T00:00:00+00:00"})");
}

TEST(JsonCodecTest, ReadsRfc3339TimestampsWhenAsked) {
  AwsJsonReadOptions options;
  options.accept_rfc3339_timestamps = true;
  ::aws::cognitosync::v1::Record r;
  ASSERT_TRUE(
      AwsJsonToMessage(R"({"LastModifiedDate": "2020-01-01T01:00:00.5+01:00"})", &r, options).ok());
  EXPECT_EQ(r.last_modified_date().seconds(), 1577836800);
  EXPECT_EQ(r.last_modified_date().nanos(), 500000000);
  ASSERT_TRUE(AwsJsonToMessage(R"({"LastModifiedDate": 1577836800})", &r, options).ok());
  EXPECT_EQ(r.last_modified_date().seconds(), 1577836800);
  EXPECT_THAT(
      AwsJsonToMessage(R"({"LastModifiedDate": "yesterday"})", &r, options),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("$.LastModifiedDate: expected epoch seconds or an RFC 3339 time")));
}

TEST(JsonCodecTest, UnknownMembersAreRejectedWhenAsked) {
  AwsJsonReadOptions options;
  options.reject_unknown_members = true;
  ::aws::dynamodb::v1::PutItemRequest request;
  EXPECT_THAT(
      AwsJsonToMessage(R"({"TableName": "t", "Itme": {}})", &request, options),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr("$.Itme: unknown member of PutItemRequest, must be one of: TableName, Item")));
  EXPECT_THAT(AwsJsonToMessage(R"({"Item": {"a": {"SX": ["x"]}}})", &request, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("$.Item.a.SX: unknown member of AttributeValue")));
  EXPECT_TRUE(AwsJsonToMessage(R"({"Item": {"a": {"SS": ["x"]}}})", &request, options).ok());
}

// ---------------------------------------------------------------------------
// Numbers, bytes, presence.

TEST(JsonCodecTest, Int64StaysAJsonNumberAtFullPrecision) {
  ::aws::dynamodbstreams::v1::StreamRecord record;
  record.set_size_bytes(9007199254740993);  // 2^53 + 1: not a double
  EXPECT_EQ(Write(record), R"({"SizeBytes":9007199254740993})");
  EXPECT_EQ(Parse<::aws::dynamodbstreams::v1::StreamRecord>(R"({"SizeBytes":9007199254740993})")
                .size_bytes(),
            9007199254740993);
}

TEST(JsonCodecTest, IntegralDoublesAreAcceptedForIntegers) {
  EXPECT_EQ(Parse<GetRecordsRequest>(R"({"Limit": 1.0E3})").limit(), 1000);
}

TEST(JsonCodecTest, WritesRequestMembersInFieldOrder) {
  GetRecordsRequest request;
  request.set_shard_iterator("arn:aws:dynamodb:...|1|AAAA");
  request.set_limit(1000);
  EXPECT_EQ(Write(request), R"({"ShardIterator":"arn:aws:dynamodb:...|1|AAAA","Limit":1000})");
}

TEST(JsonCodecTest, WritesOnlyFieldsThatAreSet) {
  ::aws::dynamodbstreams::v1::DescribeStreamRequest request;
  EXPECT_EQ(Write(request), "{}");
  request.set_limit(0);                      // optional: present though zero
  request.set_exclusive_start_shard_id("");  // proto3 string: "" is unset
  EXPECT_EQ(Write(request), R"({"Limit":0})");
  request.mutable_shard_filter();  // a present message, even empty
  EXPECT_EQ(Write(request), R"({"Limit":0,"ShardFilter":{}})");

  ::aws::cognitosync::v1::UpdateRecordsRequest update;
  update.set_device_id("dev");
  EXPECT_EQ(Write(update), R"({"DeviceId":"dev"})");  // no "RecordPatches": []
}

TEST(JsonCodecTest, PresenceIsReadFromTheWire) {
  using ::aws::cognitosync::v1::Record;
  Record r = Parse<Record>(R"({"Key": "k", "Value": "", "SyncCount": 0})");
  EXPECT_TRUE(r.has_value());
  EXPECT_TRUE(r.has_sync_count());
  r = Parse<Record>(R"({"Key": "k"})");
  EXPECT_FALSE(r.has_value());
  EXPECT_FALSE(r.has_sync_count());
}

TEST(JsonCodecTest, NullMembersAreAbsentEverywhere) {
  GetRecordsResponse response = Parse<GetRecordsResponse>(R"({
      "NextShardIterator": null,
      "Records": [null, {"eventID": null, "dynamodb": {"SizeBytes": null,
                   "Keys": {"a": null, "b": {"S": null}, "c": {"N": "1"}}}}]})");
  EXPECT_EQ(response.next_shard_iterator(), "");
  ASSERT_EQ(response.records_size(), 1);
  const auto& record = response.records(0).dynamodb();
  EXPECT_FALSE(record.has_size_bytes());
  EXPECT_EQ(record.keys().count("a"), 0);
  EXPECT_EQ(record.keys().at("b").value_case(), AttributeValue::VALUE_NOT_SET);
  EXPECT_EQ(record.keys().at("c").n(), "1");
}

TEST(JsonCodecTest, UnknownMembersAreIgnored) {
  GetRecordsResponse response = Parse<GetRecordsResponse>(
      R"({"Brand": {"New": [1, {"x": null}]}, "Records": [], "Other": 1e9})");
  EXPECT_EQ(response.records_size(), 0);
}

TEST(JsonCodecTest, NullDocumentIsAnEmptyMessage) {
  GetRecordsResponse response;
  response.set_next_shard_iterator("stale");
  ASSERT_TRUE(AwsJsonToMessage("null", &response).ok());
  EXPECT_EQ(response.next_shard_iterator(), "");
}

TEST(JsonCodecTest, IdentityAcceptsBothSpellings) {
  using ::aws::dynamodbstreams::v1::Identity;
  Identity model = Parse<Identity>(R"({"PrincipalId": "p", "Type": "Service"})");
  Identity lambda = Parse<Identity>(R"({"principalId": "p", "type": "Service"})");
  EXPECT_TRUE(ProtoEquals(model, lambda));
  EXPECT_EQ(Write(lambda), R"({"PrincipalId":"p","Type":"Service"})");
}

TEST(JsonCodecTest, DoublesAndNonFiniteValues) {
  ConsumedCapacity c = Parse<ConsumedCapacity>(
      R"({"CapacityUnits": 0.5, "ReadCapacityUnits": "NaN", "WriteCapacityUnits": "-Infinity"})");
  EXPECT_EQ(c.capacity_units(), 0.5);
  EXPECT_TRUE(std::isnan(c.read_capacity_units()));
  EXPECT_EQ(c.write_capacity_units(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Write(c),
            R"({"CapacityUnits":0.5,"ReadCapacityUnits":"NaN","WriteCapacityUnits":"-Infinity"})");
  c.Clear();
  c.set_capacity_units(0.1 + 0.2);
  EXPECT_EQ(Write(c), R"({"CapacityUnits":0.30000000000000004})");
  c.set_capacity_units(3);
  EXPECT_EQ(Write(c), R"({"CapacityUnits":3})");
}

TEST(JsonCodecTest, MapKeysAreWrittenSorted) {
  ::aws::dynamodb::v1::GetItemRequest request;
  for (const char* key : {"zeta", "alpha", "mid"}) (*request.mutable_key())[key].set_s(key);
  EXPECT_EQ(Write(request),
            R"({"Key":{"alpha":{"S":"alpha"},"mid":{"S":"mid"},"zeta":{"S":"zeta"}}})");
}

TEST(JsonCodecTest, EscapesStringsAsJsonRequires) {
  ::aws::dynamodbstreams::v1::ListStreamsRequest request;
  request.set_table_name("q\"b\\s/\n\t\x01 é");
  EXPECT_EQ(Write(request), "{\"TableName\":\"q\\\"b\\\\s/\\n\\t\\u0001 \xC3\xA9\"}");
  EXPECT_EQ(Parse<::aws::dynamodbstreams::v1::ListStreamsRequest>(Write(request)).table_name(),
            request.table_name());
}

TEST(JsonCodecTest, OmitFieldsLeavesTopLevelMembersOut) {
  ::aws::cognitosync::v1::UpdateRecordsRequest request;
  request.set_identity_pool_id("us-east-1:0000-ab");
  request.set_device_id("dev");
  const pb::FieldDescriptor* omit[] = {
      request.GetDescriptor()->FindFieldByName("identity_pool_id")};
  absl::StatusOr<std::string> json = MessageToAwsJson(request, AwsJsonWriteOptions{omit});
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"DeviceId":"dev"})");
}

// ---------------------------------------------------------------------------
// Malformed input: InvalidArgument naming the JSON path, never a crash.

TEST(JsonCodecTest, WrongTypesNameThePath) {
  GetRecordsResponse response;
  EXPECT_THAT(
      AwsJsonToMessage(R"({"Records": [{}, {"dynamodb": {"SizeBytes": "41"}}]})", &response),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "$.Records[1].dynamodb.SizeBytes: expected an integer, got string"));
  EXPECT_THAT(
      AwsJsonToMessage(R"({"Records": {}})", &response),
      StatusIs(absl::StatusCode::kInvalidArgument, "$.Records: expected an array, got object"));
  EXPECT_THAT(AwsJsonToMessage(R"({"NextShardIterator": 7})", &response),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "$.NextShardIterator: expected a string, got integer"));
  EXPECT_THAT(
      AwsJsonToMessage(R"({"Records": [{"dynamodb": {"Keys": {"a.b": {"SS": [1]}}}}]})", &response),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "$.Records[0].dynamodb.Keys[\"a.b\"].SS[0]: expected a string, got integer"));
  EXPECT_THAT(AwsJsonToMessage("[]", &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "$: expected an object, got array"));
}

TEST(JsonCodecTest, BadBase64IsRejected) {
  AttributeValue v;
  EXPECT_THAT(AwsJsonToMessage(R"({"B": "AA*="})", &v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.B: invalid base64")));
  EXPECT_THAT(AwsJsonToMessage(R"({"BS": ["AAE=", "A"]})", &v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.BS[1]: invalid base64")));
  EXPECT_TRUE(AwsJsonToMessage(R"({"B": "AAE"})", &v).ok());  // unpadded is fine
  EXPECT_EQ(v.b(), std::string("\x00\x01", 2));
  EXPECT_TRUE(AwsJsonToMessage(R"({"B": ""})", &v).ok());
  EXPECT_EQ(v.value_case(), AttributeValue::kB);
}

TEST(JsonCodecTest, NumbersOutOfRangeOrFractionalAreRejected) {
  GetRecordsRequest request;
  EXPECT_THAT(
      AwsJsonToMessage(R"({"Limit": 2147483648})", &request),
      StatusIs(absl::StatusCode::kInvalidArgument, "$.Limit: number out of range for int32"));
  EXPECT_THAT(
      AwsJsonToMessage(R"({"Limit": 1.5})", &request),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.Limit: expected an integer")));
  EXPECT_THAT(AwsJsonToMessage(R"({"Limit": 18446744073709551615})", &request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  EXPECT_THAT(AwsJsonToMessage(R"({"Limit": true})", &request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got boolean")));
}

TEST(JsonCodecTest, MalformedJsonIsRejected) {
  GetRecordsResponse response;
  for (const char* bad :
       {"", "{", R"({"Records": [}")", "{\"a\": \"\xff\"}", "{} {}", R"({"a": 01})"}) {
    EXPECT_THAT(AwsJsonToMessage(bad, &response),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed JSON")))
        << bad;
  }
}

TEST(JsonCodecTest, NestingIsLimited) {
  auto nested = [](int levels) {
    std::string json;
    for (int i = 0; i < levels; ++i) json += R"({"L":[)";
    json += R"({"S":"x"})";
    for (int i = 0; i < levels; ++i) json += "]}";
    return json;
  };
  AttributeValue v;
  // 32 levels of L (DynamoDB's documented maximum) is 64 JSON levels: fine.
  EXPECT_TRUE(AwsJsonToMessage(nested(32), &v).ok());
  EXPECT_THAT(AwsJsonToMessage(nested(kMaxJsonDepth), &v),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than")));
  // Far beyond simdjson's own limit: still an error, not a crash.
  EXPECT_THAT(AwsJsonToMessage(nested(5000), &v),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));

  AttributeValue deep;
  AttributeValue* cursor = &deep;
  for (int i = 0; i < kMaxJsonDepth; ++i) cursor = cursor->mutable_l()->add_values();
  cursor->set_s("x");
  EXPECT_THAT(MessageToAwsJson(deep).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than")));
}

TEST(JsonCodecTest, InvalidUtf8IsNotWritten) {
  ::aws::dynamodbstreams::v1::ListStreamsRequest request;
  request.set_table_name("bad\xC3");
  EXPECT_THAT(
      MessageToAwsJson(request).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, "$.TableName: string is not valid UTF-8"));
}

TEST(JsonCodecTest, TopLevelStringMembers) {
  absl::StatusOr<std::vector<JsonStringMember>> members =
      TopLevelStringMembers(R"({"__type": "a#B", "n": 1, "message": "hi", "o": {"x": "y"}})");
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].name, "__type");
  EXPECT_EQ((*members)[1].value, "hi");
  EXPECT_FALSE(TopLevelStringMembers("<html>").ok());
  EXPECT_FALSE(TopLevelStringMembers("[]").ok());
}

TEST(JsonCodecTest, ThreadsParseIndependently) {
  const std::string json = ReadFile(CodecDir() / "get_records_all_types.json");
  const GetRecordsResponse expected = Parse<GetRecordsResponse>(json);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        GetRecordsResponse response;
        if (!AwsJsonToMessage(json, &response).ok() ||
            !pb::util::MessageDifferencer::Equals(response, expected)) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

}  // namespace
}  // namespace awsfacade::backends::aws
