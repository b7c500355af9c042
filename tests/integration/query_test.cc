// Query and Scan through the server binary (on the simulator) and the
// generated stubs: the gRPC handler path, answers and errors with their AWS
// name and field (issue 14 §2).
#include <string>
#include <vector>

#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

namespace ddb = ::aws::dynamodb::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(QueryIntegrationTest, QueryAndScanAnswerThroughTheServer) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto stub = ddb::DynamoDbService::NewStub(channel);

  ddb::CreateTableRequest create;
  create.set_table_name("Replies");
  create.set_billing_mode("PAY_PER_REQUEST");
  for (auto [name, type, key] : {std::tuple{"Id", "S", "HASH"}, {"ReplyDateTime", "S", "RANGE"}}) {
    auto* a = create.add_attribute_definitions();
    a->set_attribute_name(name);
    a->set_attribute_type(type);
    auto* k = create.add_key_schema();
    k->set_attribute_name(name);
    k->set_key_type(key);
  }
  ddb::CreateTableResponse created;
  ASSERT_TRUE(stub->CreateTable(ContextWithDeadline().get(), create, &created).ok());
  for (const char* when :
       {"2015-09-22T19:58:22.947Z", "2015-09-15T19:58:22.947Z", "2015-09-29T19:58:22.947Z"}) {
    ddb::PutItemRequest put;
    put.set_table_name("Replies");
    (*put.mutable_item())["Id"].set_s("Amazon DynamoDB#DynamoDB Thread 1");
    (*put.mutable_item())["ReplyDateTime"].set_s(when);
    ddb::PutItemResponse unused;
    ASSERT_TRUE(stub->PutItem(ContextWithDeadline().get(), put, &unused).ok());
  }

  // The Developer Guide's example: the replies of one thread since a date.
  ddb::QueryRequest query;
  query.set_table_name("Replies");
  query.set_key_condition_expression("Id = :v1 AND ReplyDateTime > :v2");
  (*query.mutable_expression_attribute_values())[":v1"].set_s("Amazon DynamoDB#DynamoDB Thread 1");
  (*query.mutable_expression_attribute_values())[":v2"].set_s("2015-09-20");
  ddb::QueryResponse answer;
  grpc::Status status = stub->Query(ContextWithDeadline().get(), query, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> dates;
  for (const auto& item : answer.items()) dates.push_back(item.values().at("ReplyDateTime").s());
  EXPECT_THAT(dates, ElementsAre("2015-09-22T19:58:22.947Z", "2015-09-29T19:58:22.947Z"));
  EXPECT_EQ(answer.count(), 2);

  ddb::ScanRequest scan;
  scan.set_table_name("Replies");
  scan.set_select("COUNT");
  ddb::ScanResponse counted;
  status = stub->Scan(ContextWithDeadline().get(), scan, &counted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(counted.count(), 3);
  EXPECT_EQ(counted.items_size(), 0);

  // A range condition on the partition key: INVALID_ARGUMENT, with the AWS
  // error name and the member at fault.
  query.set_key_condition_expression("Id > :v1 AND ReplyDateTime > :v2");
  status = stub->Query(ContextWithDeadline().get(), query, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("Query key condition not supported"));
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ValidationException");
  EXPECT_EQ(info->metadata().at("field"), "KeyConditionExpression");
}

}  // namespace
}  // namespace awsfacade::testing
