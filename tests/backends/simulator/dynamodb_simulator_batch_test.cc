// BatchGetItem, BatchWriteItem, TransactGetItems and TransactWriteItems on
// the DynamoDB simulator (backends/simulator/dynamodb_simulator_batch.cc):
// limits, errors, atomicity and the stream records they leave.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/request_validator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/fault_injector.h"
#include "backends/simulator/faulty_backends.h"
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
using dynamodb_test::N;
using dynamodb_test::S;
using dynamodb_test::TableRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr char kTable[] = "Music";
constexpr char kOther[] = "Books";

Item MakeItem(absl::string_view pk, absl::string_view value = "") {
  Item item;
  item["pk"] = S(pk);
  if (!value.empty()) item["v"] = S(value);
  return item;
}

Item Key(absl::string_view pk) { return MakeItem(pk); }

ddb::WriteRequest PutRequest(absl::string_view pk, absl::string_view value = "x") {
  ddb::WriteRequest w;
  *w.mutable_put_request()->mutable_item() = MakeItem(pk, value);
  return w;
}

ddb::WriteRequest DeleteRequest(absl::string_view pk) {
  ddb::WriteRequest w;
  *w.mutable_delete_request()->mutable_key() = Key(pk);
  return w;
}

ddb::TransactWriteItem TxPut(absl::string_view pk, absl::string_view value,
                             absl::string_view condition = "", absl::string_view table = kTable) {
  ddb::TransactWriteItem a;
  ddb::Put* put = a.mutable_put();
  put->set_table_name(std::string(table));
  *put->mutable_item() = MakeItem(pk, value);
  put->set_condition_expression(std::string(condition));
  return a;
}

ddb::TransactWriteItem TxDelete(absl::string_view pk) {
  ddb::TransactWriteItem a;
  a.mutable_delete_()->set_table_name(kTable);
  *a.mutable_delete_()->mutable_key() = Key(pk);
  return a;
}

ddb::TransactWriteItem TxUpdate(absl::string_view pk, absl::string_view expression,
                                const Item& values = {}) {
  ddb::TransactWriteItem a;
  ddb::Update* update = a.mutable_update();
  update->set_table_name(kTable);
  *update->mutable_key() = Key(pk);
  update->set_update_expression(std::string(expression));
  *update->mutable_expression_attribute_values() = values;
  return a;
}

ddb::TransactWriteItem TxCheck(absl::string_view pk, absl::string_view condition,
                               bool return_item = false) {
  ddb::TransactWriteItem a;
  ddb::ConditionCheck* check = a.mutable_condition_check();
  check->set_table_name(kTable);
  *check->mutable_key() = Key(pk);
  check->set_condition_expression(std::string(condition));
  if (return_item) check->set_return_values_on_condition_check_failure("ALL_OLD");
  return a;
}

// The TransactionCanceledException a status carries, if any.
std::optional<ddb::TransactionCanceledException> CancellationOf(const absl::Status& status) {
  std::optional<ErrorShape> shape = GetErrorShape(status);
  ddb::TransactionCanceledException out;
  if (!shape || shape->type_name != out.GetDescriptor()->full_name() ||
      !out.ParseFromString(shape->value)) {
    return std::nullopt;
  }
  return out;
}

std::vector<std::string> Codes(const ddb::TransactionCanceledException& e) {
  std::vector<std::string> codes;
  for (const ddb::CancellationReason& r : e.cancellation_reasons()) codes.push_back(r.code());
  return codes;
}

class DynamoDbSimulatorBatchTest : public ::testing::Test {
 protected:
  DynamoDbSimulatorBatchTest() {
    SimulatorOptions options;
    options.clock = clock_;
    options.sealer = std::make_shared<TokenSealer>("dynamodb-simulator-batch-test");
    simulator_ = std::make_shared<DynamoDbSimulator>(options);
    sim_ = std::make_shared<ValidatedDynamoDb>(simulator_);
    streams_ = std::make_shared<ValidatedDynamoDbStreams>(simulator_);
    stream_ = CreateTable(kTable);
    other_stream_ = CreateTable(kOther);
  }

