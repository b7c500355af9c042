// The thin handlers over StrictMock backends, through a real gRPC server on
// a loopback port: requests reach the backend as sent, answers and AWS
// errors come back as the contract says, and paginating streams follow the
// service tokens.
#include <memory>

#include "aws/cognitosync/v1/cognitosync.grpc.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "aws/personalize/v1/personalize.grpc.pb.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "service/authorizer.h"
#include "service/cognito_sync_service.h"
#include "service/dynamodb_streams_service.h"
#include "service/personalize_service.h"
#include "tests/common/grpc_status.h"
#include "tests/service/mock_backends.h"

namespace awsfacade::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::_;
using ::testing::Property;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Truly;

template <typename Service, typename Mock>
struct InProcess {
  explicit InProcess(std::shared_ptr<Mock> mock) : service(mock, &executor, &timers) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                  grpc::InsecureChannelCredentials());
  }
  ~InProcess() { server->Shutdown(); }
  service::InlineExecutor executor;
  service::Scheduler timers;
  Service service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
};

using ::awsfacade::testutil::ErrorInfoOf;

TEST(CognitoSyncHandlerTest, ForwardsRequestAndReturnsResponse) {
  auto mock = std::make_shared<StrictMock<MockCognitoSyncBackend>>();
  InProcess<service::CognitoSyncService, MockCognitoSyncBackend> p(mock);
  cs::ListRecordsRequest request;
  request.set_identity_pool_id("us-east-1:0000");
  request.set_dataset_name("d");
  request.set_max_results(5);
  cs::ListRecordsResponse canned;
  canned.add_records()->set_key("k");
  canned.set_dataset_exists(true);
  EXPECT_CALL(*mock, ListRecords(Truly([&](const cs::ListRecordsRequest& got) {
    return MessageDifferencer::Equals(got, request);
  }))).WillOnce(Return(canned));
  auto stub = cs::CognitoSyncService::NewStub(p.channel);
  grpc::ClientContext context;
  cs::ListRecordsResponse response;
  ASSERT_TRUE(stub->ListRecords(&context, request, &response).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(response, canned));
}

TEST(CognitoSyncHandlerTest, AwsErrorBecomesGrpcStatusWithErrorInfo) {
  auto mock = std::make_shared<StrictMock<MockCognitoSyncBackend>>();
  InProcess<service::CognitoSyncService, MockCognitoSyncBackend> p(mock);
  absl::Status error =
      backends::AwsError("ResourceNotFoundException", "no dataset d", "DatasetName");
  backends::SetAwsRequestId(error, "req-1");
  EXPECT_CALL(*mock, DescribeDataset(_)).WillOnce(Return(error));
  auto stub = cs::CognitoSyncService::NewStub(p.channel);
  grpc::ClientContext context;
  cs::DescribeDatasetResponse response;
  grpc::Status status = stub->DescribeDataset(&context, cs::DescribeDatasetRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "ResourceNotFoundException: no dataset d");
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "ResourceNotFoundException");
  EXPECT_EQ(info->domain(), "cognito-sync");
  EXPECT_EQ(info->metadata().at("field"), "DatasetName");
  EXPECT_EQ(info->metadata().at("awsRequestId"), "req-1");
}

