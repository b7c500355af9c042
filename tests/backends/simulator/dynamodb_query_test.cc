// Query and Scan on the DynamoDB simulator (backends/simulator/dynamodb_query.h).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/request_validator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::simulator {
namespace {

namespace ddb = ::aws::dynamodb::v1;
using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsOk;
using ::awsfacade::testutil::StatusIs;
using dynamodb_test::N;
using dynamodb_test::S;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

// "Scores": partition key player (S), sort key n (N); a global index ByGame
// (game S, score N, KEYS_ONLY) and a local index ByScore (player, score N,
// ALL). "Words": partition key p (S), sort key w (S), no index.
constexpr char kScores[] = "Scores";
constexpr char kWords[] = "Words";

ddb::CreateTableRequest ScoresTable() {
  ddb::CreateTableRequest r;
  r.set_table_name(kScores);
  r.set_billing_mode("PAY_PER_REQUEST");
  for (auto [name, type] : {std::pair{"player", "S"}, {"n", "N"}, {"game", "S"}, {"score", "N"}}) {
    auto* a = r.add_attribute_definitions();
    a->set_attribute_name(name);
    a->set_attribute_type(type);
  }
  auto key = [](auto* schema_owner, const char* hash, const char* range) {
    auto* h = schema_owner->add_key_schema();
    h->set_attribute_name(hash);
    h->set_key_type("HASH");
    auto* s = schema_owner->add_key_schema();
    s->set_attribute_name(range);
    s->set_key_type("RANGE");
  };
  key(&r, "player", "n");
  auto* gsi = r.add_global_secondary_indexes();
  gsi->set_index_name("ByGame");
  key(gsi, "game", "score");
  gsi->mutable_projection()->set_projection_type("KEYS_ONLY");
  auto* lsi = r.add_local_secondary_indexes();
  lsi->set_index_name("ByScore");
  key(lsi, "player", "score");
  lsi->mutable_projection()->set_projection_type("ALL");
  return r;
}

ddb::CreateTableRequest WordsTable() {
  ddb::CreateTableRequest r = dynamodb_test::TableRequest(kWords);
  r.clear_attribute_definitions();
  r.clear_key_schema();
  for (auto [name, type] : {std::pair{"p", "HASH"}, {"w", "RANGE"}}) {
    auto* a = r.add_attribute_definitions();
    a->set_attribute_name(name);
    a->set_attribute_type("S");
    auto* k = r.add_key_schema();
    k->set_attribute_name(name);
    k->set_key_type(type);
  }
  return r;
}

Item Values(std::initializer_list<std::pair<const char*, AttributeValue>> values) {
  Item out;
  for (const auto& [k, v] : values) out[k] = v;
  return out;
}

class DynamoDbQueryTest : public ::testing::Test {
 protected:
  DynamoDbQueryTest() {
    SimulatorOptions options;
    options.clock = std::make_shared<FakeClock>();
    options.sealer = std::make_shared<TokenSealer>("dynamodb-query-test");
    simulator_ = std::make_shared<DynamoDbSimulator>(options);
    sim_ = std::make_shared<ValidatedDynamoDb>(simulator_);
    streams_ = std::make_shared<ValidatedDynamoDbStreams>(simulator_);
    EXPECT_THAT(sim_->CreateTable(ScoresTable()), IsOk());
    EXPECT_THAT(sim_->CreateTable(WordsTable()), IsOk());
  }

  void PutScore(absl::string_view user, absl::string_view n, const Item& extra = {}) {
    ddb::PutItemRequest put;
    put.set_table_name(kScores);
    (*put.mutable_item())["player"] = S(user);
    (*put.mutable_item())["n"] = N(n);
    for (const auto& [k, v] : extra) (*put.mutable_item())[k] = v;
    ASSERT_THAT(sim_->PutItem(put), IsOk());
  }

  void PutWord(absl::string_view p, absl::string_view w) {
    ddb::PutItemRequest put;
    put.set_table_name(kWords);
    (*put.mutable_item())["p"] = S(p);
    (*put.mutable_item())["w"] = S(w);
    ASSERT_THAT(sim_->PutItem(put), IsOk());
  }

