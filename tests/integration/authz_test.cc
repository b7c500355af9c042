// Authorization through the server binary (issue 17 §1): a table named by
// its ARN is authorized as the table, GetRecords on the stream its sealed
// iterator reads, the simulator's controls under the policy or not served
// at all; and health answers for each service's own name (§6).
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "awsfacade/simulator/v1/simulator.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;
namespace sim = ::awsfacade::simulator::v1;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAccount[] = "123456789012";  // the server's default --account_id
// The bearer token of the policy's "admin" (its SHA-256 is in the policy).
constexpr char kAdminToken[] = "authz-test-admin";
constexpr char kAdminTokenSha256[] =
    "62de2288beea4127f90d219b3de7e6240088cc119ba1edbf241b7db47da6430e";

// Anyone on loopback may use DynamoDB and Streams on tables a*; the admin
// token may do anything, the simulator's controls included.
std::string PolicyFile() {
  const std::string path = ::testing::TempDir() + "/authz_test_policy.json";
  std::ofstream(path) << R"({"tokens": {"admin": "sha256:)" << kAdminTokenSha256 << R"("},
    "rules": [
      {"callers": ["token:admin"], "operations": ["*"]},
      {"callers": ["peer:*"],
       "operations": ["aws.dynamodb.v1.DynamoDbService/*", "aws.dynamodbstreams.v1.DynamoDbStreamsService/*"],
       "resources": ["arn:aws:dynamodb:*:*:table/a*"]}]})";
  return path;
}

std::string TableArn(const std::string& name, const std::string& region = "us-east-1",
                     const std::string& account = kAccount) {
  return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name;
}

class AuthzIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start({"--authz_policy_file=" + PolicyFile()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    ddb_ = ddb::DynamoDbService::NewStub(channel);
    streams_ = streams::DynamoDbStreamsService::NewStub(channel);
    sim_ = sim::SimulatorService::NewStub(channel);
  }

  static std::unique_ptr<grpc::ClientContext> Admin() {
    auto context = ContextWithDeadline();
    context->AddMetadata("authorization", std::string("Bearer ") + kAdminToken);
    return context;
  }

  // As the admin: a table keyed by pk (S) with a KEYS_ONLY stream; its stream ARN.
  std::string CreateTable(const std::string& name) {
    ddb::CreateTableResponse response;
    grpc::Status status = ddb_->CreateTable(
        Admin().get(), backends::simulator::dynamodb_test::TableRequest(name, "KEYS_ONLY"),
        &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.table_description().latest_stream_arn();
  }

  grpc::Status Put(const std::string& table_name, const std::string& pk,
                   std::unique_ptr<grpc::ClientContext> context = ContextWithDeadline()) {
    ddb::PutItemRequest request;
    request.set_table_name(table_name);
    (*request.mutable_item())["pk"].set_s(pk);
    ddb::PutItemResponse response;
    return ddb_->PutItem(context.get(), request, &response);
  }

  grpc::Status Get(const std::string& table_name, const std::string& pk) {
    ddb::GetItemRequest request;
    request.set_table_name(table_name);
    (*request.mutable_key())["pk"].set_s(pk);
    ddb::GetItemResponse response;
    return ddb_->GetItem(ContextWithDeadline().get(), request, &response);
  }

  // The TRIM_HORIZON iterator of the stream's first shard.
  std::string FirstIterator(const std::string& stream_arn,
                            std::unique_ptr<grpc::ClientContext> context) {
    streams::DescribeStreamRequest describe;
    describe.set_stream_arn(stream_arn);
    streams::DescribeStreamResponse described;
    grpc::Status status = streams_->DescribeStream(Admin().get(), describe, &described);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (described.stream_description().shards_size() == 0) return "";
    streams::GetShardIteratorRequest request;
    request.set_stream_arn(stream_arn);
    request.set_shard_id(described.stream_description().shards(0).shard_id());
    request.set_shard_iterator_type("TRIM_HORIZON");
    streams::GetShardIteratorResponse response;
    status = streams_->GetShardIterator(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.shard_iterator();
  }

  grpc::Status GetRecords(const std::string& iterator, streams::GetRecordsResponse* response) {
    streams::GetRecordsRequest request;
    request.set_shard_iterator(iterator);
    return streams_->GetRecords(ContextWithDeadline().get(), request, response);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ddb::DynamoDbService::Stub> ddb_;
  std::unique_ptr<streams::DynamoDbStreamsService::Stub> streams_;
  std::unique_ptr<sim::SimulatorService::Stub> sim_;
};

TEST_F(AuthzIntegrationTest, TableArnIsAuthorizedAsTheTableItNames) {
  CreateTable("allowed");
  CreateTable("denied");
  ASSERT_TRUE(Put("denied", "secret", Admin()).ok());

  EXPECT_TRUE(Put("allowed", "k").ok());
  EXPECT_TRUE(Put(TableArn("allowed"), "k").ok());
  EXPECT_TRUE(Get(TableArn("allowed"), "k").ok());
  EXPECT_EQ(Put("denied", "k").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The bypass: "table/" + the ARN of a denied table used to match table/a*.
  for (grpc::Status status : {Put(TableArn("denied"), "k"), Get(TableArn("denied"), "secret")}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("on resource " + TableArn("denied")));
    auto info = ErrorInfoOf(status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "AccessDeniedException");
  }
}

TEST_F(AuthzIntegrationTest, TableArnOfAnotherAccountOrRegionOrKindIsRefused) {
  CreateTable("allowed");
  grpc::Status other_account = Get(TableArn("allowed", "us-east-1", "999999999999"), "k");
  EXPECT_EQ(other_account.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other_account.error_message(), HasSubstr("account 999999999999"));
  grpc::Status other_region = Get(TableArn("allowed", "eu-west-1"), "k");
  EXPECT_EQ(other_region.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(other_region.error_message(), HasSubstr("Invalid AWS region"));
  for (const std::string& bad :
       std::vector<std::string>{TableArn("allowed") + "/index/byDate", "arn:aws:s3:::allowed",
                                "arn:aws:dynamodb:us-east-1", "a/b"}) {
    grpc::Status status = Get(bad, "k");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    auto info = ErrorInfoOf(status);
    ASSERT_TRUE(info.has_value()) << bad;
    EXPECT_EQ(info->reason(), "ValidationException");
  }
}

TEST_F(AuthzIntegrationTest, GetRecordsIsAuthorizedOnTheStreamOfItsIterator) {
  const std::string allowed = CreateTable("allowed");
  const std::string denied = CreateTable("denied");
  ASSERT_TRUE(Put("allowed", "a1").ok());
  ASSERT_TRUE(Put("denied", "d1", Admin()).ok());

  // Without any "*" rule: the iterator carries its stream.
  streams::GetRecordsResponse page;
  grpc::Status status = GetRecords(FirstIterator(allowed, ContextWithDeadline()), &page);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(page.records_size(), 1);
  EXPECT_EQ(page.records(0).dynamodb().keys().at("pk").s(), "a1");
  ASSERT_FALSE(page.next_shard_iterator().empty());
  streams::GetRecordsResponse next;
  status = GetRecords(page.next_shard_iterator(), &next);
  EXPECT_TRUE(status.ok()) << "the next iterator is sealed too: " << status.error_message();

  // The admin's iterator of the denied stream does not carry its rights.
  status = GetRecords(FirstIterator(denied, Admin()), &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("on resource " + denied));

  // A forged or foreign iterator is invalid, never "no resource".
  for (const std::string& forged : {std::string("opaque"), allowed + "|1|AAAA"}) {
    status = GetRecords(forged, &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << forged;
    auto info = ErrorInfoOf(status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "ValidationException");
  }
}

TEST_F(AuthzIntegrationTest, ContinuationTokenOfAnotherStreamDoesNotCarryItsRights) {
  const std::string allowed = CreateTable("allowed");
  const std::string denied = CreateTable("denied");
  // The admin's token for the denied stream.
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(denied);
  request.mutable_starting_position()->set_type("TRIM_HORIZON");
  request.mutable_options()->mutable_lifetime()->set_nanos(200'000'000);
  auto admin = Admin();
  auto reader = streams_->SubscribeToStream(admin.get(), request);
  streams::SubscribeToStreamResponse event;
  while (reader->Read(&event)) {
  }
  ASSERT_TRUE(reader->Finish().ok());
  const auto& trailers = admin->GetServerTrailingMetadata();
  auto token = trailers.find("awsfacade-continuation-token");
  ASSERT_NE(token, trailers.end());

  // Used by the loopback caller on the allowed stream: refused, not resumed.
  request.set_stream_arn(allowed);
  request.mutable_starting_position()->set_type("CONTINUATION");
  request.mutable_starting_position()->set_continuation_token(
      std::string(token->second.data(), token->second.size()));
  auto context = ContextWithDeadline();
  auto other = streams_->SubscribeToStream(context.get(), request);
  EXPECT_FALSE(other->Read(&event));
  grpc::Status status = other->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("another stream"));
}

TEST_F(AuthzIntegrationTest, SimulatorControlsNeedARule) {
  sim::ResetResponse reset;
  grpc::Status status = sim_->Reset(ContextWithDeadline().get(), sim::ResetRequest(), &reset);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("awsfacade.simulator.v1.SimulatorService/Reset"));
  sim::SetFaultsRequest faults;
  auto* rule = faults.add_rules();
  rule->set_kind(sim::FAULT_KIND_THROTTLE);
  sim::SetFaultsResponse set;
  EXPECT_EQ(sim_->SetFaults(ContextWithDeadline().get(), faults, &set).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  sim::AdvanceClockRequest advance;
  advance.mutable_by()->set_seconds(60);
  sim::AdvanceClockResponse advanced;
  EXPECT_EQ(sim_->AdvanceClock(ContextWithDeadline().get(), advance, &advanced).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nothing was injected: a write still succeeds.
  CreateTable("allowed");
  EXPECT_TRUE(Put("allowed", "k").ok());

  status = sim_->Reset(Admin().get(), sim::ResetRequest(), &reset);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Get("allowed", "k").error_code(), grpc::StatusCode::NOT_FOUND) << "the reset happened";
}

// The service names reflection lists.
std::set<std::string> ListedServices(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel);
  auto context = ContextWithDeadline();
  auto stream = stub->ServerReflectionInfo(context.get());
  grpc::reflection::v1::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1::ServerReflectionResponse response;
  std::set<std::string> names;
  if (stream->Write(request) && stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service())
      names.insert(service.name());
  }
  stream->WritesDone();
  stream->Finish();
  return names;
}

grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                         grpc::health::v1::HealthCheckResponse* response) {
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  return grpc::health::v1::Health::NewStub(channel)->Check(ContextWithDeadline().get(), request,
                                                           response);
}

TEST(SimulatorControlFlagTest, OffMeansNotServedNotListedNotHealthy) {
  auto server = ServerProcess::Start({"--serve_simulator_control=false"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  sim::ResetResponse reset;
  grpc::Status status = sim::SimulatorService::NewStub(channel)->Reset(ContextWithDeadline().get(),
                                                                       sim::ResetRequest(), &reset);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
  const std::set<std::string> listed = ListedServices(channel);
  EXPECT_THAT(listed, Contains("aws.dynamodb.v1.DynamoDbService")) << "reflection answered";
  EXPECT_THAT(listed, Not(Contains("awsfacade.simulator.v1.SimulatorService")));
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_EQ(HealthCheck(channel, "awsfacade.simulator.v1.SimulatorService", &health).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(HealthTest, AnswersForEachServiceByItsFullName) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  for (const char* name :
       {"", "aws.cognitosync.v1.CognitoSyncService", "aws.personalize.v1.PersonalizeService",
        "aws.dynamodbstreams.v1.DynamoDbStreamsService", "aws.dynamodb.v1.DynamoDbService",
        "awsfacade.simulator.v1.SimulatorService"}) {
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = HealthCheck(channel, name, &response);
    ASSERT_TRUE(status.ok()) << "'" << name << "': " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << name;
  }
  for (const char* unknown :
       {"aws.dynamodb.v1.NoSuchService", "aws.dynamodb.v1", "DynamoDbService"}) {
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_EQ(HealthCheck(channel, unknown, &response).error_code(), grpc::StatusCode::NOT_FOUND)
        << unknown;
  }
}

}  // namespace
}  // namespace awsfacade::testing
