// DynamoDB and DynamoDB Streams end to end through the server binary (on the
// simulator) and the generated stubs: writes become stream records with the
// exact images; shards, lineage, iterators, errors with their AWS names, and
// the simulator's clock and rollover controls (issue 3).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "awsfacade/simulator/v1/simulator.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;
namespace sim = ::awsfacade::simulator::v1;
using ::awsfacade::backends::simulator::dynamodb_test::N;
using ::awsfacade::backends::simulator::dynamodb_test::S;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using AttributeMap = google::protobuf::Map<std::string, ddb::AttributeValue>;

ddb::AttributeValue SS(std::vector<std::string> v) {
  ddb::AttributeValue a;
  for (auto& s : v) a.mutable_ss()->add_values(s);
  return a;
}

// "name=S:v" pairs, sorted by name; sets sorted: "{}" for an empty map.
std::string Render(const AttributeMap& map) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : map) {
    std::string v;
    switch (value.value_case()) {
      case ddb::AttributeValue::kS:
        v = "S:" + value.s();
        break;
      case ddb::AttributeValue::kN:
        v = "N:" + value.n();
        break;
      case ddb::AttributeValue::kSs: {
        std::vector<std::string> items(value.ss().values().begin(), value.ss().values().end());
        std::sort(items.begin(), items.end());
        v = "SS:[" + absl::StrJoin(items, ",") + "]";
        break;
      }
      case ddb::AttributeValue::kBoolValue:
        v = value.bool_value() ? "BOOL:true" : "BOOL:false";
        break;
      case ddb::AttributeValue::kNullValue:
        v = "NULL";
        break;
      default:
        v = "other:" + value.ShortDebugString();
    }
    parts.push_back(name + "=" + v);
  }
  std::sort(parts.begin(), parts.end());
  return "{" + absl::StrJoin(parts, ",") + "}";
}

// Sequence numbers are decimal strings of varying length: compare as integers.
bool SeqLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

class StreamsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    ddb_ = ddb::DynamoDbService::NewStub(channel);
    streams_ = streams::DynamoDbStreamsService::NewStub(channel);
    sim_ = sim::SimulatorService::NewStub(channel);
  }

  // A table keyed by pk (S) [and sk (N)] with a stream; returns its ARN.
  std::string CreateTable(const std::string& name, const std::string& view_type,
                          bool with_sort_key = false) {
    ddb::CreateTableRequest request;
    request.set_table_name(name);
    auto* pk = request.add_attribute_definitions();
    pk->set_attribute_name("pk");
    pk->set_attribute_type("S");
    auto* hash = request.add_key_schema();
    hash->set_attribute_name("pk");
    hash->set_key_type("HASH");
    if (with_sort_key) {
      auto* sk = request.add_attribute_definitions();
      sk->set_attribute_name("sk");
      sk->set_attribute_type("N");
      auto* range = request.add_key_schema();
      range->set_attribute_name("sk");
      range->set_key_type("RANGE");
    }
    request.set_billing_mode("PAY_PER_REQUEST");
    request.mutable_stream_specification()->set_stream_enabled(true);
    request.mutable_stream_specification()->set_stream_view_type(view_type);
    ddb::CreateTableResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = ddb_->CreateTable(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.table_description().stream_specification().stream_view_type(), view_type);
    return response.table_description().latest_stream_arn();
  }

  void Put(const std::string& table, std::map<std::string, ddb::AttributeValue> item) {
    ddb::PutItemRequest request;
    request.set_table_name(table);
    request.mutable_item()->insert(item.begin(), item.end());
    ddb::PutItemResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = ddb_->PutItem(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void Update(const std::string& table, std::map<std::string, ddb::AttributeValue> key,
              const std::string& expression,
              std::map<std::string, ddb::AttributeValue> values = {}) {
    ddb::UpdateItemRequest request;
    request.set_table_name(table);
    request.mutable_key()->insert(key.begin(), key.end());
    request.set_update_expression(expression);
    request.mutable_expression_attribute_values()->insert(values.begin(), values.end());
    ddb::UpdateItemResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = ddb_->UpdateItem(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void Delete(const std::string& table, std::map<std::string, ddb::AttributeValue> key) {
    ddb::DeleteItemRequest request;
    request.set_table_name(table);
    request.mutable_key()->insert(key.begin(), key.end());
    ddb::DeleteItemResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = ddb_->DeleteItem(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  grpc::Status Describe(const std::string& arn, streams::DescribeStreamResponse* response,
                        const std::string& child_of = "") {
    streams::DescribeStreamRequest request;
    request.set_stream_arn(arn);
    if (!child_of.empty()) {
      request.mutable_shard_filter()->set_type("CHILD_SHARDS");
      request.mutable_shard_filter()->set_shard_id(child_of);
    }
    auto context = ContextWithDeadline();
    return streams_->DescribeStream(context.get(), request, response);
  }

  std::vector<streams::Shard> Shards(const std::string& arn) {
    streams::DescribeStreamResponse response;
    grpc::Status status = Describe(arn, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    const auto& shards = response.stream_description().shards();
    return {shards.begin(), shards.end()};
  }

  grpc::Status Iterator(const std::string& arn, const std::string& shard, const std::string& type,
                        std::string* iterator, const std::string& sequence_number = "") {
    streams::GetShardIteratorRequest request;
    request.set_stream_arn(arn);
    request.set_shard_id(shard);
    request.set_shard_iterator_type(type);
    request.set_sequence_number(sequence_number);
    streams::GetShardIteratorResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = streams_->GetShardIterator(context.get(), request, &response);
    *iterator = response.shard_iterator();
    return status;
  }

  std::string TrimHorizon(const std::string& arn, const std::string& shard) {
    std::string iterator;
    grpc::Status status = Iterator(arn, shard, "TRIM_HORIZON", &iterator);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(iterator.empty());
    return iterator;
  }

  grpc::Status GetRecords(const std::string& iterator, streams::GetRecordsResponse* response,
                          int limit = 0) {
    streams::GetRecordsRequest request;
    request.set_shard_iterator(iterator);
    if (limit > 0) request.set_limit(limit);
    auto context = ContextWithDeadline();
    return streams_->GetRecords(context.get(), request, response);
  }

  // Every record of a shard from TRIM_HORIZON, `limit` per call. Stops when
  // NextShardIterator is absent (sets *closed) or at an empty page.
  std::vector<streams::Record> ReadShard(const std::string& arn, const std::string& shard,
                                         int limit, bool* closed) {
    std::vector<streams::Record> records;
    std::string iterator = TrimHorizon(arn, shard);
    *closed = false;
    for (int calls = 0; calls < 1000; ++calls) {
      streams::GetRecordsResponse page;
      grpc::Status status = GetRecords(iterator, &page, limit);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(page.records_size(), limit);
      records.insert(records.end(), page.records().begin(), page.records().end());
      if (page.next_shard_iterator().empty()) {
        *closed = true;
        break;
      }
      if (page.records().empty()) break;
      iterator = page.next_shard_iterator();
    }
    return records;
  }

  sim::ForceShardRolloverResponse Rollover(const std::string& arn,
                                           grpc::Status* status_out = nullptr) {
    sim::ForceShardRolloverRequest request;
    request.set_stream_arn(arn);
    sim::ForceShardRolloverResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = sim_->ForceShardRollover(context.get(), request, &response);
    if (status_out != nullptr) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return response;
  }

  void Advance(int64_t seconds) {
    sim::AdvanceClockRequest request;
    request.mutable_by()->set_seconds(seconds);
    sim::AdvanceClockResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = sim_->AdvanceClock(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static void ExpectAwsError(const grpc::Status& status, grpc::StatusCode code,
                             const std::string& name) {
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(name));
    auto info = ErrorInfoOf(status);
    ASSERT_TRUE(info.has_value()) << "no ErrorInfo in " << status.error_message();
    EXPECT_EQ(info->reason(), name);
    EXPECT_EQ(info->domain(), "streams.dynamodb");
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ddb::DynamoDbService::Stub> ddb_;
  std::unique_ptr<streams::DynamoDbStreamsService::Stub> streams_;
  std::unique_ptr<sim::SimulatorService::Stub> sim_;
};

TEST_F(StreamsIntegrationTest, WritesBecomeRecordsWithExactKeysAndImages) {
  const std::string arn = CreateTable("events", "NEW_AND_OLD_IMAGES", /*with_sort_key=*/true);
  EXPECT_THAT(arn,
              MatchesRegex(R"(arn:aws:dynamodb:us-east-1:123456789012:table/events/stream/)"
                           R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3})"));

  // ListStreams (of this table) names it.
  streams::ListStreamsRequest list;
  list.set_table_name("events");
  streams::ListStreamsResponse listed;
  auto context = ContextWithDeadline();
  ASSERT_TRUE(streams_->ListStreams(context.get(), list, &listed).ok());
  ASSERT_EQ(listed.streams_size(), 1);
  EXPECT_EQ(listed.streams(0).stream_arn(), arn);
  EXPECT_EQ(listed.streams(0).table_name(), "events");
  EXPECT_EQ(arn, "arn:aws:dynamodb:us-east-1:123456789012:table/events/stream/" +
                     listed.streams(0).stream_label());
  EXPECT_TRUE(listed.last_evaluated_stream_arn().empty());

  streams::DescribeStreamResponse described;
  ASSERT_TRUE(Describe(arn, &described).ok());
  const auto& desc = described.stream_description();
  EXPECT_EQ(desc.stream_arn(), arn);
  EXPECT_EQ(desc.stream_status(), "ENABLED");
  EXPECT_EQ(desc.stream_view_type(), "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(desc.table_name(), "events");
  ASSERT_EQ(desc.key_schema_size(), 2);
  EXPECT_EQ(desc.key_schema(0).attribute_name(), "pk");
  EXPECT_EQ(desc.key_schema(0).key_type(), "HASH");
  EXPECT_EQ(desc.key_schema(1).attribute_name(), "sk");
  EXPECT_EQ(desc.key_schema(1).key_type(), "RANGE");
  ASSERT_EQ(desc.shards_size(), 1);
  EXPECT_TRUE(desc.shards(0).parent_shard_id().empty());
  EXPECT_TRUE(desc.shards(0).sequence_number_range().ending_sequence_number().empty());
  const std::string shard = desc.shards(0).shard_id();

  Put("events", {{"pk", S("a")},
                 {"sk", N("1")},
                 {"n", N("5")},
                 {"s", S("x")},
                 {"tags", SS({"red", "green"})}});
  Update("events", {{"pk", S("a")}, {"sk", N("1")}}, "SET s = :y ADD n :one REMOVE tags",
         {{":y", S("y")}, {":one", N("1")}});
  // Identical to the stored item: AWS writes no record.
  Put("events", {{"pk", S("a")}, {"sk", N("1")}, {"n", N("6")}, {"s", S("y")}});
  Delete("events", {{"pk", S("a")}, {"sk", N("1")}});
  Delete("events", {{"pk", S("a")}, {"sk", N("1")}});  // missing: no record

  streams::GetRecordsResponse page;
  grpc::Status status = GetRecords(TrimHorizon(arn, shard), &page);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(page.records_size(), 3);
  const auto& insert = page.records(0);
  const auto& modify = page.records(1);
  const auto& remove = page.records(2);
  EXPECT_EQ(insert.event_name(), "INSERT");
  EXPECT_EQ(modify.event_name(), "MODIFY");
  EXPECT_EQ(remove.event_name(), "REMOVE");
  const std::string keys = "{pk=S:a,sk=N:1}";
  for (const auto& r : page.records()) {
    EXPECT_EQ(Render(r.dynamodb().keys()), keys);
    EXPECT_EQ(r.event_source(), "aws:dynamodb");
    EXPECT_EQ(r.aws_region(), "us-east-1");
    EXPECT_EQ(r.event_version(), "1.1");
    EXPECT_THAT(r.event_id(), MatchesRegex("[0-9a-f]{32}"));
    EXPECT_EQ(r.dynamodb().stream_view_type(), "NEW_AND_OLD_IMAGES");
    EXPECT_THAT(r.dynamodb().sequence_number(), MatchesRegex("[0-9]{21,40}"));
    EXPECT_GT(r.dynamodb().size_bytes(), 0);
    EXPECT_TRUE(r.dynamodb().has_approximate_creation_date_time());
    EXPECT_EQ(r.dynamodb().approximate_creation_date_time().nanos(), 0)
        << "rounded down to the second";
    EXPECT_FALSE(r.has_user_identity()) << "only TTL removes carry userIdentity";
  }
  EXPECT_EQ(Render(insert.dynamodb().new_image()),
            "{n=N:5,pk=S:a,s=S:x,sk=N:1,tags=SS:[green,red]}");
  EXPECT_EQ(Render(insert.dynamodb().old_image()), "{}");
  EXPECT_EQ(Render(modify.dynamodb().new_image()), "{n=N:6,pk=S:a,s=S:y,sk=N:1}");
  EXPECT_EQ(Render(modify.dynamodb().old_image()),
            "{n=N:5,pk=S:a,s=S:x,sk=N:1,tags=SS:[green,red]}");
  EXPECT_EQ(Render(remove.dynamodb().new_image()), "{}");
  EXPECT_EQ(Render(remove.dynamodb().old_image()), "{n=N:6,pk=S:a,s=S:y,sk=N:1}");
  // AWS sizes: Keys + images by the item-size rules (pk=a: 3, sk=1: 4, n: 3,
  // s: 2, tags: 4 + 3 + 5 = 12).
  EXPECT_EQ(insert.dynamodb().size_bytes(), 7 + 24);
  EXPECT_EQ(remove.dynamodb().size_bytes(), 7 + 12);
  std::set<std::string> ids;
  for (const auto& r : page.records()) ids.insert(r.event_id());
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_TRUE(SeqLess(insert.dynamodb().sequence_number(), modify.dynamodb().sequence_number()));
  EXPECT_TRUE(SeqLess(modify.dynamodb().sequence_number(), remove.dynamodb().sequence_number()));
  EXPECT_FALSE(SeqLess(insert.dynamodb().sequence_number(),
                       desc.shards(0).sequence_number_range().starting_sequence_number()));

  // The shard is open: an empty page with a fresh iterator, not the end.
  ASSERT_FALSE(page.next_shard_iterator().empty());
  streams::GetRecordsResponse empty;
  ASSERT_TRUE(GetRecords(page.next_shard_iterator(), &empty).ok());
  EXPECT_EQ(empty.records_size(), 0);
  EXPECT_FALSE(empty.next_shard_iterator().empty());

  // AFTER_SEQUENCE_NUMBER of the INSERT starts at the MODIFY.
  std::string after;
  ASSERT_TRUE(
      Iterator(arn, shard, "AFTER_SEQUENCE_NUMBER", &after, insert.dynamodb().sequence_number())
          .ok());
  streams::GetRecordsResponse rest;
  ASSERT_TRUE(GetRecords(after, &rest, 1).ok());
  ASSERT_EQ(rest.records_size(), 1);
  EXPECT_EQ(rest.records(0).event_id(), modify.event_id());
}

TEST_F(StreamsIntegrationTest, ViewTypeDecidesWhichImagesRecordsCarry) {
  // Expected per view type: images of (INSERT, MODIFY, REMOVE), as
  // "new/old" presence (docs/aws-semantics.md §7.1).
  const std::map<std::string, std::vector<std::string>> expected = {
      {"KEYS_ONLY", {"-/-", "-/-", "-/-"}},
      {"NEW_IMAGE", {"new/-", "new/-", "-/-"}},
      {"OLD_IMAGE", {"-/-", "-/old", "-/old"}},
      {"NEW_AND_OLD_IMAGES", {"new/-", "new/old", "-/old"}},
  };
  for (const auto& [view, want] : expected) {
    std::string table = "view_" + view;
    std::transform(table.begin(), table.end(), table.begin(), ::tolower);
    const std::string arn = CreateTable(table, view);
    Put(table, {{"pk", S("k")}, {"v", N("1")}});
    Update(table, {{"pk", S("k")}}, "SET v = :two", {{":two", N("2")}});
    Delete(table, {{"pk", S("k")}});
    auto shards = Shards(arn);
    ASSERT_EQ(shards.size(), 1u) << view;
    streams::GetRecordsResponse page;
    ASSERT_TRUE(GetRecords(TrimHorizon(arn, shards[0].shard_id()), &page).ok()) << view;
    std::vector<std::string> got, names;
    for (const auto& r : page.records()) {
      names.push_back(r.event_name());
      got.push_back(std::string(r.dynamodb().new_image().empty() ? "-" : "new") + "/" +
                    (r.dynamodb().old_image().empty() ? "-" : "old"));
      EXPECT_EQ(Render(r.dynamodb().keys()), "{pk=S:k}") << view;
      EXPECT_EQ(r.dynamodb().stream_view_type(), view);
      if (!r.dynamodb().new_image().empty()) {
        EXPECT_EQ(Render(r.dynamodb().new_image()),
                  r.event_name() == "INSERT" ? "{pk=S:k,v=N:1}" : "{pk=S:k,v=N:2}");
      }
      if (!r.dynamodb().old_image().empty()) {
        EXPECT_EQ(Render(r.dynamodb().old_image()),
                  r.event_name() == "MODIFY" ? "{pk=S:k,v=N:1}" : "{pk=S:k,v=N:2}");
      }
    }
    EXPECT_THAT(names, ElementsAre("INSERT", "MODIFY", "REMOVE")) << view;
    EXPECT_EQ(got, want) << view;
  }
}

TEST_F(StreamsIntegrationTest, ForgedOrAlteredIteratorIsValidationException) {
  const std::string arn = CreateTable("forgery", "KEYS_ONLY");
  Put("forgery", {{"pk", S("a")}});
  const std::string iterator = TrimHorizon(arn, Shards(arn).at(0).shard_id());
  std::vector<std::string> forged = {"forged-iterator", iterator + "x",
                                     iterator.substr(0, iterator.size() - 1)};
  for (size_t at : {size_t{2}, iterator.size() / 2, iterator.size() - 2}) {
    std::string altered = iterator;
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    forged.push_back(altered);
  }
  for (const auto& bad : forged) {
    streams::GetRecordsResponse page;
    grpc::Status status = GetRecords(bad, &page);
    SCOPED_TRACE(bad);
    ExpectAwsError(status, grpc::StatusCode::INVALID_ARGUMENT, "ValidationException");
    EXPECT_EQ(page.records_size(), 0);
  }
  // The genuine one still works.
  streams::GetRecordsResponse page;
  ASSERT_TRUE(GetRecords(iterator, &page).ok());
  EXPECT_EQ(page.records_size(), 1);

  // Limit outside 1..1000.
  for (int limit : {1001, -1}) {
    streams::GetRecordsRequest request;
    request.set_shard_iterator(iterator);
    request.set_limit(limit);
    streams::GetRecordsResponse response;
    auto context = ContextWithDeadline();
    grpc::Status status = streams_->GetRecords(context.get(), request, &response);
    ExpectAwsError(status, grpc::StatusCode::INVALID_ARGUMENT, "ValidationException");
    EXPECT_EQ(ErrorInfoOf(status)->metadata().at("field"), "Limit");
  }
}

TEST_F(StreamsIntegrationTest, UnknownStreamOrShardIsResourceNotFound) {
  const std::string arn = CreateTable("known", "KEYS_ONLY");
  const std::string shard = Shards(arn).at(0).shard_id();
  const std::string unknown =
      "arn:aws:dynamodb:us-east-1:123456789012:table/unknown/stream/2026-01-01T00:00:00.000";

  streams::DescribeStreamResponse described;
  ExpectAwsError(Describe(unknown, &described), grpc::StatusCode::NOT_FOUND,
                 "ResourceNotFoundException");
  std::string iterator;
  ExpectAwsError(Iterator(unknown, shard, "TRIM_HORIZON", &iterator), grpc::StatusCode::NOT_FOUND,
                 "ResourceNotFoundException");
  ExpectAwsError(Iterator(arn, "shardId-00000000000000000000-00000000", "TRIM_HORIZON", &iterator),
                 grpc::StatusCode::NOT_FOUND, "ResourceNotFoundException");
  grpc::Status status;
  Rollover(unknown, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

TEST_F(StreamsIntegrationTest, ForcedRolloverClosesTheShardAndOpensAChild) {
  const std::string arn = CreateTable("rolling", "NEW_IMAGE");
  Put("rolling", {{"pk", S("a")}, {"v", N("1")}});
  Put("rolling", {{"pk", S("b")}, {"v", N("1")}});
  const std::string parent = Shards(arn).at(0).shard_id();

  auto rolled = Rollover(arn);
  ASSERT_THAT(rolled.closed_shard_ids(), ElementsAre(parent));
  ASSERT_EQ(rolled.new_shard_ids_size(), 1);
  const std::string child = rolled.new_shard_ids(0);
  EXPECT_NE(child, parent);
  Put("rolling", {{"pk", S("a")}, {"v", N("2")}});

  auto shards = Shards(arn);
  ASSERT_EQ(shards.size(), 2u);
  std::map<std::string, streams::Shard> by_id;
  for (const auto& s : shards) by_id[s.shard_id()] = s;
  ASSERT_EQ(by_id.count(parent), 1u);
  ASSERT_EQ(by_id.count(child), 1u);
  EXPECT_TRUE(by_id[parent].parent_shard_id().empty());
  EXPECT_EQ(by_id[child].parent_shard_id(), parent);
  const auto& closed_range = by_id[parent].sequence_number_range();
  EXPECT_FALSE(closed_range.ending_sequence_number().empty());
  EXPECT_TRUE(by_id[child].sequence_number_range().ending_sequence_number().empty());

  // The closed shard pages to its end (NextShardIterator absent), 1 per call.
  bool closed = false;
  auto parent_records = ReadShard(arn, parent, 1, &closed);
  EXPECT_TRUE(closed);
  ASSERT_EQ(parent_records.size(), 2u);
  EXPECT_EQ(Render(parent_records[0].dynamodb().keys()), "{pk=S:a}");
  EXPECT_EQ(Render(parent_records[1].dynamodb().keys()), "{pk=S:b}");
  for (const auto& r : parent_records) {
    EXPECT_FALSE(SeqLess(closed_range.ending_sequence_number(), r.dynamodb().sequence_number()));
  }
  auto child_records = ReadShard(arn, child, 1000, &closed);
  EXPECT_FALSE(closed);
  ASSERT_EQ(child_records.size(), 1u);
  EXPECT_EQ(child_records[0].event_name(), "MODIFY");
  EXPECT_EQ(Render(child_records[0].dynamodb().new_image()), "{pk=S:a,v=N:2}");
  EXPECT_TRUE(SeqLess(parent_records[1].dynamodb().sequence_number(),
                      child_records[0].dynamodb().sequence_number()));

  // ShardFilter CHILD_SHARDS lists the child.
  streams::DescribeStreamResponse children;
  ASSERT_TRUE(Describe(arn, &children, parent).ok());
  ASSERT_EQ(children.stream_description().shards_size(), 1);
  EXPECT_EQ(children.stream_description().shards(0).shard_id(), child);

  // A disabled stream cannot roll over.
  ddb::UpdateTableRequest disable;
  disable.set_table_name("rolling");
  disable.mutable_stream_specification()->set_stream_enabled(false);
  ddb::UpdateTableResponse updated;
  auto context = ContextWithDeadline();
  ASSERT_TRUE(ddb_->UpdateTable(context.get(), disable, &updated).ok());
  grpc::Status status;
  Rollover(arn, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
}

TEST_F(StreamsIntegrationTest, IteratorExpiresFifteenMinutesAfterIssue) {
  const std::string arn = CreateTable("expiry", "KEYS_ONLY");
  Put("expiry", {{"pk", S("a")}});
  const std::string first = TrimHorizon(arn, Shards(arn).at(0).shard_id());
  ASSERT_NO_FATAL_FAILURE(Advance(14 * 60));
  streams::GetRecordsResponse page;
  grpc::Status status = GetRecords(first, &page);
  ASSERT_TRUE(status.ok()) << "expired before 15 minutes: " << status.error_message();
  ASSERT_EQ(page.records_size(), 1);
  const std::string second = page.next_shard_iterator();  // issued at +14 min
  ASSERT_NO_FATAL_FAILURE(Advance(2 * 60));
  streams::GetRecordsResponse expired;
  ExpectAwsError(GetRecords(first, &expired), grpc::StatusCode::FAILED_PRECONDITION,
                 "ExpiredIteratorException");
  streams::GetRecordsResponse fresh;
  status = GetRecords(second, &fresh);
  EXPECT_TRUE(status.ok()) << "an iterator 2 minutes old expired: " << status.error_message();

  // AdvanceClock only moves forward.
  sim::AdvanceClockRequest request;
  request.mutable_by()->set_seconds(0);
  sim::AdvanceClockResponse response;
  auto context = ContextWithDeadline();
  EXPECT_EQ(sim_->AdvanceClock(context.get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(StreamsIntegrationTest, RecordsOlderThanADayAreTrimmed) {
  const std::string arn = CreateTable("trimmed", "KEYS_ONLY");
  Put("trimmed", {{"pk", S("old")}});
  const std::string shard = Shards(arn).at(0).shard_id();
  streams::GetRecordsResponse page;
  ASSERT_TRUE(GetRecords(TrimHorizon(arn, shard), &page).ok());
  ASSERT_EQ(page.records_size(), 1);
  const std::string old_sequence = page.records(0).dynamodb().sequence_number();
  ASSERT_NO_FATAL_FAILURE(Advance(3 * 3600));
  Put("trimmed", {{"pk", S("young")}});
  ASSERT_NO_FATAL_FAILURE(Advance(22 * 3600));  // "old" is 25 h old, "young" 22 h

  std::string iterator;
  ExpectAwsError(Iterator(arn, shard, "AT_SEQUENCE_NUMBER", &iterator, old_sequence),
                 grpc::StatusCode::OUT_OF_RANGE, "TrimmedDataAccessException");
  streams::GetRecordsResponse rest;
  ASSERT_TRUE(GetRecords(TrimHorizon(arn, shard), &rest).ok());
  ASSERT_GE(rest.records_size(), 1);
  EXPECT_EQ(Render(rest.records(0).dynamodb().keys()), "{pk=S:young}");
}

}  // namespace
}  // namespace awsfacade::testing