  static ddb::QueryRequest UserQuery(absl::string_view user, absl::string_view more = "",
                                     Item values = {}) {
    ddb::QueryRequest q;
    q.set_table_name(kScores);
    q.set_key_condition_expression(absl::StrCat("#u = :u", more));
    (*q.mutable_expression_attribute_names())["#u"] = "player";
    values["u"] = S(user);
    for (const auto& [k, v] : values) (*q.mutable_expression_attribute_values())[":" + k] = v;
    return q;
  }

  // The values of attribute `name` (N or S) of the items, in order.
  static std::vector<std::string> Column(
      const google::protobuf::RepeatedPtrField<ddb::MapValue>& items, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& item : items) {
      auto it = item.values().find(name);
      out.push_back(it == item.values().end() ? "<absent>"
                    : it->second.has_n()      ? it->second.n()
                                              : it->second.s());
    }
    return out;
  }

  // The simulator, and its operations as the server calls them: behind the
  // model validation, which the simulator leaves to its caller.
  std::shared_ptr<DynamoDbSimulator> simulator_;
  std::shared_ptr<ValidatedDynamoDb> sim_;
  std::shared_ptr<ValidatedDynamoDbStreams> streams_;
};

TEST_F(DynamoDbQueryTest, QueryReadsOnePartitionInNumericSortKeyOrder) {
  for (const char* n : {"10", "9", "100", "-1", "2.5"}) PutScore("ann", n);
  PutScore("bob", "1");
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(UserQuery("ann"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Column(r->items(), "n"), ElementsAre("-1", "2.5", "9", "10", "100"));
  EXPECT_EQ(r->count(), 5);
  EXPECT_EQ(r->scanned_count(), 5);
  EXPECT_TRUE(r->last_evaluated_key().empty());

  ddb::QueryRequest backwards = UserQuery("ann");
  backwards.set_scan_index_forward(false);
  r = sim_->Query(backwards);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Column(r->items(), "n"), ElementsAre("100", "10", "9", "2.5", "-1"));
}

TEST_F(DynamoDbQueryTest, SortKeyConditionsCompareStringsByBytes) {
  for (const char* w : {"apple", "apricot", "Banana", "banana", "cherry", "ap"}) PutWord("f", w);
  auto words = [&](absl::string_view condition, Item values) {
    ddb::QueryRequest q;
    q.set_table_name(kWords);
    q.set_key_condition_expression(absl::StrCat("p = :p AND ", condition));
    values["p"] = S("f");
    for (const auto& [k, v] : values) (*q.mutable_expression_attribute_values())[":" + k] = v;
    absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? Column(r->items(), "w") : std::vector<std::string>{};
  };
  // Uppercase sorts before lowercase (unsigned bytes).
  EXPECT_THAT(words("w >= :a", Values({{"a", S("a")}})),
              ElementsAre("ap", "apple", "apricot", "banana", "cherry"));
  EXPECT_THAT(words("w < :a", Values({{"a", S("a")}})), ElementsAre("Banana"));
  EXPECT_THAT(words("w <= :a", Values({{"a", S("apple")}})), ElementsAre("Banana", "ap", "apple"));
  EXPECT_THAT(words("w > :a", Values({{"a", S("banana")}})), ElementsAre("cherry"));
  EXPECT_THAT(words("w = :a", Values({{"a", S("banana")}})), ElementsAre("banana"));
  EXPECT_THAT(words("w BETWEEN :a AND :b", Values({{"a", S("ap")}, {"b", S("apricot")}})),
              ElementsAre("ap", "apple", "apricot"));
  EXPECT_THAT(words("begins_with(w, :a)", Values({{"a", S("ap")}})),
              ElementsAre("ap", "apple", "apricot"));
}

TEST_F(DynamoDbQueryTest, PagingWithLimitReturnsEveryItemExactlyOnce) {
  std::vector<std::string> all;
  for (int i = 0; i < 23; ++i) {
    PutScore("ann", absl::StrCat(i));
    all.push_back(absl::StrCat(i));
  }
  for (bool forward : {true, false}) {
    std::vector<std::string> seen;
    ddb::QueryRequest q = UserQuery("ann");
    q.set_limit(4);
    q.set_scan_index_forward(forward);
    int pages = 0;
    while (true) {
      absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
      ASSERT_THAT(r, IsOk());
      ++pages;
      for (const auto& n : Column(r->items(), "n")) seen.push_back(n);
      if (r->last_evaluated_key().empty()) break;
      EXPECT_EQ(r->scanned_count(), 4);
      *q.mutable_exclusive_start_key() = r->last_evaluated_key();
      ASSERT_LT(pages, 100);
    }
    EXPECT_EQ(pages, 6);  // 4+4+4+4+4+3
    std::vector<std::string> expected = all;
    if (!forward) std::reverse(expected.begin(), expected.end());
    EXPECT_THAT(seen, ElementsAreArray(expected));
  }
}