  std::string CreateTable(absl::string_view name) {
    absl::StatusOr<ddb::CreateTableResponse> r =
        sim_->CreateTable(TableRequest(name, "NEW_AND_OLD_IMAGES"));
    EXPECT_THAT(r, IsOk());
    return r.ok() ? r->table_description().latest_stream_arn() : "";
  }

  void Put(absl::string_view pk, absl::string_view value, absl::string_view table = kTable) {
    ddb::PutItemRequest request;
    request.set_table_name(std::string(table));
    *request.mutable_item() = MakeItem(pk, value);
    ASSERT_THAT(sim_->PutItem(request), IsOk());
  }

  // The item's "v", "<absent>" without one, "<none>" without the item.
  std::string Value(absl::string_view pk, absl::string_view table = kTable) {
    ddb::GetItemRequest request;
    request.set_table_name(std::string(table));
    *request.mutable_key() = Key(pk);
    absl::StatusOr<ddb::GetItemResponse> r = sim_->GetItem(request);
    EXPECT_THAT(r, IsOk());
    if (!r.ok() || r->item().empty()) return "<none>";
    auto it = r->item().find("v");
    if (it == r->item().end()) return "<absent>";
    return it->second.has_s() ? it->second.s() : it->second.n();
  }

  // (event, pk) of every record of the stream, in order.
  std::vector<std::string> Events(const std::string& arn) {
    std::vector<std::string> out;
    dds::DescribeStreamRequest describe;
    describe.set_stream_arn(arn);
    absl::StatusOr<dds::DescribeStreamResponse> d = streams_->DescribeStream(describe);
    EXPECT_THAT(d, IsOk());
    if (!d.ok()) return out;
    for (const dds::Shard& shard : d->stream_description().shards()) {
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
        for (const dds::Record& record : r->records()) {
          out.push_back(
              absl::StrCat(record.event_name(), " ", record.dynamodb().keys().at("pk").s()));
        }
        iterator = r->next_shard_iterator();
      }
    }
    return out;
  }

  absl::StatusOr<ddb::TransactWriteItemsResponse> Transact(
      std::vector<ddb::TransactWriteItem> actions, absl::string_view token = "") {
    ddb::TransactWriteItemsRequest request;
    for (auto& a : actions) *request.add_transact_items() = std::move(a);
    request.set_client_request_token(std::string(token));
    return sim_->TransactWriteItems(request);
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  // The simulator, and its operations as the server calls them: behind the
  // model validation, which the simulator leaves to its caller.
  std::shared_ptr<DynamoDbSimulator> simulator_;
  std::shared_ptr<ValidatedDynamoDb> sim_;
  std::shared_ptr<ValidatedDynamoDbStreams> streams_;
  std::string stream_;
  std::string other_stream_;
};

// --- BatchWriteItem ----------------------------------------------------------

TEST_F(DynamoDbSimulatorBatchTest, BatchWriteItemPutsAndDeletesAcrossTables) {
  Put("gone", "old");
  ddb::BatchWriteItemRequest request;
  ddb::WriteRequests& music = (*request.mutable_request_items())[kTable];
  *music.add_values() = PutRequest("a", "1");
  *music.add_values() = DeleteRequest("gone");
  *music.add_values() = DeleteRequest("never-there");
  *(*request.mutable_request_items())[kOther].add_values() = PutRequest("b", "2");
  request.set_return_consumed_capacity("TOTAL");

  absl::StatusOr<ddb::BatchWriteItemResponse> r = sim_->BatchWriteItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->unprocessed_items(), IsEmpty());
  EXPECT_THAT(r->consumed_capacity(), SizeIs(2));  // one entry per table
  EXPECT_EQ(Value("a"), "1");
  EXPECT_EQ(Value("gone"), "<none>");
  EXPECT_EQ(Value("b", kOther), "2");
  // One record per changed item; deleting a missing item changes nothing.
  EXPECT_THAT(Events(stream_), ElementsAre("INSERT gone", "INSERT a", "REMOVE gone"));
  EXPECT_THAT(Events(other_stream_), ElementsAre("INSERT b"));
}