TEST(CognitoSyncHandlerTest, PaginateListRecordsFollowsNextTokenToTheEnd) {
  auto mock = std::make_shared<StrictMock<MockCognitoSyncBackend>>();
  InProcess<service::CognitoSyncService, MockCognitoSyncBackend> p(mock);
  auto page = [](const std::string& key, const std::string& next) {
    cs::ListRecordsResponse r;
    r.add_records()->set_key(key);
    r.set_next_token(next);
    return r;
  };
  ::testing::InSequence in_order;
  EXPECT_CALL(*mock, ListRecords(Truly([](const auto& r) {
    return r.next_token().empty() && r.max_results() == 1;
  }))).WillOnce(Return(page("a", "t1")));
  EXPECT_CALL(*mock, ListRecords(Truly([](const auto& r) {
    return r.next_token() == "t1";
  }))).WillOnce(Return(page("b", "t2")));
  EXPECT_CALL(*mock, ListRecords(Truly([](const auto& r) {
    return r.next_token() == "t2";
  }))).WillOnce(Return(page("c", "")));
  auto stub = cs::CognitoSyncService::NewStub(p.channel);
  grpc::ClientContext context;
  cs::PaginateListRecordsRequest request;
  request.set_max_results(1);
  auto reader = stub->PaginateListRecords(&context, request);
  cs::PaginateListRecordsResponse got;
  std::vector<std::string> keys;
  while (reader->Read(&got)) keys.push_back(got.records(0).key());
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(CognitoSyncHandlerTest, PaginateStopsAtTheFirstError) {
  auto mock = std::make_shared<StrictMock<MockCognitoSyncBackend>>();
  InProcess<service::CognitoSyncService, MockCognitoSyncBackend> p(mock);
  cs::ListDatasetsResponse first;
  first.add_datasets()->set_dataset_name("a");
  first.set_next_token("t1");
  EXPECT_CALL(*mock, ListDatasets(_))
      .WillOnce(Return(first))
      .WillOnce(Return(backends::AwsError("TooManyRequestsException", "slow down")));
  auto stub = cs::CognitoSyncService::NewStub(p.channel);
  grpc::ClientContext context;
  auto reader = stub->PaginateListDatasets(&context, cs::PaginateListDatasetsRequest());
  cs::PaginateListDatasetsResponse got;
  int pages = 0;
  while (reader->Read(&got)) ++pages;
  grpc::Status status = reader->Finish();
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_TRUE(ErrorInfoOf(status).has_value());
  EXPECT_EQ(ErrorInfoOf(status)->reason(), "TooManyRequestsException");
}

TEST(PersonalizeHandlerTest, PaginatorSendsPageSizeAndCutsAtMaxItems) {
  auto mock = std::make_shared<StrictMock<MockPersonalizeBackend>>();
  InProcess<service::PersonalizeService, MockPersonalizeBackend> p(mock);
  auto page = [](int first, const std::string& next) {
    pz::ListDatasetsResponse r;
    for (int i = first; i < first + 3; ++i) r.add_datasets()->set_name("ds" + std::to_string(i));
    r.set_next_token(next);
    return r;
  };
  ::testing::InSequence in_order;
  EXPECT_CALL(*mock, ListDatasets(Truly([](const auto& r) {
    return r.max_results() == 3 && r.next_token().empty() && r.dataset_group_arn() == "arn:g";
  }))).WillOnce(Return(page(0, "t3")));
  EXPECT_CALL(*mock, ListDatasets(Truly([](const auto& r) {
    return r.next_token() == "t3";
  }))).WillOnce(Return(page(3, "t6")));
  auto stub = pz::PersonalizeService::NewStub(p.channel);
  grpc::ClientContext context;
  pz::PaginateListDatasetsRequest request;
  request.set_dataset_group_arn("arn:g");
  request.mutable_pagination_config()->set_max_items(4);
  request.mutable_pagination_config()->set_page_size(3);
  auto reader = stub->PaginateListDatasets(&context, request);
  pz::PaginateListDatasetsResponse got;
  std::vector<int> sizes;
  std::string resume;
  while (reader->Read(&got)) {
    sizes.push_back(got.datasets_size());
    resume = got.resume_token();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(sizes, (std::vector<int>{3, 1}));
  // botocore's token for {"nextToken": "t3", "boto_truncate_amount": 1}.
  EXPECT_EQ(resume, "eyJuZXh0VG9rZW4iOiAidDMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==");
}

TEST(PersonalizeHandlerTest, BadStartingTokenNeverReachesTheBackend) {
  auto mock = std::make_shared<StrictMock<MockPersonalizeBackend>>();  // any call fails the test
  InProcess<service::PersonalizeService, MockPersonalizeBackend> p(mock);
  auto stub = pz::PersonalizeService::NewStub(p.channel);
  grpc::ClientContext context;
  pz::PaginateListDatasetsRequest request;
  request.mutable_pagination_config()->set_starting_token("a___b___c");
  auto reader = stub->PaginateListDatasets(&context, request);
  pz::PaginateListDatasetsResponse got;
  EXPECT_FALSE(reader->Read(&got));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(ErrorInfoOf(status).has_value());
  EXPECT_EQ(ErrorInfoOf(status)->reason(), "InvalidNextTokenException");
  EXPECT_EQ(ErrorInfoOf(status)->metadata().at("field"), "PaginationConfig.StartingToken");
}

TEST(PersonalizeHandlerTest, EveryUnaryRpcReachesItsBackendMethod) {
  auto mock = std::make_shared<StrictMock<MockPersonalizeBackend>>();
  InProcess<service::PersonalizeService, MockPersonalizeBackend> p(mock);
  auto stub = pz::PersonalizeService::NewStub(p.channel);
#define AWSFACADE_CALL(Op)                                                     \
  {                                                                            \
    EXPECT_CALL(*mock, Op(_)).WillOnce(Return(pz::Op##Response()));            \
    grpc::ClientContext context;                                               \
    pz::Op##Response response;                                                 \
    EXPECT_TRUE(stub->Op(&context, pz::Op##Request(), &response).ok()) << #Op; \
  }
  AWSFACADE_CALL(CreateDatasetGroup)
  AWSFACADE_CALL(DescribeDatasetGroup)
  AWSFACADE_CALL(ListDatasetGroups)
  AWSFACADE_CALL(DeleteDatasetGroup)
  AWSFACADE_CALL(CreateSchema)
  AWSFACADE_CALL(DescribeSchema)
  AWSFACADE_CALL(ListSchemas)
  AWSFACADE_CALL(DeleteSchema)
  AWSFACADE_CALL(CreateDataset)
  AWSFACADE_CALL(DescribeDataset)
  AWSFACADE_CALL(ListDatasets)
  AWSFACADE_CALL(DeleteDataset)
#undef AWSFACADE_CALL
}

// Under a policy the client never holds the backend's iterator: an AWS one
// ("<stream ARN>|1|<opaque>") shows a stream ARN nothing authenticates, so
// the server seals it with the stream it was issued for, authorizes
// GetRecords on that stream, and hands the backend its own iterator back.
TEST(StreamsHandlerTest, UnderAPolicyTheBackendReadsWithItsOwnIterator) {
  const std::string orders =
      "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000";
  const std::string aws_iterator = orders + "|1|AAAAfirst";
  auto authz = service::Authorizer::FromJson(R"({"rules": [{"callers": ["*"], "operations": ["*"],
      "resources": ["arn:aws:dynamodb:*:*:table/orders/stream/*"]}]})",
                                             "us-east-1", "123456789012");
  ASSERT_TRUE(authz.ok()) << authz.status();
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsBackend>>();
  service::InlineExecutor executor;
  service::Scheduler timers;
  service::DynamoDbStreamsService streams(mock, &executor, &timers, nullptr, authz->get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&streams);
  auto server = builder.BuildAndStart();
  auto stub = ds::DynamoDbStreamsService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  ds::GetShardIteratorResponse issued;
  issued.set_shard_iterator(aws_iterator);
  EXPECT_CALL(*mock, GetShardIterator(_)).WillOnce(Return(issued));
  ds::GetShardIteratorRequest get_iterator;
  get_iterator.set_stream_arn(orders);
  ds::GetShardIteratorResponse sealed;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub->GetShardIterator(&c1, get_iterator, &sealed).ok());
  EXPECT_NE(sealed.shard_iterator(), aws_iterator);

  ds::GetRecordsResponse page;
  page.set_next_shard_iterator(orders + "|1|AAAAnext");
  EXPECT_CALL(*mock, GetRecords(Property(&ds::GetRecordsRequest::shard_iterator, aws_iterator)))
      .WillOnce(Return(page));
  ds::GetRecordsRequest get;
  get.set_shard_iterator(sealed.shard_iterator());
  ds::GetRecordsResponse first;
  grpc::ClientContext c2;
  ASSERT_TRUE(stub->GetRecords(&c2, get, &first).ok());
  EXPECT_NE(first.next_shard_iterator(), page.next_shard_iterator());

  EXPECT_CALL(*mock,
              GetRecords(Property(&ds::GetRecordsRequest::shard_iterator, orders + "|1|AAAAnext")))
      .WillOnce(Return(ds::GetRecordsResponse()));
  get.set_shard_iterator(first.next_shard_iterator());
  ds::GetRecordsResponse second;
  grpc::ClientContext c3;
  EXPECT_TRUE(stub->GetRecords(&c3, get, &second).ok());

  // The backend's own iterator, given directly, never reaches it.
  get.set_shard_iterator(aws_iterator);
  grpc::ClientContext c4;
  grpc::Status raw = stub->GetRecords(&c4, get, &second);
  EXPECT_EQ(raw.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(ErrorInfoOf(raw).has_value());
  EXPECT_EQ(ErrorInfoOf(raw)->reason(), "ValidationException");
  server->Shutdown();
}

}  // namespace
}  // namespace awsfacade::testing
