// Personalize end to end, including boto3 paginator semantics over gRPC
// and the simulator's clock and fault controls.
#include "aws/personalize/v1/personalize.grpc.pb.h"
#include "awsfacade/simulator/v1/simulator.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

namespace personalize = ::aws::personalize::v1;
namespace sim = ::awsfacade::simulator::v1;

constexpr char kSchema[] =
    R"({"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",)"
    R"("fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},)"
    R"({"name":"TIMESTAMP","type":"long"}],"version":"1.0"})";

class PersonalizeIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start({"--region=eu-west-1", "--account_id=111122223333"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = personalize::PersonalizeService::NewStub(channel);
    sim_ = sim::SimulatorService::NewStub(channel);
  }

  void AdvanceClock(int seconds) {
    sim::AdvanceClockRequest request;
    request.mutable_by()->set_seconds(seconds);
    sim::AdvanceClockResponse response;
    auto context = ContextWithDeadline();
    ASSERT_TRUE(sim_->AdvanceClock(context.get(), request, &response).ok());
  }

  // Creates `groups` dataset groups with `per_group` datasets each (types
  // cycle through the five Personalize dataset types).
  std::vector<std::string> CreateDatasets(int groups, int per_group) {
    static const char* kTypes[] = {"Interactions", "Items", "Users", "Actions",
                                   "Action_Interactions"};
    personalize::CreateSchemaRequest schema;
    schema.set_name("schema");
    schema.set_schema(kSchema);
    personalize::CreateSchemaResponse schema_response;
    auto c0 = ContextWithDeadline();
    grpc::Status s0 = stub_->CreateSchema(c0.get(), schema, &schema_response);
    EXPECT_TRUE(s0.ok()) << s0.error_message();
    std::vector<std::string> group_arns;
    for (int g = 0; g < groups; ++g) {
      personalize::CreateDatasetGroupRequest group;
      group.set_name("group-" + std::to_string(g));
      personalize::CreateDatasetGroupResponse group_response;
      auto c = ContextWithDeadline();
      grpc::Status s = stub_->CreateDatasetGroup(c.get(), group, &group_response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      group_arns.push_back(group_response.dataset_group_arn());
    }
    AdvanceClock(3600);  // CREATE PENDING → ACTIVE
    for (int g = 0; g < groups; ++g) {
      for (int d = 0; d < per_group; ++d) {
        personalize::CreateDatasetRequest dataset;
        dataset.set_name("ds-" + std::to_string(g) + "-" + std::to_string(d));
        dataset.set_schema_arn(schema_response.schema_arn());
        dataset.set_dataset_group_arn(group_arns[g]);
        dataset.set_dataset_type(kTypes[d]);
        personalize::CreateDatasetResponse dataset_response;
        auto c = ContextWithDeadline();
        grpc::Status s = stub_->CreateDataset(c.get(), dataset, &dataset_response);
        EXPECT_TRUE(s.ok()) << s.error_message();
      }
    }
    return group_arns;
  }

  struct Run {
    std::vector<std::string> names;
    std::vector<int> page_sizes;
    std::string resume_token;
    grpc::Status status;
  };
  Run Paginate(const std::string& group, std::optional<int> max_items, std::optional<int> page_size,
               const std::string& starting_token) {
    personalize::PaginateListDatasetsRequest request;
    request.set_dataset_group_arn(group);
    if (max_items) request.mutable_pagination_config()->set_max_items(*max_items);
    if (page_size) request.mutable_pagination_config()->set_page_size(*page_size);
    request.mutable_pagination_config()->set_starting_token(starting_token);
    auto context = ContextWithDeadline();
    auto reader = stub_->PaginateListDatasets(context.get(), request);
    personalize::PaginateListDatasetsResponse page;
    Run run;
    while (reader->Read(&page)) {
      run.page_sizes.push_back(page.datasets_size());
      for (const auto& d : page.datasets()) run.names.push_back(d.name());
      if (!page.resume_token().empty()) run.resume_token = page.resume_token();
    }
    run.status = reader->Finish();
    return run;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<personalize::PersonalizeService::Stub> stub_;
  std::unique_ptr<sim::SimulatorService::Stub> sim_;
};

TEST_F(PersonalizeIntegrationTest, ArnsUseConfiguredRegionAndAccount) {
  auto groups = CreateDatasets(1, 1);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0], "arn:aws:personalize:eu-west-1:111122223333:dataset-group/group-0");
  personalize::ListDatasetsRequest request;
  request.set_dataset_group_arn(groups[0]);
  personalize::ListDatasetsResponse response;
  auto context = ContextWithDeadline();
  ASSERT_TRUE(stub_->ListDatasets(context.get(), request, &response).ok());
  ASSERT_EQ(response.datasets_size(), 1);
  EXPECT_EQ(response.datasets(0).dataset_arn(),
            "arn:aws:personalize:eu-west-1:111122223333:dataset/group-0/INTERACTIONS");
}

TEST_F(PersonalizeIntegrationTest, PaginatorMaxItemsAndResumeRestartsAtNextItem) {
  CreateDatasets(3, 5);  // 15 datasets
  Run all = Paginate("", std::nullopt, 4, "");
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  ASSERT_EQ(all.names.size(), 15u);
  EXPECT_EQ(all.page_sizes, (std::vector<int>{4, 4, 4, 3}));
  EXPECT_EQ(all.resume_token, "");

  // Stop inside a page, then resume repeatedly: every dataset exactly once, in order.
  std::vector<std::string> seen;
  std::string token;
  for (int i = 0; i < 20; ++i) {
    Run part = Paginate("", 6, 4, token);
    ASSERT_TRUE(part.status.ok()) << part.status.error_message();
    seen.insert(seen.end(), part.names.begin(), part.names.end());
    if (part.resume_token.empty()) break;
    token = part.resume_token;
  }
  EXPECT_EQ(seen, all.names);
}

TEST_F(PersonalizeIntegrationTest, ForgedNextTokenIsInvalidNextToken) {
  CreateDatasets(1, 2);
  personalize::ListDatasetsRequest request;
  request.set_next_token("forged-token");
  personalize::ListDatasetsResponse response;
  auto context = ContextWithDeadline();
  grpc::Status status = stub_->ListDatasets(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "InvalidNextTokenException");
  EXPECT_EQ(info->domain(), "personalize");
}

TEST_F(PersonalizeIntegrationTest, InjectedThrottlingCarriesRetryInfo) {
  sim::SetFaultsRequest faults;
  auto* rule = faults.add_rules();
  rule->set_service("personalize");
  rule->set_operation("ListDatasets");
  rule->set_kind(sim::FAULT_KIND_THROTTLE);
  rule->set_max_count(1);
  sim::SetFaultsResponse faults_response;
  auto c0 = ContextWithDeadline();
  ASSERT_TRUE(sim_->SetFaults(c0.get(), faults, &faults_response).ok());

  personalize::ListDatasetsRequest request;
  personalize::ListDatasetsResponse response;
  auto c1 = ContextWithDeadline();
  grpc::Status status = stub_->ListDatasets(c1.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ThrottlingException");
  EXPECT_TRUE(RetryInfoOf(status).has_value());

  auto c2 = ContextWithDeadline();  // max_count 1: the next call goes through
  EXPECT_TRUE(stub_->ListDatasets(c2.get(), request, &response).ok());
}

}  // namespace
}  // namespace awsfacade::testing