TEST_F(DynamoDbSimulatorBatchTest, BatchWriteItemOver25RequestsIsValidationError) {
  ddb::BatchWriteItemRequest request;
  for (int i = 0; i < 13; ++i) {
    *(*request.mutable_request_items())[kTable].add_values() = PutRequest(absl::StrCat("m", i));
    *(*request.mutable_request_items())[kOther].add_values() = PutRequest(absl::StrCat("b", i));
  }
  EXPECT_THAT(sim_->BatchWriteItem(request),
              IsAwsError("ValidationException", HasSubstr("Too many items")));
  EXPECT_EQ(Value("m0"), "<none>");
  (*request.mutable_request_items())[kOther].mutable_values()->RemoveLast();  // 25 in all
  EXPECT_THAT(sim_->BatchWriteItem(request), IsOk());
}

TEST_F(DynamoDbSimulatorBatchTest, BatchWriteItemTwoRequestsOnOneItemIsValidationError) {
  ddb::BatchWriteItemRequest request;
  ddb::WriteRequests& music = (*request.mutable_request_items())[kTable];
  *music.add_values() = PutRequest("other", "1");
  *music.add_values() = PutRequest("a", "1");
  *music.add_values() = DeleteRequest("a");
  EXPECT_THAT(sim_->BatchWriteItem(request),
              IsAwsError("ValidationException", HasSubstr("duplicates")));
  EXPECT_EQ(Value("other"), "<none>");
  EXPECT_THAT(Events(stream_), IsEmpty());
}

TEST_F(DynamoDbSimulatorBatchTest, BatchWriteItemWithAnUnknownTableWritesNothing) {
  ddb::BatchWriteItemRequest request;
  *(*request.mutable_request_items())[kTable].add_values() = PutRequest("a");
  *(*request.mutable_request_items())["Missing"].add_values() = PutRequest("b");
  EXPECT_THAT(sim_->BatchWriteItem(request), IsAwsError("ResourceNotFoundException"));
  EXPECT_EQ(Value("a"), "<none>");
}

TEST_F(DynamoDbSimulatorBatchTest, BatchWriteItemWithAnOversizedItemWritesNothing) {
  ddb::BatchWriteItemRequest request;
  ddb::WriteRequests& music = (*request.mutable_request_items())[kTable];
  *music.add_values() = PutRequest("small");
  *music.add_values() = PutRequest("big", std::string(DynamoDbSimulator::kMaxItemBytes, 'x'));
  EXPECT_THAT(sim_->BatchWriteItem(request),
              IsAwsError("ValidationException", HasSubstr("Item size")));
  EXPECT_EQ(Value("small"), "<none>");
  EXPECT_THAT(Events(stream_), IsEmpty());
}

TEST_F(DynamoDbSimulatorBatchTest, BatchWriteItemRequestMustHoldExactlyOneWrite) {
  ddb::BatchWriteItemRequest request;
  ddb::WriteRequest both = PutRequest("a");
  *both.mutable_delete_request()->mutable_key() = Key("a");
  *(*request.mutable_request_items())[kTable].add_values() = both;
  EXPECT_THAT(sim_->BatchWriteItem(request), IsAwsError("ValidationException"));
  (*request.mutable_request_items())[kTable].mutable_values(0)->Clear();
  EXPECT_THAT(sim_->BatchWriteItem(request), IsAwsError("ValidationException"));
  EXPECT_THAT(sim_->BatchWriteItem(ddb::BatchWriteItemRequest()),
              IsAwsError("ValidationException", HasSubstr("RequestItems")));
}

// --- BatchGetItem ------------------------------------------------------------

TEST_F(DynamoDbSimulatorBatchTest, BatchGetItemReadsFromEveryTableAndSkipsMissingItems) {
  Put("a", "1");
  Put("b", "2", kOther);
  ddb::BatchGetItemRequest request;
  ddb::KeysAndAttributes& music = (*request.mutable_request_items())[kTable];
  *music.add_keys()->mutable_values() = Key("a");
  *music.add_keys()->mutable_values() = Key("missing");
  music.set_projection_expression("#v");
  (*music.mutable_expression_attribute_names())["#v"] = "v";
  *(*request.mutable_request_items())[kOther].add_keys()->mutable_values() = Key("b");

  absl::StatusOr<ddb::BatchGetItemResponse> r = sim_->BatchGetItem(request);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->unprocessed_keys(), IsEmpty());
  ASSERT_THAT(r->responses().at(kTable).values(), SizeIs(1));
  const Item& a = r->responses().at(kTable).values(0).values();
  EXPECT_EQ(a.at("v").s(), "1");
  EXPECT_FALSE(a.contains("pk"));  // projected
  ASSERT_THAT(r->responses().at(kOther).values(), SizeIs(1));
  EXPECT_EQ(r->responses().at(kOther).values(0).values().at("pk").s(), "b");
}

