#ifndef AWSFACADE_TESTS_FUZZ_TOKEN_WORLD_H_
#define AWSFACADE_TESTS_FUZZ_TOKEN_WORLD_H_

// The fixed world simulator_tokens_fuzzer.cc opens tokens in, and the token
// kinds it knows. Built the same way on every run (fake clock, fixed key),
// so tokens seed_generator.cc takes from it stay valid in the fuzzer.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/aws/json_codec.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/simulator_ops.h"

namespace awsfacade::fuzz {

inline constexpr char kPool[] = "us-east-1:00000000-0000-4000-8000-000000000001";
inline constexpr char kIdentity[] = "us-east-1:00000000-0000-4000-8000-0000000000aa";
inline constexpr char kDataset[] = "fuzz-dataset";

// Token kinds, in the order the fuzzer's selector names them.
inline const std::vector<std::string>& TokenKinds() {
  static const auto* kinds = new std::vector<std::string>{
      "dynamodbstreams.ShardIterator",      "personalize.ListDatasetGroups.nextToken",
      "personalize.ListSchemas.nextToken",  "personalize.ListDatasets.nextToken",
      "cognito-sync.ListRecords.NextToken", "cognito-sync.ListDatasets.NextToken",
      "cognito-sync.SyncSessionToken"};
  return *kinds;
}

template <typename Message>
Message FromJson(absl::string_view json) {
  Message message;
  absl::Status s = backends::aws::AwsJsonToMessage(json, &message);
  AWSFACADE_FUZZ_CHECK(s.ok(), s.ToString());
  return message;
}

template <typename T>
T Must(absl::StatusOr<T> value) {
  AWSFACADE_FUZZ_CHECK(value.ok(), value.status().ToString());
  return *std::move(value);
}

// A table with a stream holding three records, two dataset groups, two
// schemas and two datasets in one group, and two Cognito Sync datasets of
// three records each for one identity.
struct TokenWorld {
  Simulators sims;
  std::string stream_arn;
  std::string shard_id;
  std::string group_arn;

  TokenWorld() {
    namespace ddb = ::aws::dynamodb::v1;
    namespace ddbs = ::aws::dynamodbstreams::v1;
    namespace pz = ::aws::personalize::v1;
    namespace cs = ::aws::cognitosync::v1;
    auto table = Must(sims.dynamodb_api.CreateTable(FromJson<ddb::CreateTableRequest>(R"({
        "TableName": "fuzz", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}})")));
    stream_arn = table.table_description().latest_stream_arn();
    for (const char* pk : {"a", "b", "c"}) {
      Must(sims.dynamodb_api.PutItem(FromJson<ddb::PutItemRequest>(
          absl::StrCat(R"({"TableName": "fuzz", "Item": {"pk": {"S": ")", pk, R"("}}})"))));
    }
    ddbs::DescribeStreamRequest describe;
    describe.set_stream_arn(stream_arn);
    shard_id =
        Must(sims.streams_api.DescribeStream(describe)).stream_description().shards(0).shard_id();

    for (const char* name : {"fuzz-group", "fuzz-group-2"}) {
      pz::CreateDatasetGroupRequest group;
      group.set_name(name);
      std::string arn = Must(sims.personalize_api.CreateDatasetGroup(group)).dataset_group_arn();
      if (group_arn.empty()) group_arn = arn;
    }
    std::vector<std::string> schemas;
    for (
        const char* fields :
        {R"({"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},)"
         R"({"name":"TIMESTAMP","type":"long"})",
         R"({"name":"ITEM_ID","type":"string"},{"name":"GENRE","type":"string","categorical":true})"}) {
      pz::CreateSchemaRequest schema;
      schema.set_name(absl::StrCat("fuzz-schema-", schemas.size()));
      schema.set_schema(absl::StrCat(
          R"({"type":"record","name":"Fuzz","namespace":"com.amazonaws.personalize.schema",)",
          R"("fields":[)", fields, R"(],"version":"1.0"})"));
      schemas.push_back(Must(sims.personalize_api.CreateSchema(schema)).schema_arn());
    }
    sims.clock->Advance(absl::Seconds(60));  // the groups become ACTIVE
    for (const char* type : {"Interactions", "Items"}) {
      pz::CreateDatasetRequest dataset;
      dataset.set_name(absl::StrCat("fuzz-", type));
      dataset.set_dataset_type(type);
      dataset.set_dataset_group_arn(group_arn);
      dataset.set_schema_arn(schemas[dataset.dataset_type() == "Items" ? 1 : 0]);
      Must(sims.personalize_api.CreateDataset(dataset));
    }

