// DynamoDB batch and transaction writes through the server binary (on the
// simulator) and the generated stubs: a cancelled TransactWriteItems reaches
// a gRPC caller as ABORTED with its CancellationReasons in a
// google.rpc.Status detail, and a failed condition's item in a
// ConditionalCheckFailedException detail (issue 14 §2).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"
#include "tests/common/grpc_status.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

namespace ddb = ::aws::dynamodb::v1;
using ::awsfacade::backends::simulator::dynamodb_test::S;
using ::awsfacade::testutil::DetailOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DynamoDbTransactionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ddb_ = ddb::DynamoDbService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
    ddb::CreateTableRequest request;
    request.set_table_name("Orders");
    auto* pk = request.add_attribute_definitions();
    pk->set_attribute_name("pk");
    pk->set_attribute_type("S");
    auto* hash = request.add_key_schema();
    hash->set_attribute_name("pk");
    hash->set_key_type("HASH");
    request.set_billing_mode("PAY_PER_REQUEST");
    ddb::CreateTableResponse response;
    grpc::Status status = ddb_->CreateTable(ContextWithDeadline().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  ddb::TransactWriteItem Put(const std::string& pk, const std::string& condition = "") {
    ddb::TransactWriteItem action;
    action.mutable_put()->set_table_name("Orders");
    (*action.mutable_put()->mutable_item())["pk"] = S(pk);
    action.mutable_put()->set_condition_expression(condition);
    action.mutable_put()->set_return_values_on_condition_check_failure("ALL_OLD");
    return action;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ddb::DynamoDbService::Stub> ddb_;
};

TEST_F(DynamoDbTransactionsTest, CancellationReasonsReachTheCallerAsAStatusDetail) {
  ddb::TransactWriteItemsRequest first;
  *first.add_transact_items() = Put("taken");
  ddb::TransactWriteItemsResponse response;
  grpc::Status status = ddb_->TransactWriteItems(ContextWithDeadline().get(), first, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ddb::TransactWriteItemsRequest second;
  *second.add_transact_items() = Put("free");
  *second.add_transact_items() = Put("taken", "attribute_not_exists(pk)");
  status = ddb_->TransactWriteItems(ContextWithDeadline().get(), second, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "TransactionCanceledException");
  auto canceled = DetailOf<ddb::TransactionCanceledException>(status);
  ASSERT_TRUE(canceled.has_value()) << "no TransactionCanceledException detail";
  std::vector<std::string> codes;
  for (const auto& r : canceled->cancellation_reasons()) codes.push_back(r.code());
  EXPECT_THAT(codes, ElementsAre("None", "ConditionalCheckFailed"));
  EXPECT_EQ(canceled->cancellation_reasons(1).item().at("pk").s(), "taken");
  EXPECT_THAT(canceled->message(), HasSubstr("[None, ConditionalCheckFailed]"));

  // Nothing of the cancelled transaction was written.
  ddb::GetItemRequest get;
  get.set_table_name("Orders");
  (*get.mutable_key())["pk"] = S("free");
  ddb::GetItemResponse got;
  ASSERT_TRUE(ddb_->GetItem(ContextWithDeadline().get(), get, &got).ok());
  EXPECT_TRUE(got.item().empty());
}

TEST_F(DynamoDbTransactionsTest, ConditionalCheckFailedCarriesTheItemAsAStatusDetail) {
  ddb::PutItemRequest put;
  put.set_table_name("Orders");
  (*put.mutable_item())["pk"] = S("a");
  (*put.mutable_item())["v"] = S("old");
  ddb::PutItemResponse response;
  ASSERT_TRUE(ddb_->PutItem(ContextWithDeadline().get(), put, &response).ok());
  put.set_condition_expression("attribute_not_exists(pk)");
  put.set_return_values_on_condition_check_failure("ALL_OLD");
  grpc::Status status = ddb_->PutItem(ContextWithDeadline().get(), put, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  auto failed = DetailOf<ddb::ConditionalCheckFailedException>(status);
  ASSERT_TRUE(failed.has_value()) << "no ConditionalCheckFailedException detail";
  EXPECT_EQ(failed->item().at("v").s(), "old");
}

TEST_F(DynamoDbTransactionsTest, BatchWriteThenBatchGetThroughTheServer) {
  ddb::BatchWriteItemRequest write;
  for (const char* pk : {"a", "b", "c"}) {
    (*(*write.mutable_request_items())["Orders"]
          .add_values()
          ->mutable_put_request()
          ->mutable_item())["pk"] = S(pk);
  }
  ddb::BatchWriteItemResponse written;
  grpc::Status status = ddb_->BatchWriteItem(ContextWithDeadline().get(), write, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(written.unprocessed_items().empty());

  ddb::BatchGetItemRequest read;
  for (const char* pk : {"a", "c", "missing"}) {
    (*(*read.mutable_request_items())["Orders"].add_keys()->mutable_values())["pk"] = S(pk);
  }
  ddb::BatchGetItemResponse got;
  status = ddb_->BatchGetItem(ContextWithDeadline().get(), read, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.responses().at("Orders").values_size(), 2);
}

}  // namespace
}  // namespace awsfacade::testing