TEST_F(DynamoDbSimulatorBatchTest, BatchGetItemOver100KeysIsValidationError) {
  ddb::BatchGetItemRequest request;
  for (int i = 0; i < 101; ++i) {
    *(*request.mutable_request_items())[i % 2 ? kTable : kOther].add_keys()->mutable_values() =
        Key(absl::StrCat("k", i));
  }
  EXPECT_THAT(sim_->BatchGetItem(request),
              IsAwsError("ValidationException", HasSubstr("Too many items")));
}

TEST_F(DynamoDbSimulatorBatchTest, BatchGetItemDuplicateKeysIsValidationError) {
  ddb::BatchGetItemRequest request;
  ddb::KeysAndAttributes& music = (*request.mutable_request_items())[kTable];
  *music.add_keys()->mutable_values() = Key("a");
  *music.add_keys()->mutable_values() = Key("a");
  EXPECT_THAT(sim_->BatchGetItem(request),
              IsAwsError("ValidationException", HasSubstr("duplicates")));
}

TEST_F(DynamoDbSimulatorBatchTest, BatchGetItemBeyond16MegabytesLeavesUnprocessedKeys) {
  const std::string big(390 * 1024, 'x');
  constexpr int kItems = 45;  // 45 * 390 KB > 16 MB
  ddb::BatchGetItemRequest request;
  ddb::KeysAndAttributes& music = (*request.mutable_request_items())[kTable];
  music.set_consistent_read(true);
  for (int i = 0; i < kItems; ++i) {
    Put(absl::StrCat("k", i), big);
    *music.add_keys()->mutable_values() = Key(absl::StrCat("k", i));
  }
  absl::StatusOr<ddb::BatchGetItemResponse> r = sim_->BatchGetItem(request);
  ASSERT_THAT(r, IsOk());
  const int read = r->responses().at(kTable).values_size();
  ASSERT_TRUE(r->unprocessed_keys().contains(kTable));
  const ddb::KeysAndAttributes& rest = r->unprocessed_keys().at(kTable);
  EXPECT_EQ(read + rest.keys_size(), kItems);
  EXPECT_LE(static_cast<int64_t>(read) * static_cast<int64_t>(big.size()), int64_t{16} << 20);
  EXPECT_TRUE(rest.consistent_read());  // the request's shape, kept
  // Sending the rest again reads it.
  ddb::BatchGetItemRequest again;
  (*again.mutable_request_items())[kTable] = rest;
  absl::StatusOr<ddb::BatchGetItemResponse> r2 = sim_->BatchGetItem(again);
  ASSERT_THAT(r2, IsOk());
  EXPECT_EQ(r2->responses().at(kTable).values_size(), rest.keys_size());
  EXPECT_THAT(r2->unprocessed_keys(), IsEmpty());
}

// --- TransactWriteItems -------------------------------------------------------

TEST_F(DynamoDbSimulatorBatchTest, TransactWriteItemsAppliesEveryActionWithOneRecordPerChange) {
  Put("checked", "yes");
  Put("gone", "old");
  Put("counter", "");
  Item one;
  one[":one"] = N(1);
  ddb::TransactWriteItem check = TxCheck("checked", "v = :yes");
  (*check.mutable_condition_check()->mutable_expression_attribute_values())[":yes"] = S("yes");
  absl::StatusOr<ddb::TransactWriteItemsResponse> r =
      Transact({check, TxPut("new", "1"), TxDelete("gone"), TxUpdate("counter", "ADD n :one", one),
                TxPut("b", "2", "", kOther)});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Value("new"), "1");
  EXPECT_EQ(Value("gone"), "<none>");
  EXPECT_EQ(Value("b", kOther), "2");
  // The condition check changes nothing and leaves no record.
  EXPECT_THAT(Events(stream_), ElementsAre("INSERT checked", "INSERT gone", "INSERT counter",
                                           "INSERT new", "REMOVE gone", "MODIFY counter"));
  EXPECT_THAT(Events(other_stream_), ElementsAre("INSERT b"));
}

