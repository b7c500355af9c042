// Writes the seeds of the corpora whose inputs hold live simulator values
// (run once, output committed; re-run after a change of simulator_ops.h's
// operation order, token formats or token_world.h):
//
//   fuzz_seed_generator <tests/fuzz/corpus>
//
//   simulator_requests/  call sequences (simulator_ops.h encoding) that
//                        create, use (Query, Scan, batches and transactions
//                        included) and delete tables, streams, dataset
//                        groups, schemas, datasets and Cognito Sync data,
//                        plus one empty request of every operation
//   simulator_tokens/    for each token kind: a real token the world issued
//                        (raw) and its payload (sealed), plus foreign ones
//   token_sealer/        a real token with its purpose, and a payload
//   subscription_token/  continuation tokens of each position kind, as
//                        payloads and sealed
//   simulator_state/     the state the three sequences leave, saved
//
// Each request of a sequence runs while it is recorded, so later requests
// carry the ARNs, shard iterators and session tokens the simulator really
// returned; the fuzzer replays them on simulators built the same way.

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/aws/json_codec.h"
#include "backends/simulator/state/journal.pb.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/simulator_ops.h"
#include "tests/fuzz/token_world.h"

namespace {

namespace fs = std::filesystem;
namespace ddb = ::aws::dynamodb::v1;
namespace ddbs = ::aws::dynamodbstreams::v1;
namespace pz = ::aws::personalize::v1;
namespace cs = ::aws::cognitosync::v1;
using awsfacade::fuzz::FromJson;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
  std::printf("%s (%zu bytes)\n", (dir / name).c_str(), bytes.size());
}

// Runs calls on fresh simulators and records them as one input.
class Recorder {
 public:
  template <typename Response, typename Request>
  Response Call(absl::string_view op, const Request& request) {
    const uint8_t index = awsfacade::fuzz::OperationIndex(op);
    const std::string bytes = request.SerializeAsString();
    absl::StrAppend(&input_, awsfacade::fuzz::EncodeCall(index, bytes));
    awsfacade::fuzz::CallResult result = awsfacade::fuzz::Operations()[index].call(sims_, bytes);
    Response response;
    if (result.status.ok()) {
      response.ParseFromString(result.response);
    } else {
      std::printf("  %s: %s\n", std::string(op).c_str(), result.status.ToString().c_str());
    }
    return response;
  }
  template <typename Response, typename Request>
  Response Json(absl::string_view op, absl::string_view json) {
    return Call<Response>(op, FromJson<Request>(json));
  }
  void Advance(uint16_t seconds) {
    absl::StrAppend(&input_, awsfacade::fuzz::EncodeAdvance(seconds));
    sims_.clock->Advance(absl::Seconds(seconds));
  }
  const std::string& input() const { return input_; }
  const awsfacade::fuzz::Simulators& sims() const { return sims_; }

 private:
  awsfacade::fuzz::Simulators sims_;
  std::string input_;
};