    for (std::string name : {std::string(kDataset), absl::StrCat(kDataset, "-2")}) {
      cs::ListRecordsRequest list;
      list.set_identity_pool_id(kPool);
      list.set_identity_id(kIdentity);
      list.set_dataset_name(name);
      const std::string session =
          Must(sims.cognito_sync_api.ListRecords(list)).sync_session_token();
      cs::UpdateRecordsRequest update;
      update.set_identity_pool_id(kPool);
      update.set_identity_id(kIdentity);
      update.set_dataset_name(name);
      update.set_sync_session_token(session);
      for (const char* key : {"k1", "k2", "k3"}) {
        cs::RecordPatch* patch = update.add_record_patches();
        patch->set_op("replace");
        patch->set_key(key);
        patch->set_value(absl::StrCat("value of ", key));
        patch->set_sync_count(0);
      }
      Must(sims.cognito_sync_api.UpdateRecords(update));
    }
  }

  // The purpose a token of `kind` is sealed for (as the simulators seal
  // them: keep in step with backends/simulator/*.cc).
  std::string Purpose(size_t kind) const {
    switch (kind) {
      case 0:
        return "dynamodbstreams.iterator";
      case 1:
        return "personalize.ListDatasetGroups";
      case 2:
        return "personalize.ListSchemas";
      case 3:
        return absl::StrCat("personalize.ListDatasets|", group_arn);
      case 4:
        return absl::StrCat("cognito-sync.ListRecords|", kPool, "|", kIdentity, "|", kDataset,
                            "|0");
      case 5:
        return absl::StrCat("cognito-sync.ListDatasets|", kPool, "|", kIdentity);
      default:
        return absl::StrCat("cognito-sync.SyncSession|", kPool, "|", kIdentity, "|", kDataset);
    }
  }

  // Uses `token` as a token of `kind` in the call that takes it. Returns the
  // call's status and, through `next`, the token the answer carries (next
  // iterator or page token, or a fresh session token), if any.
  absl::Status Use(size_t kind, const std::string& token, std::string* next = nullptr) {
    namespace ddbs = ::aws::dynamodbstreams::v1;
    namespace pz = ::aws::personalize::v1;
    namespace cs = ::aws::cognitosync::v1;
    std::string ignored;
    if (next == nullptr) next = &ignored;
    switch (kind) {
      case 0: {
        ddbs::GetRecordsRequest r;
        r.set_shard_iterator(token);
        r.set_limit(1);
        auto a = sims.streams_api.GetRecords(r);
        if (a.ok()) *next = a->next_shard_iterator();
        return a.status();
      }
      case 1: {
        pz::ListDatasetGroupsRequest r;
        r.set_next_token(token);
        r.set_max_results(1);
        auto a = sims.personalize_api.ListDatasetGroups(r);
        if (a.ok()) *next = a->next_token();
        return a.status();
      }
      case 2: {
        pz::ListSchemasRequest r;
        r.set_next_token(token);
        r.set_max_results(1);
        auto a = sims.personalize_api.ListSchemas(r);
        if (a.ok()) *next = a->next_token();
        return a.status();
      }
      case 3: {
        pz::ListDatasetsRequest r;
        r.set_dataset_group_arn(group_arn);
        r.set_next_token(token);
        r.set_max_results(1);
        auto a = sims.personalize_api.ListDatasets(r);
        if (a.ok()) *next = a->next_token();
        return a.status();
      }
      case 4: {
        cs::ListRecordsRequest r;
        r.set_identity_pool_id(kPool);
        r.set_identity_id(kIdentity);
        r.set_dataset_name(kDataset);
        r.set_last_sync_count(0);
        r.set_next_token(token);
        r.set_max_results(1);
        auto a = sims.cognito_sync_api.ListRecords(r);
        if (a.ok()) *next = a->next_token();
        return a.status();
      }
      case 5: {
        cs::ListDatasetsRequest r;
        r.set_identity_pool_id(kPool);
        r.set_identity_id(kIdentity);
        r.set_next_token(token);
        r.set_max_results(1);
        auto a = sims.cognito_sync_api.ListDatasets(r);
        if (a.ok()) *next = a->next_token();
        return a.status();
      }
      default: {
        cs::UpdateRecordsRequest r;
        r.set_identity_pool_id(kPool);
        r.set_identity_id(kIdentity);
        r.set_dataset_name(kDataset);
        r.set_sync_session_token(token);
        cs::RecordPatch* patch = r.add_record_patches();
        patch->set_op("replace");
        patch->set_key("k1");
        patch->set_value("fuzzed");
        patch->set_sync_count(1);
        return sims.cognito_sync_api.UpdateRecords(r).status();
      }
    }
  }
};

}  // namespace awsfacade::fuzz

#endif  // AWSFACADE_TESTS_FUZZ_TOKEN_WORLD_H_