TEST_F(DynamoDbQueryTest, ScanPagesAndSegmentsCoverEveryItemExactlyOnce) {
  std::multiset<std::string> all;
  for (int u = 0; u < 7; ++u) {
    for (int i = 0; i < 5; ++i) {
      PutScore(absl::StrCat("player", u), absl::StrCat(i));
      all.insert(absl::StrCat("player", u, "/", i));
    }
  }
  std::multiset<std::string> seen;
  for (int segment = 0; segment < 3; ++segment) {
    ddb::ScanRequest scan;
    scan.set_table_name(kScores);
    scan.set_limit(3);
    scan.set_total_segments(3);
    scan.set_segment(segment);
    for (int pages = 0;; ++pages) {
      ASSERT_LT(pages, 100);
      absl::StatusOr<ddb::ScanResponse> r = sim_->Scan(scan);
      ASSERT_THAT(r, IsOk());
      for (const auto& item : r->items()) {
        seen.insert(absl::StrCat(item.values().at("player").s(), "/", item.values().at("n").n()));
      }
      if (r->last_evaluated_key().empty()) break;
      *scan.mutable_exclusive_start_key() = r->last_evaluated_key();
    }
  }
  EXPECT_EQ(seen, all);
}

TEST_F(DynamoDbQueryTest, LimitCountsItemsEvaluatedBeforeTheFilter) {
  for (int i = 0; i < 10; ++i) PutScore("ann", absl::StrCat(i), Values({{"even", N(i % 2 == 0)}}));
  ddb::QueryRequest q = UserQuery("ann", "", Values({{"one", N(1)}}));
  q.set_filter_expression("even = :one");
  q.set_limit(5);
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Column(r->items(), "n"), ElementsAre("0", "2", "4"));
  EXPECT_EQ(r->count(), 3);
  EXPECT_EQ(r->scanned_count(), 5);
  EXPECT_EQ(r->last_evaluated_key().at("n").n(), "4");

  // A page may hold no items at all and still go on.
  q.set_limit(1);
  (*q.mutable_exclusive_start_key()) = r->last_evaluated_key();
  r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->count(), 0);
  EXPECT_EQ(r->scanned_count(), 1);
  EXPECT_FALSE(r->last_evaluated_key().empty());
}

TEST_F(DynamoDbQueryTest, SelectCountReturnsNoItems) {
  for (int i = 0; i < 4; ++i) PutScore("ann", absl::StrCat(i));
  ddb::QueryRequest q = UserQuery("ann", " AND n > :two", Values({{"two", N(2)}}));
  q.set_select("COUNT");
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->items(), IsEmpty());
  EXPECT_EQ(r->count(), 1);
  EXPECT_EQ(r->scanned_count(), 1);

  ddb::ScanRequest scan;
  scan.set_table_name(kScores);
  scan.set_select("COUNT");
  absl::StatusOr<ddb::ScanResponse> s = sim_->Scan(scan);
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT(s->items(), IsEmpty());
  EXPECT_EQ(s->count(), 4);
}

TEST_F(DynamoDbQueryTest, ProjectionExpressionPicksAttributes) {
  PutScore("ann", "1", Values({{"game", S("chess")}, {"note", S("x")}}));
  ddb::QueryRequest q = UserQuery("ann");
  q.set_projection_expression("n, note");
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->items_size(), 1);
  EXPECT_EQ(r->items(0).values().size(), 2u);
  EXPECT_EQ(r->items(0).values().at("note").s(), "x");
}

TEST_F(DynamoDbQueryTest, PagesStopAtOneMegabyte) {
  const std::string blob(100 * 1024, 'x');
  for (int i = 0; i < 15; ++i) PutScore("ann", absl::StrCat(i), Values({{"blob", S(blob)}}));
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(UserQuery("ann"));
  ASSERT_THAT(r, IsOk());
  // Eleven items of just over 100 KB reach 1 MB.
  EXPECT_EQ(r->count(), 11);
  EXPECT_EQ(r->last_evaluated_key().at("n").n(), "10");
}