TEST_F(DynamoDbSimulatorBatchTest, TransactWriteItemsFailedConditionChangesNothing) {
  Put("a", "1");
  Put("b", "2");
  ddb::TransactWriteItem failing = TxPut("b", "22", "attribute_not_exists(pk)");
  failing.mutable_put()->set_return_values_on_condition_check_failure("ALL_OLD");
  absl::StatusOr<ddb::TransactWriteItemsResponse> r =
      Transact({TxPut("a", "11"), failing, TxDelete("c"), TxCheck("d", "attribute_exists(zz)")});
  ASSERT_THAT(r, IsAwsError("TransactionCanceledException",
                            HasSubstr("[None, ConditionalCheckFailed, None, "
                                      "ConditionalCheckFailed]")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  std::optional<ddb::TransactionCanceledException> e = CancellationOf(r.status());
  ASSERT_TRUE(e.has_value());
  EXPECT_THAT(Codes(*e),
              ElementsAre("None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed"));
  EXPECT_EQ(e->cancellation_reasons(1).message(), "The conditional request failed");
  EXPECT_EQ(e->cancellation_reasons(1).item().at("v").s(), "2");  // ALL_OLD
  EXPECT_TRUE(e->cancellation_reasons(3).item().empty());         // not asked for
  EXPECT_TRUE(e->cancellation_reasons(0).message().empty());
  // Nothing changed, and the stream has only the two puts of the setup.
  EXPECT_EQ(Value("a"), "1");
  EXPECT_EQ(Value("b"), "2");
  EXPECT_THAT(Events(stream_), ElementsAre("INSERT a", "INSERT b"));
}

TEST_F(DynamoDbSimulatorBatchTest, TransactWriteItemsUpdateErrorIsAValidationErrorReason) {
  Put("a", "text");
  Item one;
  one[":one"] = N(1);
  absl::StatusOr<ddb::TransactWriteItemsResponse> r =
      Transact({TxPut("b", "1"), TxUpdate("a", "SET v = v + :one", one)});
  ASSERT_THAT(r, IsAwsError("TransactionCanceledException"));
  std::optional<ddb::TransactionCanceledException> e = CancellationOf(r.status());
  ASSERT_TRUE(e.has_value());
  EXPECT_THAT(Codes(*e), ElementsAre("None", "ValidationError"));
  EXPECT_FALSE(e->cancellation_reasons(1).message().empty());
  EXPECT_EQ(Value("b"), "<none>");
}

TEST_F(DynamoDbSimulatorBatchTest, TransactWriteItemsOneItemTwiceIsValidationError) {
  EXPECT_THAT(Transact({TxPut("a", "1"), TxCheck("a", "attribute_not_exists(pk)")}),
              IsAwsError("ValidationException", HasSubstr("multiple operations on one item")));
  // The same key in another table is another item.
  EXPECT_THAT(Transact({TxPut("a", "1"), TxPut("a", "1", "", kOther)}), IsOk());
}

TEST_F(DynamoDbSimulatorBatchTest, TransactWriteItemsLimitsAndShape) {
  std::vector<ddb::TransactWriteItem> actions;
  for (int i = 0; i < 101; ++i) actions.push_back(TxPut(absl::StrCat("k", i), "1"));
  EXPECT_THAT(Transact(actions), IsAwsError("ValidationException", HasSubstr("100")));
  actions.pop_back();
  EXPECT_THAT(Transact(actions), IsOk());
  EXPECT_EQ(Value("k99"), "1");

  ddb::TransactWriteItem two = TxPut("x", "1");
  *two.mutable_delete_() = TxDelete("x").delete_();
  EXPECT_THAT(Transact({two}), IsAwsError("ValidationException", HasSubstr("one of")));
  EXPECT_THAT(Transact({ddb::TransactWriteItem()}), IsAwsError("ValidationException"));
  EXPECT_THAT(Transact({}), IsAwsError("ValidationException", HasSubstr("TransactItems")));
  EXPECT_THAT(Transact({TxPut("x", "1")}, std::string(37, 't')),
              IsAwsError("ValidationException", HasSubstr("36")));
  EXPECT_THAT(Transact({TxPut("x", "1", "", "Missing")}), IsAwsError("ResourceNotFoundException"));
}

TEST_F(DynamoDbSimulatorBatchTest, ClientRequestTokenMakesTheCallIdempotentForTenMinutes) {
  Item one;
  one[":one"] = N(1);
  std::vector<ddb::TransactWriteItem> bump = {TxUpdate("c", "ADD v :one", one)};
  ASSERT_THAT(Transact(bump, "token-1"), IsOk());
  ASSERT_THAT(Transact(bump, "token-1"), IsOk());  // a repeat: not written again
  EXPECT_EQ(Value("c"), "1");
  EXPECT_THAT(Events(stream_), ElementsAre("INSERT c"));

  EXPECT_THAT(Transact({TxUpdate("d", "ADD v :one", one)}, "token-1"),
              IsAwsError("IdempotentParameterMismatchException"));
  EXPECT_EQ(Value("d"), "<none>");

  clock_->Advance(absl::Minutes(10));  // the token has expired
  ASSERT_THAT(Transact(bump, "token-1"), IsOk());
  EXPECT_EQ(Value("c"), "2");
  ASSERT_THAT(Transact(bump), IsOk());  // without a token, every call writes
  EXPECT_EQ(Value("c"), "3");
}

// --- TransactGetItems ---------------------------------------------------------

TEST_F(DynamoDbSimulatorBatchTest, TransactGetItemsAnswersInRequestOrder) {
  Put("a", "1");
  Put("b", "2", kOther);
  ddb::TransactGetItemsRequest request;
  for (auto [table, pk] :
       {std::pair{kOther, "b"}, std::pair{kTable, "missing"}, std::pair{kTable, "a"}}) {
    ddb::Get* get = request.add_transact_items()->mutable_get();
    get->set_table_name(table);
    *get->mutable_key() = Key(pk);
  }
  request.set_return_consumed_capacity("TOTAL");
  absl::StatusOr<ddb::TransactGetItemsResponse> r = sim_->TransactGetItems(request);
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(r->responses(), SizeIs(3));
  EXPECT_EQ(r->responses(0).item().at("v").s(), "2");
  EXPECT_THAT(r->responses(1).item(), IsEmpty());
  EXPECT_EQ(r->responses(2).item().at("v").s(), "1");
  std::vector<std::string> tables;
  for (const auto& c : r->consumed_capacity()) tables.push_back(c.table_name());
  EXPECT_THAT(tables, UnorderedElementsAre(kTable, kOther));

  *request.add_transact_items() = request.transact_items(0);
  EXPECT_THAT(sim_->TransactGetItems(request),
              IsAwsError("ValidationException", HasSubstr("multiple operations on one item")));
  request.clear_transact_items();
  for (int i = 0; i < 101; ++i) {
    ddb::Get* get = request.add_transact_items()->mutable_get();
    get->set_table_name(kTable);
    *get->mutable_key() = Key(absl::StrCat("k", i));
  }
  EXPECT_THAT(sim_->TransactGetItems(request), IsAwsError("ValidationException", HasSubstr("100")));
}

// --- Injected throttling: part of a batch comes back unprocessed ------------

FaultInjector::Rule Throttle(absl::string_view operation, double probability,
                             FaultInjector::Kind kind = FaultInjector::Kind::kThrottle) {
  FaultInjector::Rule rule;
  rule.service = "dynamodb";
  rule.operation = std::string(operation);
  rule.kind = kind;
  rule.probability = probability;
  rule.seed = 7;
  return rule;
}

TEST_F(DynamoDbSimulatorBatchTest, ThrottledBatchWriteLeavesUnprocessedItemsARetryLoopFinishes) {
  auto faults = std::make_shared<FaultInjector>();
  ASSERT_THAT(faults->SetRules({Throttle("BatchWriteItem", 0.5)}), IsOk());
  FaultyDynamoDb faulty(sim_, faults);
  ddb::BatchWriteItemRequest request;
  for (int i = 0; i < 20; ++i) {
    *(*request.mutable_request_items())[kTable].add_values() = PutRequest(absl::StrCat("k", i));
  }
  absl::StatusOr<ddb::BatchWriteItemResponse> r = faulty.BatchWriteItem(request);
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->unprocessed_items().contains(kTable));
  const int left = r->unprocessed_items().at(kTable).values_size();
  EXPECT_GT(left, 0);
  EXPECT_LT(left, 20);
  EXPECT_THAT(Events(stream_), SizeIs(20 - left));  // the rest was written

  // Send UnprocessedItems again until none is left; a call whose every item
  // is throttled fails with the throttling error, and is retried too.
  int calls = 1;
  int throttled_calls = 0;
  while (!r->unprocessed_items().empty() && calls < 50) {
    ddb::BatchWriteItemRequest again;
    *again.mutable_request_items() = r->unprocessed_items();
    absl::StatusOr<ddb::BatchWriteItemResponse> next = faulty.BatchWriteItem(again);
    ++calls;
    if (!next.ok()) {
      EXPECT_THAT(next, IsAwsError("ProvisionedThroughputExceededException"));
      ++throttled_calls;
      continue;
    }
    r = std::move(next);
  }
  EXPECT_THAT(r->unprocessed_items(), IsEmpty()) << calls << " calls";
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Value(absl::StrCat("k", i)), "x") << i;
  EXPECT_THAT(Events(stream_), SizeIs(20));  // each item written once
}