std::string DynamoDbSequence(Recorder& r) {
  auto table =
      r.Json<ddb::CreateTableResponse, ddb::CreateTableRequest>("DynamoDB.CreateTable", R"j({
      "TableName": "Music", "BillingMode": "PROVISIONED",
      "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
      "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"},
                               {"AttributeName": "SongTitle", "AttributeType": "S"},
                               {"AttributeName": "Year", "AttributeType": "N"}],
      "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"},
                    {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
      "LocalSecondaryIndexes": [{"IndexName": "ByYear",
          "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"},
                        {"AttributeName": "Year", "KeyType": "RANGE"}],
          "Projection": {"ProjectionType": "KEYS_ONLY"}}],
      "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}})j");
  r.Json<ddb::PutItemResponse, ddb::PutItemRequest>("DynamoDB.PutItem", R"j({
      "TableName": "Music",
      "Item": {"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"},
               "Year": {"N": "2015"}, "Tags": {"SS": ["pop", "new"]}, "Plays": {"N": "0"},
               "Meta": {"M": {"Len": {"N": "3.5"}, "Credits": {"L": [{"S": "a"}, {"NULL": true}]}}},
               "Expires": {"N": "1767225700"}},
      "ConditionExpression": "attribute_not_exists(#a)",
      "ExpressionAttributeNames": {"#a": "Artist"},
      "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "TOTAL",
      "ReturnItemCollectionMetrics": "SIZE"})j");
  r.Json<ddb::UpdateItemResponse, ddb::UpdateItemRequest>("DynamoDB.UpdateItem", R"j({
      "TableName": "Music",
      "Key": {"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}},
      "UpdateExpression": "SET Plays = Plays + :one, Meta.Credits[2] = :who REMOVE Meta.Len ADD Tags :t",
      "ConditionExpression": "Plays < :max AND size(Tags) BETWEEN :one AND :max",
      "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": {"N": "100"}, ":who": {"S": "b"},
                                    ":t": {"SS": ["rock"]}},
      "ReturnValues": "UPDATED_NEW"})j");
  r.Json<ddb::GetItemResponse, ddb::GetItemRequest>("DynamoDB.GetItem", R"j({
      "TableName": "Music", "ConsistentRead": true,
      "Key": {"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}},
      "ProjectionExpression": "Plays, Tags, Meta.Credits[0], #y",
      "ExpressionAttributeNames": {"#y": "Year"}})j");
  r.Json<ddb::UpdateTimeToLiveResponse, ddb::UpdateTimeToLiveRequest>(
      "DynamoDB.UpdateTimeToLive",
      R"j({"TableName": "Music", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "Expires"}})j");
  r.Json<ddb::DescribeTimeToLiveResponse, ddb::DescribeTimeToLiveRequest>(
      "DynamoDB.DescribeTimeToLive", R"j({"TableName": "Music"})j");
  r.Advance(200);  // the item expires and TTL deletes it
  r.Json<ddb::DescribeTableResponse, ddb::DescribeTableRequest>("DynamoDB.DescribeTable",
                                                                R"j({"TableName": "Music"})j");
  r.Json<ddb::UpdateTableResponse, ddb::UpdateTableRequest>("DynamoDB.UpdateTable", R"j({
      "TableName": "Music", "BillingMode": "PAY_PER_REQUEST"})j");
  r.Json<ddb::PutItemResponse, ddb::PutItemRequest>("DynamoDB.PutItem", R"j({
      "TableName": "Music",
      "Item": {"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}, "B": {"B": "AAEC"}}})j");
  r.Json<ddb::DeleteItemResponse, ddb::DeleteItemRequest>("DynamoDB.DeleteItem", R"j({
      "TableName": "Music", "ReturnValues": "ALL_OLD",
      "Key": {"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}},
      "ConditionExpression": "contains(B, :b) OR attribute_type(B, :type)",
      "ExpressionAttributeValues": {":b": {"B": "AQ=="}, ":type": {"S": "B"}}})j");
  r.Json<ddbs::ListStreamsResponse, ddbs::ListStreamsRequest>("DynamoDB Streams.ListStreams",
                                                              R"j({"TableName": "Music"})j");
  ddbs::DescribeStreamRequest describe;
  describe.set_stream_arn(table.table_description().latest_stream_arn());
  auto stream = r.Call<ddbs::DescribeStreamResponse>("DynamoDB Streams.DescribeStream", describe);
  ddbs::GetShardIteratorRequest iterator;
  iterator.set_stream_arn(describe.stream_arn());
  if (stream.stream_description().shards_size() > 0) {
    iterator.set_shard_id(stream.stream_description().shards(0).shard_id());
  }
  iterator.set_shard_iterator_type("TRIM_HORIZON");
  auto it = r.Call<ddbs::GetShardIteratorResponse>("DynamoDB Streams.GetShardIterator", iterator);
  ddbs::GetRecordsRequest get;
  get.set_shard_iterator(it.shard_iterator());
  get.set_limit(2);
  auto records = r.Call<ddbs::GetRecordsResponse>("DynamoDB Streams.GetRecords", get);
  get.set_shard_iterator(records.next_shard_iterator());
  r.Call<ddbs::GetRecordsResponse>("DynamoDB Streams.GetRecords", get);
  iterator.set_shard_iterator_type("AFTER_SEQUENCE_NUMBER");
  if (records.records_size() > 0) {
    iterator.set_sequence_number(records.records(0).dynamodb().sequence_number());
  }
  r.Call<ddbs::GetShardIteratorResponse>("DynamoDB Streams.GetShardIterator", iterator);
  r.Json<ddb::DeleteTableResponse, ddb::DeleteTableRequest>("DynamoDB.DeleteTable",
                                                            R"j({"TableName": "Music"})j");
  return r.input();
}