TEST_F(DynamoDbQueryTest, GlobalIndexHoldsOnlyItemsWithItsKeysAndItsProjection) {
  PutScore("ann", "1", Values({{"game", S("chess")}, {"score", N(30)}, {"note", S("a")}}));
  PutScore("bob", "1", Values({{"game", S("chess")}, {"score", N(20)}}));
  PutScore("cy", "1", Values({{"game", S("chess")}}));  // no score: not in ByGame
  PutScore("dee", "1", Values({{"game", S("go")}, {"score", N(5)}}));
  ddb::QueryRequest q;
  q.set_table_name(kScores);
  q.set_index_name("ByGame");
  q.set_key_condition_expression("game = :g");
  (*q.mutable_expression_attribute_values())[":g"] = S("chess");
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Column(r->items(), "player"), ElementsAre("bob", "ann"));
  // KEYS_ONLY: the table and index keys.
  EXPECT_THAT(Column(r->items(), "note"), ElementsAre("<absent>", "<absent>"));
  EXPECT_EQ(r->items(0).values().size(), 4u);

  // LastEvaluatedKey of an index: the index key and the table key; paging
  // with Limit 1 visits both entries once.
  q.set_limit(1);
  std::vector<std::string> seen;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 10);
    r = sim_->Query(q);
    ASSERT_THAT(r, IsOk());
    for (const auto& u : Column(r->items(), "player")) seen.push_back(u);
    if (r->last_evaluated_key().empty()) break;
    EXPECT_EQ(r->last_evaluated_key().size(), 4u);
    *q.mutable_exclusive_start_key() = r->last_evaluated_key();
  }
  EXPECT_THAT(seen, ElementsAre("bob", "ann"));

  ddb::ScanRequest scan;
  scan.set_table_name(kScores);
  scan.set_index_name("ByGame");
  absl::StatusOr<ddb::ScanResponse> s = sim_->Scan(scan);
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT(Column(s->items(), "player"), UnorderedElementsAreArray({"ann", "bob", "dee"}));
}

TEST_F(DynamoDbQueryTest, ScanOfAnIndexPagesWithItsOwnLastEvaluatedKey) {
  for (int i = 0; i < 5; ++i) {
    PutScore(absl::StrCat("p", i), "1", Values({{"game", S("chess")}, {"score", N(i)}}));
  }
  PutScore("outside", "1");
  ddb::ScanRequest scan;
  scan.set_table_name(kScores);
  scan.set_index_name("ByGame");
  scan.set_limit(2);
  std::vector<std::string> seen;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 10);
    absl::StatusOr<ddb::ScanResponse> r = sim_->Scan(scan);
    ASSERT_THAT(r, IsOk());
    for (const auto& p : Column(r->items(), "player")) seen.push_back(p);
    if (r->last_evaluated_key().empty()) break;
    // The index key and the table key, accepted back as ExclusiveStartKey.
    EXPECT_EQ(r->last_evaluated_key().size(), 4u);
    *scan.mutable_exclusive_start_key() = r->last_evaluated_key();
  }
  EXPECT_THAT(seen, UnorderedElementsAreArray({"p0", "p1", "p2", "p3", "p4"}));
}

TEST_F(DynamoDbQueryTest, LocalIndexOrdersThePartitionByItsSortKey) {
  PutScore("ann", "1", Values({{"score", N(30)}}));
  PutScore("ann", "2", Values({{"score", N(10)}}));
  PutScore("ann", "3");  // no score: not in ByScore
  PutScore("ann", "4", Values({{"score", N(20)}}));
  ddb::QueryRequest q = UserQuery("ann", " AND score >= :s", Values({{"s", N(15)}}));
  q.set_index_name("ByScore");
  q.set_select("ALL_ATTRIBUTES");
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Column(r->items(), "n"), ElementsAre("4", "1"));
}