TEST_F(DynamoDbSimulatorBatchTest, BatchWriteWithEveryItemThrottledFailsAndWritesNothing) {
  auto faults = std::make_shared<FaultInjector>();
  ASSERT_THAT(faults->SetRules({Throttle("BatchWriteItem", 1.0)}), IsOk());
  FaultyDynamoDb faulty(sim_, faults);
  ddb::BatchWriteItemRequest request;
  *(*request.mutable_request_items())[kTable].add_values() = PutRequest("a");
  *(*request.mutable_request_items())[kOther].add_values() = PutRequest("b");
  EXPECT_THAT(faulty.BatchWriteItem(request), IsAwsError("ProvisionedThroughputExceededException"));
  EXPECT_EQ(Value("a"), "<none>");
  // An injected internal error fails the whole batch, as it would any call.
  ASSERT_THAT(
      faults->SetRules({Throttle("BatchWriteItem", 1.0, FaultInjector::Kind::kInternalError)}),
      IsOk());
  EXPECT_THAT(faulty.BatchWriteItem(request), IsAwsError("InternalServerError"));
  EXPECT_EQ(Value("b", kOther), "<none>");
}

TEST_F(DynamoDbSimulatorBatchTest, ThrottledBatchGetLeavesUnprocessedKeysInTheRequestsShape) {
  for (int i = 0; i < 10; ++i) Put(absl::StrCat("k", i), "v");
  auto faults = std::make_shared<FaultInjector>();
  ASSERT_THAT(faults->SetRules({Throttle("BatchGetItem", 0.5)}), IsOk());
  FaultyDynamoDb faulty(sim_, faults);
  ddb::BatchGetItemRequest request;
  ddb::KeysAndAttributes& music = (*request.mutable_request_items())[kTable];
  music.set_projection_expression("pk");
  for (int i = 0; i < 10; ++i) *music.add_keys()->mutable_values() = Key(absl::StrCat("k", i));
  absl::StatusOr<ddb::BatchGetItemResponse> r = faulty.BatchGetItem(request);
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->unprocessed_keys().contains(kTable));
  const ddb::KeysAndAttributes& rest = r->unprocessed_keys().at(kTable);
  EXPECT_EQ(rest.projection_expression(), "pk");
  EXPECT_EQ(r->responses().at(kTable).values_size() + rest.keys_size(), 10);
  EXPECT_GT(rest.keys_size(), 0);
}

}  // namespace
}  // namespace awsfacade::backends::simulator
