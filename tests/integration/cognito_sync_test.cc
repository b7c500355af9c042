// Cognito Sync end to end through the server binary and generated stubs.
#include "aws/cognitosync/v1/cognitosync.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

namespace cognitosync = ::aws::cognitosync::v1;
using ::testing::HasSubstr;

constexpr char kPool[] = "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000";
constexpr char kIdentity[] = "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111";

class CognitoSyncIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = cognitosync::CognitoSyncService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  cognitosync::ListRecordsRequest ListRequest(const std::string& dataset) {
    cognitosync::ListRecordsRequest r;
    r.set_identity_pool_id(kPool);
    r.set_identity_id(kIdentity);
    r.set_dataset_name(dataset);
    return r;
  }

  // Writes key=value pairs as new keys, through a fresh session token.
  void Write(const std::string& dataset,
             const std::vector<std::pair<std::string, std::string>>& kv) {
    cognitosync::ListRecordsResponse listed;
    auto context = ContextWithDeadline();
    ASSERT_TRUE(stub_->ListRecords(context.get(), ListRequest(dataset), &listed).ok());
    cognitosync::UpdateRecordsRequest update;
    update.set_identity_pool_id(kPool);
    update.set_identity_id(kIdentity);
    update.set_dataset_name(dataset);
    update.set_device_id("device-1");
    update.set_sync_session_token(listed.sync_session_token());
    for (const auto& [k, v] : kv) {
      auto* patch = update.add_record_patches();
      patch->set_op("replace");
      patch->set_key(k);
      patch->set_value(v);
      patch->set_sync_count(0);
    }
    cognitosync::UpdateRecordsResponse updated;
    auto context2 = ContextWithDeadline();
    grpc::Status status = stub_->UpdateRecords(context2.get(), update, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(updated.records_size(), static_cast<int>(kv.size()));
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<cognitosync::CognitoSyncService::Stub> stub_;
};

TEST_F(CognitoSyncIntegrationTest, MissingDatasetIsNotAnError) {
  cognitosync::ListRecordsResponse response;
  auto context = ContextWithDeadline();
  grpc::Status status = stub_->ListRecords(context.get(), ListRequest("nothing-here"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.has_dataset_exists());
  EXPECT_FALSE(response.dataset_exists());
  EXPECT_EQ(response.records_size(), 0);
  EXPECT_FALSE(response.sync_session_token().empty());
}

TEST_F(CognitoSyncIntegrationTest, WriteThenReadBack) {
  Write("settings", {{"theme", "dark"}, {"lang", "en"}});
  cognitosync::ListRecordsResponse response;
  auto context = ContextWithDeadline();
  ASSERT_TRUE(stub_->ListRecords(context.get(), ListRequest("settings"), &response).ok());
  EXPECT_TRUE(response.dataset_exists());
  ASSERT_EQ(response.records_size(), 2);
  std::map<std::string, std::string> got;
  for (const auto& r : response.records()) got[r.key()] = r.value();
  EXPECT_EQ(got["theme"], "dark");
  EXPECT_EQ(got["lang"], "en");
  EXPECT_EQ(response.dataset_sync_count(), 1);

  cognitosync::DescribeDatasetRequest describe;
  describe.set_identity_pool_id(kPool);
  describe.set_identity_id(kIdentity);
  describe.set_dataset_name("settings");
  cognitosync::DescribeDatasetResponse described;
  auto context2 = ContextWithDeadline();
  ASSERT_TRUE(stub_->DescribeDataset(context2.get(), describe, &described).ok());
  EXPECT_EQ(described.dataset().num_records(), 2);
}

TEST_F(CognitoSyncIntegrationTest, InvalidPoolIdCarriesAwsErrorDetails) {
  auto request = ListRequest("settings");
  request.set_identity_pool_id("not a pool id");
  cognitosync::ListRecordsResponse response;
  auto context = ContextWithDeadline();
  grpc::Status status = stub_->ListRecords(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("InvalidParameterException"));
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "InvalidParameterException");
  EXPECT_EQ(info->domain(), "cognito-sync");
  EXPECT_EQ(info->metadata().at("field"), "IdentityPoolId");
}

TEST_F(CognitoSyncIntegrationTest, StaleSyncCountIsAborted) {
  Write("d", {{"k", "v1"}});
  cognitosync::ListRecordsResponse listed;
  auto context = ContextWithDeadline();
  ASSERT_TRUE(stub_->ListRecords(context.get(), ListRequest("d"), &listed).ok());
  cognitosync::UpdateRecordsRequest update;
  update.set_identity_pool_id(kPool);
  update.set_identity_id(kIdentity);
  update.set_dataset_name("d");
  update.set_sync_session_token(listed.sync_session_token());
  auto* patch = update.add_record_patches();
  patch->set_op("replace");
  patch->set_key("k");
  patch->set_value("v2");
  patch->set_sync_count(0);  // stale: the key is at 1
  cognitosync::UpdateRecordsResponse updated;
  auto context2 = ContextWithDeadline();
  grpc::Status status = stub_->UpdateRecords(context2.get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ResourceConflictException");
}

TEST_F(CognitoSyncIntegrationTest, PaginateListRecordsStreamsEveryPage) {
  std::vector<std::pair<std::string, std::string>> kv;
  for (int i = 0; i < 25; ++i) kv.push_back({"key" + std::to_string(100 + i), "v"});
  Write("many", kv);
  cognitosync::PaginateListRecordsRequest request;
  request.set_identity_pool_id(kPool);
  request.set_identity_id(kIdentity);
  request.set_dataset_name("many");
  request.set_max_results(10);
  auto context = ContextWithDeadline();
  auto reader = stub_->PaginateListRecords(context.get(), request);
  cognitosync::PaginateListRecordsResponse page;
  std::vector<int> sizes;
  std::set<std::string> keys;
  while (reader->Read(&page)) {
    sizes.push_back(page.records_size());
    for (const auto& r : page.records()) keys.insert(r.key());
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(sizes, (std::vector<int>{10, 10, 5}));
  EXPECT_EQ(keys.size(), 25u);
}

TEST_F(CognitoSyncIntegrationTest, PaginateStopsWithErrorOnBadInput) {
  cognitosync::PaginateListDatasetsRequest request;
  request.set_identity_pool_id("bad");
  request.set_identity_id(kIdentity);
  auto context = ContextWithDeadline();
  auto reader = stub_->PaginateListDatasets(context.get(), request);
  cognitosync::PaginateListDatasetsResponse page;
  EXPECT_FALSE(reader->Read(&page));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(ErrorInfoOf(status).has_value());
}

}  // namespace
}  // namespace awsfacade::testing