TEST_F(DynamoDbQueryTest, DeletedItemsLeaveTheOrder) {
  PutScore("ann", "1");
  PutScore("ann", "2");
  ddb::DeleteItemRequest del;
  del.set_table_name(kScores);
  (*del.mutable_key())["player"] = S("ann");
  (*del.mutable_key())["n"] = N(1);
  ASSERT_THAT(sim_->DeleteItem(del), IsOk());
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(UserQuery("ann"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Column(r->items(), "n"), ElementsAre("2"));
}

TEST_F(DynamoDbQueryTest, LoadedStateIsQueryable) {
  PutScore("ann", "2");
  PutScore("ann", "1");
  ::awsfacade::simulator::state::DynamoDbState state;
  simulator_->SaveState(&state);
  SimulatorOptions options;
  options.clock = std::make_shared<FakeClock>();
  options.sealer = std::make_shared<TokenSealer>("dynamodb-query-test");
  DynamoDbSimulator loaded(options);
  ASSERT_THAT(loaded.LoadState(state), IsOk());
  absl::StatusOr<ddb::QueryResponse> r = loaded.Query(UserQuery("ann"));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(Column(r->items(), "n"), ElementsAre("1", "2"));
}

TEST_F(DynamoDbQueryTest, ReportsConsumedCapacity) {
  PutScore("ann", "1");
  ddb::QueryRequest q = UserQuery("ann");
  q.set_return_consumed_capacity("TOTAL");
  absl::StatusOr<ddb::QueryResponse> r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().table_name(), kScores);
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 0.5);
  q.set_consistent_read(true);
  r = sim_->Query(q);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->consumed_capacity().capacity_units(), 1.0);
}

// ---- Errors ------------------------------------------------------------------

TEST_F(DynamoDbQueryTest, KeyConditionErrorsAreDynamoDbs) {
  auto query = [&](absl::string_view condition, Item values) {
    ddb::QueryRequest q;
    q.set_table_name(kScores);
    q.set_key_condition_expression(std::string(condition));
    for (const auto& [k, v] : values) (*q.mutable_expression_attribute_values())[":" + k] = v;
    return sim_->Query(q);
  };
  const Item one = Values({{"u", S("ann")}});
  EXPECT_THAT(query("#x", {}), IsAwsError("ValidationException"));
  EXPECT_THAT(query("n = :n", Values({{"n", N(1)}})),
              IsAwsError("ValidationException",
                         HasSubstr("Query condition missed key schema element: player")));
  EXPECT_THAT(query("begins_with(player, :u)", one),
              IsAwsError("ValidationException", HasSubstr("Query key condition not supported")));
  EXPECT_THAT(query("player = :u OR n = :n", Values({{"u", S("a")}, {"n", N(1)}})),
              IsAwsError("ValidationException",
                         HasSubstr("Invalid operator used in KeyConditionExpression: OR")));
  EXPECT_THAT(query("player = :u AND n <> :n", Values({{"u", S("a")}, {"n", N(1)}})),
              IsAwsError("ValidationException",
                         HasSubstr("Invalid operator used in KeyConditionExpression: <>")));
  EXPECT_THAT(query("player = :u AND n > :n AND n < :n", Values({{"u", S("a")}, {"n", N(1)}})),
              IsAwsError("ValidationException",
                         HasSubstr("KeyConditionExpressions must only contain one condition per "
                                   "key")));
  EXPECT_THAT(query("player = :u AND n = :n", Values({{"u", S("a")}, {"n", S("1")}})),
              IsAwsError("ValidationException",
                         HasSubstr("Condition parameter type does not match schema type")));
  EXPECT_THAT(query("player = :u", Values({{"u", S("a")}, {"extra", S("1")}})),
              IsAwsError("ValidationException",
                         HasSubstr("Value provided in ExpressionAttributeValues unused in "
                                   "expressions: keys: {:extra}")));
  ddb::QueryRequest none;
  none.set_table_name(kScores);
  EXPECT_THAT(sim_->Query(none),
              IsAwsError("ValidationException",
                         HasSubstr("Either the KeyConditions or KeyConditionExpression")));
}