// Query, Scan and the batch and transaction calls on a table with a local
// secondary index: pages, filters, projections, a cancelled transaction.
std::string DynamoDbReadsAndBatches(Recorder& r) {
  r.Json<ddb::CreateTableResponse, ddb::CreateTableRequest>("DynamoDB.CreateTable", R"j({
      "TableName": "Music", "BillingMode": "PAY_PER_REQUEST",
      "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"},
                               {"AttributeName": "SongTitle", "AttributeType": "S"},
                               {"AttributeName": "Year", "AttributeType": "N"}],
      "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"},
                    {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
      "LocalSecondaryIndexes": [{"IndexName": "ByYear",
          "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"},
                        {"AttributeName": "Year", "KeyType": "RANGE"}],
          "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Plays"]}}],
      "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}})j");
  r.Json<ddb::BatchWriteItemResponse, ddb::BatchWriteItemRequest>("DynamoDB.BatchWriteItem", R"j({
      "RequestItems": {"Music": [
        {"PutRequest": {"Item": {"Artist": {"S": "Acme"}, "SongTitle": {"S": "A"}, "Year": {"N": "2001"},
                                 "Plays": {"N": "3"}}}},
        {"PutRequest": {"Item": {"Artist": {"S": "Acme"}, "SongTitle": {"S": "B"}, "Year": {"N": "1999"},
                                 "Plays": {"N": "7"}, "Tags": {"SS": ["x"]}}}},
        {"PutRequest": {"Item": {"Artist": {"S": "Zed"}, "SongTitle": {"S": "C"}}}}]},
      "ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"})j");
  auto page = r.Json<ddb::QueryResponse, ddb::QueryRequest>("DynamoDB.Query", R"j({
      "TableName": "Music", "KeyConditionExpression": "Artist = :a AND begins_with(SongTitle, :p)",
      "FilterExpression": "Plays > :n", "ProjectionExpression": "SongTitle, Plays", "Limit": 1,
      "ExpressionAttributeValues": {":a": {"S": "Acme"}, ":p": {"S": ""}, ":n": {"N": "1"}},
      "ReturnConsumedCapacity": "TOTAL"})j");
  ddb::QueryRequest next = awsfacade::fuzz::FromJson<ddb::QueryRequest>(R"j({
      "TableName": "Music", "KeyConditionExpression": "Artist = :a",
      "ExpressionAttributeValues": {":a": {"S": "Acme"}}, "ScanIndexForward": false})j");
  *next.mutable_exclusive_start_key() = page.last_evaluated_key();
  r.Call<ddb::QueryResponse>("DynamoDB.Query", next);
  r.Json<ddb::QueryResponse, ddb::QueryRequest>("DynamoDB.Query", R"j({
      "TableName": "Music", "IndexName": "ByYear", "Select": "ALL_PROJECTED_ATTRIBUTES",
      "KeyConditionExpression": "Artist = :a AND #y BETWEEN :lo AND :hi",
      "ExpressionAttributeNames": {"#y": "Year"},
      "ExpressionAttributeValues": {":a": {"S": "Acme"}, ":lo": {"N": "1990"}, ":hi": {"N": "2000"}}})j");
  r.Json<ddb::ScanResponse, ddb::ScanRequest>("DynamoDB.Scan", R"j({
      "TableName": "Music", "Segment": 1, "TotalSegments": 2, "Limit": 2,
      "FilterExpression": "attribute_exists(Tags) OR size(SongTitle) = :one",
      "ExpressionAttributeValues": {":one": {"N": "1"}}})j");
  r.Json<ddb::ScanResponse, ddb::ScanRequest>("DynamoDB.Scan",
                                              R"j({"TableName": "Music", "Select": "COUNT"})j");
  r.Json<ddb::BatchGetItemResponse, ddb::BatchGetItemRequest>("DynamoDB.BatchGetItem", R"j({
      "RequestItems": {"Music": {"Keys": [{"Artist": {"S": "Acme"}, "SongTitle": {"S": "A"}},
                                          {"Artist": {"S": "Nobody"}, "SongTitle": {"S": "Z"}}],
                                 "ProjectionExpression": "Plays", "ConsistentRead": true}}})j");
  r.Json<ddb::TransactWriteItemsResponse, ddb::TransactWriteItemsRequest>(
      "DynamoDB.TransactWriteItems", R"j({
      "ClientRequestToken": "seed-token-1",
      "TransactItems": [
        {"Put": {"TableName": "Music", "Item": {"Artist": {"S": "New"}, "SongTitle": {"S": "D"}},
                 "ConditionExpression": "attribute_not_exists(Artist)"}},
        {"Update": {"TableName": "Music", "Key": {"Artist": {"S": "Acme"}, "SongTitle": {"S": "A"}},
                    "UpdateExpression": "ADD Plays :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": "Music", "Key": {"Artist": {"S": "Zed"}, "SongTitle": {"S": "C"}}}},
        {"ConditionCheck": {"TableName": "Music",
                            "Key": {"Artist": {"S": "Acme"}, "SongTitle": {"S": "B"}},
                            "ConditionExpression": "Plays = :seven",
                            "ExpressionAttributeValues": {":seven": {"N": "7"}}}}]})j");
  r.Json<ddb::TransactWriteItemsResponse, ddb::TransactWriteItemsRequest>(
      "DynamoDB.TransactWriteItems", R"j({
      "TransactItems": [
        {"Delete": {"TableName": "Music", "Key": {"Artist": {"S": "New"}, "SongTitle": {"S": "D"}}}},
        {"ConditionCheck": {"TableName": "Music",
                            "Key": {"Artist": {"S": "Acme"}, "SongTitle": {"S": "B"}},
                            "ConditionExpression": "attribute_not_exists(Plays)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}]})j");
  r.Json<ddb::TransactGetItemsResponse, ddb::TransactGetItemsRequest>("DynamoDB.TransactGetItems",
                                                                      R"j({
      "TransactItems": [{"Get": {"TableName": "Music",
                                 "Key": {"Artist": {"S": "New"}, "SongTitle": {"S": "D"}}}},
                        {"Get": {"TableName": "Music", "ProjectionExpression": "Plays",
                                 "Key": {"Artist": {"S": "Acme"}, "SongTitle": {"S": "A"}}}}]})j");
  return r.input();
}

std::string PersonalizeSequence(Recorder& r) {
  auto group = r.Json<pz::CreateDatasetGroupResponse, pz::CreateDatasetGroupRequest>(
      "Personalize.CreateDatasetGroup",
      R"j({"name": "movies", "tags": [{"tagKey": "team", "tagValue": "recs"}]})j");
  auto schema = r.Json<pz::CreateSchemaResponse, pz::CreateSchemaRequest>(
      "Personalize.CreateSchema",
      R"j({"name": "interactions", "schema": "{\"type\":\"record\",\"name\":\"Interactions\",\"namespace\":\"com.amazonaws.personalize.schema\",\"fields\":[{\"name\":\"USER_ID\",\"type\":\"string\"},{\"name\":\"ITEM_ID\",\"type\":\"string\"},{\"name\":\"TIMESTAMP\",\"type\":\"long\"}],\"version\":\"1.0\"}"})j");
  r.Advance(5);
  pz::DescribeDatasetGroupRequest describe_group;
  describe_group.set_dataset_group_arn(group.dataset_group_arn());
  r.Call<pz::DescribeDatasetGroupResponse>("Personalize.DescribeDatasetGroup", describe_group);
  r.Advance(10);
  pz::CreateDatasetRequest create;
  create.set_name("movie-interactions");
  create.set_dataset_type("interactions");
  create.set_dataset_group_arn(group.dataset_group_arn());
  create.set_schema_arn(schema.schema_arn());
  auto dataset = r.Call<pz::CreateDatasetResponse>("Personalize.CreateDataset", create);
  pz::DescribeDatasetRequest describe;
  describe.set_dataset_arn(dataset.dataset_arn());
  r.Call<pz::DescribeDatasetResponse>("Personalize.DescribeDataset", describe);
  pz::DescribeSchemaRequest describe_schema;
  describe_schema.set_schema_arn(schema.schema_arn());
  r.Call<pz::DescribeSchemaResponse>("Personalize.DescribeSchema", describe_schema);
  r.Json<pz::ListDatasetGroupsResponse, pz::ListDatasetGroupsRequest>(
      "Personalize.ListDatasetGroups", R"j({"maxResults": 1})j");
  r.Json<pz::ListSchemasResponse, pz::ListSchemasRequest>("Personalize.ListSchemas", R"j({})j");
  pz::ListDatasetsRequest list;
  list.set_dataset_group_arn(group.dataset_group_arn());
  list.set_max_results(1);
  r.Call<pz::ListDatasetsResponse>("Personalize.ListDatasets", list);
  r.Advance(15);
  pz::DeleteDatasetRequest del;
  del.set_dataset_arn(dataset.dataset_arn());
  r.Call<pz::DeleteDatasetResponse>("Personalize.DeleteDataset", del);
  pz::DeleteDatasetGroupRequest del_group;
  del_group.set_dataset_group_arn(group.dataset_group_arn());
  r.Call<pz::DeleteDatasetGroupResponse>("Personalize.DeleteDatasetGroup", del_group);
  r.Advance(20);
  r.Call<pz::DeleteDatasetGroupResponse>("Personalize.DeleteDatasetGroup", del_group);
  pz::DeleteSchemaRequest del_schema;
  del_schema.set_schema_arn(schema.schema_arn());
  r.Call<pz::DeleteSchemaResponse>("Personalize.DeleteSchema", del_schema);
  return r.input();
}

std::string CognitoSyncSequence(Recorder& r) {
  using awsfacade::fuzz::kIdentity;
  using awsfacade::fuzz::kPool;
  cs::ListRecordsRequest list;
  list.set_identity_pool_id(kPool);
  list.set_identity_id(kIdentity);
  list.set_dataset_name("settings");
  auto listed = r.Call<cs::ListRecordsResponse>("Cognito Sync.ListRecords", list);
  cs::UpdateRecordsRequest update;
  update.set_identity_pool_id(kPool);
  update.set_identity_id(kIdentity);
  update.set_dataset_name("settings");
  update.set_device_id("device-1");
  update.set_sync_session_token(listed.sync_session_token());
  for (const char* key : {"theme", "volume", "lang"}) {
    cs::RecordPatch* patch = update.add_record_patches();
    patch->set_op("replace");
    patch->set_key(key);
    patch->set_value(absl::StrCat("value-", key));
    patch->set_sync_count(0);
  }
  r.Call<cs::UpdateRecordsResponse>("Cognito Sync.UpdateRecords", update);
  list.set_max_results(2);
  list.set_last_sync_count(0);
  listed = r.Call<cs::ListRecordsResponse>("Cognito Sync.ListRecords", list);
  list.set_next_token(listed.next_token());
  r.Call<cs::ListRecordsResponse>("Cognito Sync.ListRecords", list);
  update.clear_record_patches();
  update.set_sync_session_token(listed.sync_session_token());
  cs::RecordPatch* patch = update.add_record_patches();
  patch->set_op("remove");
  patch->set_key("volume");
  patch->set_sync_count(1);
  r.Call<cs::UpdateRecordsResponse>("Cognito Sync.UpdateRecords", update);
  cs::ListDatasetsRequest datasets;
  datasets.set_identity_pool_id(kPool);
  datasets.set_identity_id(kIdentity);
  r.Call<cs::ListDatasetsResponse>("Cognito Sync.ListDatasets", datasets);
  cs::DescribeDatasetRequest describe;
  describe.set_identity_pool_id(kPool);
  describe.set_identity_id(kIdentity);
  describe.set_dataset_name("settings");
  r.Call<cs::DescribeDatasetResponse>("Cognito Sync.DescribeDataset", describe);
  cs::DeleteDatasetRequest del;
  del.set_identity_pool_id(kPool);
  del.set_identity_id(kIdentity);
  del.set_dataset_name("settings");
  r.Call<cs::DeleteDatasetResponse>("Cognito Sync.DeleteDataset", del);
  return r.input();
}

void TokenSeeds(const fs::path& corpus) {
  awsfacade::fuzz::TokenWorld world;
  const fs::path dir = corpus / "simulator_tokens";
  const auto& kinds = awsfacade::fuzz::TokenKinds();
  for (size_t kind = 0; kind < kinds.size(); ++kind) {
    std::string token;
    if (kind == 0) {
      ddbs::GetShardIteratorRequest request;
      request.set_stream_arn(world.stream_arn);
      request.set_shard_id(world.shard_id);
      request.set_shard_iterator_type("TRIM_HORIZON");
      token =
          awsfacade::fuzz::Must(world.sims.streams_api.GetShardIterator(request)).shard_iterator();
    } else if (kind == 6) {
      cs::ListRecordsRequest request;
      request.set_identity_pool_id(awsfacade::fuzz::kPool);
      request.set_identity_id(awsfacade::fuzz::kIdentity);
      request.set_dataset_name(awsfacade::fuzz::kDataset);
      token = awsfacade::fuzz::Must(world.sims.cognito_sync_api.ListRecords(request))
                  .sync_session_token();
    } else {
      absl::Status s = world.Use(kind, "", &token);
      AWSFACADE_FUZZ_CHECK(s.ok() && !token.empty(), kinds[kind]);
    }
    absl::StatusOr<std::string> payload = world.sims.sealer->Open(world.Purpose(kind), token);
    AWSFACADE_FUZZ_CHECK(payload.ok(), absl::StrCat(kinds[kind], ": purpose out of step"));
    Write(dir, absl::StrCat(kinds[kind], ".raw"), absl::StrCat(kinds[kind], "\nraw\n", token));
    Write(dir, absl::StrCat(kinds[kind], ".sealed"),
          absl::StrCat(kinds[kind], "\nsealed\n", *payload));
    // The token of another kind: sealed for another purpose.
    if (kind > 0) {
      Write(dir, absl::StrCat(kinds[kind], ".foreign"),
            absl::StrCat(kinds[kind - 1], "\nraw\n", token));
    }
    if (kind == 0) {
      Write(corpus / "token_sealer", "iterator", absl::StrCat(world.Purpose(kind), "\n", token));
    }
  }
  Write(corpus / "token_sealer", "payload",
        "personalize.ListSchemas\n7 arn:aws:personalize:us-east-1:123456789012:schema/s");
}

// Continuation tokens of the subscription engine (format in
// service/subscription_engine.cc), as payloads and sealed as the engine
// seals them (same key, deterministic).
void SubscriptionSeeds(const fs::path& corpus) {
  awsfacade::fuzz::TokenWorld world;
  ddbs::GetShardIteratorRequest request;
  request.set_stream_arn(world.stream_arn);
  request.set_shard_id(world.shard_id);
  request.set_shard_iterator_type("TRIM_HORIZON");
  ddbs::GetRecordsRequest get;
  get.set_shard_iterator(
      awsfacade::fuzz::Must(world.sims.streams_api.GetShardIterator(request)).shard_iterator());
  auto records = awsfacade::fuzz::Must(world.sims.streams_api.GetRecords(get));
  AWSFACADE_FUZZ_CHECK(records.records_size() == 3, "three records expected");
  const std::string seq = records.records(1).dynamodb().sequence_number();
  const std::string shard = absl::StrCat("\n", world.shard_id, "||");
  const struct {
    const char* name;
    const char* mode;
    std::string payload;
  } seeds[] = {
      {"stream_from_start", "stream", absl::StrCat("v1|t|", world.stream_arn, shard, "S|")},
      {"stream_since_time", "stream",
       absl::StrCat("v1|t|", world.stream_arn, shard, "T|1767225600000000000")},
      {"stream_done", "stream", absl::StrCat("v1|t|", world.stream_arn, shard, "D|")},
      {"shard_after", "shard", absl::StrCat("v1|s|", world.stream_arn, shard, "A|", seq)},
      {"shard_at", "shard", absl::StrCat("v1|s|", world.stream_arn, shard, "Q|", seq)},
  };
  const fs::path dir = corpus / "subscription_token";
  for (const auto& seed : seeds) {
    Write(dir, absl::StrCat(seed.name, ".sealed"),
          absl::StrCat(seed.mode, "\nsealed\n", seed.payload));
    Write(dir, absl::StrCat(seed.name, ".raw"),
          absl::StrCat(seed.mode, "\nraw\n",
                       world.sims.sealer->Seal("dynamodbstreams.subscription", seed.payload)));
  }
  Write(dir, "stream_foreign.raw", "stream\nraw\nnot-a-token");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <tests/fuzz/corpus>\n", argv[0]);
    return 2;
  }
  const fs::path corpus = argv[1];
  const fs::path requests = corpus / "simulator_requests";
  Recorder dynamodb, personalize, cognito_sync, dynamodb_reads;
  Write(requests, "dynamodb_sequence", DynamoDbSequence(dynamodb));
  Write(requests, "dynamodb_reads_and_batches", DynamoDbReadsAndBatches(dynamodb_reads));
  Write(requests, "personalize_sequence", PersonalizeSequence(personalize));
  Write(requests, "cognito_sync_sequence", CognitoSyncSequence(cognito_sync));
  // simulator_state/: what each sequence left, saved as a snapshot would
  // hold it, one service per seed and all three in one.
  awsfacade::simulator::state::Snapshot all;
  dynamodb.sims().dynamodb.SaveState(all.mutable_dynamodb());
  personalize.sims().personalize.SaveState(all.mutable_personalize());
  cognito_sync.sims().cognito_sync.SaveState(all.mutable_cognito_sync());
  const fs::path states = corpus / "simulator_state";
  Write(states, "all_services", all.SerializeAsString());
  for (int service = 0; service < 3; ++service) {
    awsfacade::simulator::state::Snapshot one = all;
    if (service != 0) one.clear_dynamodb();
    if (service != 1) one.clear_personalize();
    if (service != 2) one.clear_cognito_sync();
    Write(states, std::array<const char*, 3>{"dynamodb", "personalize", "cognito_sync"}[service],
          one.SerializeAsString());
  }
  std::string empty_requests;
  for (size_t op = 0; op < awsfacade::fuzz::Operations().size(); ++op) {
    absl::StrAppend(&empty_requests, awsfacade::fuzz::EncodeCall(static_cast<uint8_t>(op), ""));
  }
  Write(requests, "every_operation_empty", empty_requests);
  TokenSeeds(corpus);
  SubscriptionSeeds(corpus);
  return 0;
}