TEST_F(DynamoDbQueryTest, RequestErrorsAreDynamoDbs) {
  ddb::QueryRequest q = UserQuery("ann", "", Values({{"n", N(1)}}));
  q.set_filter_expression("n = :n");
  EXPECT_THAT(sim_->Query(q),
              IsAwsError("ValidationException",
                         HasSubstr("Filter Expression can only contain non-primary key "
                                   "attributes: Primary key attribute: n")));

  q = UserQuery("ann");
  q.set_index_name("Nope");
  EXPECT_THAT(sim_->Query(q), IsAwsError("ValidationException",
                                         HasSubstr("The table does not have the specified index")));

  q = ddb::QueryRequest();
  q.set_table_name(kScores);
  q.set_index_name("ByGame");
  q.set_key_condition_expression("game = :g");
  (*q.mutable_expression_attribute_values())[":g"] = S("chess");
  q.set_consistent_read(true);
  EXPECT_THAT(sim_->Query(q),
              IsAwsError("ValidationException",
                         HasSubstr("Consistent reads are not supported on global secondary")));
  q.clear_consistent_read();
  q.set_select("ALL_ATTRIBUTES");
  EXPECT_THAT(sim_->Query(q), IsAwsError("ValidationException", HasSubstr("projection type")));

  q = UserQuery("ann");
  q.set_select("EVERYTHING");
  EXPECT_THAT(sim_->Query(q), IsAwsError("ValidationException", HasSubstr("enum value set")));
  q.set_select("ALL_PROJECTED_ATTRIBUTES");
  EXPECT_THAT(sim_->Query(q), IsAwsError("ValidationException", HasSubstr("IndexName")));
  q.set_select("COUNT");
  q.set_projection_expression("n");
  EXPECT_THAT(sim_->Query(q), IsAwsError("ValidationException", HasSubstr("only the Count")));

  q = UserQuery("ann");
  q.set_limit(0);
  EXPECT_THAT(sim_->Query(q), IsAwsError("ValidationException"));

  q = UserQuery("ann");
  (*q.mutable_exclusive_start_key())["player"] = S("ann");
  EXPECT_THAT(sim_->Query(q),
              IsAwsError("ValidationException", HasSubstr("The provided starting key is invalid")));

  q = UserQuery("ann", " AND n > :n", Values({{"n", N(5)}}));
  (*q.mutable_exclusive_start_key())["player"] = S("bob");
  (*q.mutable_exclusive_start_key())["n"] = N(6);
  EXPECT_THAT(sim_->Query(q),
              IsAwsError("ValidationException", HasSubstr("outside query boundaries")));
  (*q.mutable_exclusive_start_key())["player"] = S("ann");
  (*q.mutable_exclusive_start_key())["n"] = N(5);
  EXPECT_THAT(sim_->Query(q),
              IsAwsError("ValidationException", HasSubstr("outside query boundaries")));
  (*q.mutable_exclusive_start_key())["n"] = N(6);
  EXPECT_THAT(sim_->Query(q), IsOk());

  q = UserQuery("ann");
  q.set_table_name("Missing");
  EXPECT_THAT(sim_->Query(q), IsAwsError("ResourceNotFoundException"));

  ddb::ScanRequest scan;
  scan.set_table_name(kScores);
  scan.set_segment(1);
  EXPECT_THAT(sim_->Scan(scan),
              IsAwsError("ValidationException", HasSubstr("TotalSegments parameter is required")));
  scan.set_total_segments(1);
  EXPECT_THAT(sim_->Scan(scan),
              IsAwsError("ValidationException", HasSubstr("is not less than TotalSegments")));
}

TEST_F(DynamoDbQueryTest, LegacyParametersAreUnimplementedAndMixingIsInvalid) {
  ddb::QueryRequest q = UserQuery("ann");
  ddb::Condition eq;
  eq.set_comparison_operator("EQ");
  *eq.add_attribute_value_list() = S("ann");
  (*q.mutable_key_conditions())["player"] = eq;
  EXPECT_THAT(sim_->Query(q),
              IsAwsError("ValidationException",
                         HasSubstr("Can not use both expression and non-expression parameters in "
                                   "the same request: Non-expression parameters: {KeyConditions} "
                                   "Expression parameters: {KeyConditionExpression}")));
  q.clear_key_condition_expression();
  q.clear_expression_attribute_names();
  q.clear_expression_attribute_values();
  EXPECT_THAT(sim_->Query(q),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("KeyConditions")));

  ddb::ScanRequest scan;
  scan.set_table_name(kScores);
  (*scan.mutable_scan_filter())["n"] = eq;
  EXPECT_THAT(sim_->Scan(scan),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("ScanFilter")));
  scan.clear_scan_filter();
  scan.add_attributes_to_get("n");
  scan.set_projection_expression("n");
  EXPECT_THAT(
      sim_->Scan(scan),
      IsAwsError("ValidationException", HasSubstr("Non-expression parameters: {AttributesToGet}")));
}

}  // namespace
}  // namespace awsfacade::backends::simulator
