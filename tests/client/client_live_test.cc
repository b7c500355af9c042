// The client library against the real awsfacade-server binary (simulator
// backend) on a loopback port: pagination, AWS errors, retries honouring the
// server's RetryInfo, per-call deadlines, and subscriptions that resume
// across a cut connection (through TcpProxy) without loss or duplication.
#include <csignal>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "awsfacade/simulator/v1/simulator.grpc.pb.h"
#include "client/dynamodb_client.h"
#include "client/dynamodb_streams_client.h"
#include "client/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/tcp_proxy.h"
#include "tests/integration/server_process.h"

namespace awsfacade::client {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;
namespace sim = ::awsfacade::simulator::v1;
using ::awsfacade::testing::ServerProcess;
using ::awsfacade::testing::TcpProxy;
using ::testing::ElementsAreArray;

class ClientLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    options_.endpoint = server_->address();
    options_.retry_policy.initial_backoff = absl::Milliseconds(1);
    options_.retry_policy.max_backoff = absl::Milliseconds(5);
    ddb_ = std::make_unique<DynamoDbClient>(MakeDynamoDbConnection(options_));
    streams_ = std::make_unique<DynamoDbStreamsClient>(MakeDynamoDbStreamsConnection(options_));
    sim_ = sim::SimulatorService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  // A table keyed by pk (S) with a NEW_IMAGE stream; returns the stream ARN.
  std::string CreateTable(const std::string& name) {
    ddb::CreateTableRequest request;
    request.set_table_name(name);
    auto* pk = request.add_attribute_definitions();
    pk->set_attribute_name("pk");
    pk->set_attribute_type("S");
    auto* hash = request.add_key_schema();
    hash->set_attribute_name("pk");
    hash->set_key_type("HASH");
    request.set_billing_mode("PAY_PER_REQUEST");
    request.mutable_stream_specification()->set_stream_enabled(true);
    request.mutable_stream_specification()->set_stream_view_type("NEW_IMAGE");
    auto response = ddb_->CreateTable(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->table_description().latest_stream_arn() : "";
  }

  void Put(const std::string& table, const std::string& pk) {
    ddb::PutItemRequest request;
    request.set_table_name(table);
    (*request.mutable_item())["pk"].set_s(pk);
    auto response = ddb_->PutItem(request);
    ASSERT_TRUE(response.ok()) << response.status();
  }

  void SetFault(const std::string& service, const std::string& operation, sim::FaultKind kind,
                int max_count, absl::Duration latency = absl::ZeroDuration()) {
    sim::SetFaultsRequest request;
    auto* rule = request.add_rules();
    rule->set_service(service);
    rule->set_operation(operation);
    rule->set_kind(kind);
    rule->set_max_count(max_count);
    if (latency > absl::ZeroDuration())
      rule->mutable_latency()->set_seconds(absl::ToInt64Seconds(latency));
    sim::SetFaultsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(sim_->SetFaults(&context, request, &response).ok());
  }

  std::unique_ptr<ServerProcess> server_;
  ConnectionOptions options_;
  std::unique_ptr<DynamoDbClient> ddb_;
  std::unique_ptr<DynamoDbStreamsClient> streams_;
  std::unique_ptr<sim::SimulatorService::Stub> sim_;
};

TEST_F(ClientLiveTest, ListAllStreamsFollowsPagesOfOne) {
  std::vector<std::string> created = {CreateTable("alpha"), CreateTable("bravo"),
                                      CreateTable("charlie")};
  streams::ListStreamsRequest request;
  request.set_limit(1);  // one stream per page: three pages
  std::vector<std::string> listed;
  for (auto& stream : streams_->ListAllStreams(request)) {
    ASSERT_TRUE(stream.ok()) << stream.status();
    listed.push_back(stream->stream_arn());
  }
  std::sort(listed.begin(), listed.end());
  std::sort(created.begin(), created.end());
  EXPECT_THAT(listed, ElementsAreArray(created));
}

TEST_F(ClientLiveTest, AwsErrorNameIsReadableFromTheStatus) {
  streams::DescribeStreamRequest request;
  request.set_stream_arn(
      "arn:aws:dynamodb:us-east-1:123456789012:table/nope/stream/2024-01-01T00:00:00.000");
  auto response = streams_->DescribeStream(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(AwsErrorName(response.status()), "ResourceNotFoundException");
  EXPECT_THAT(std::string(response.status().message()),
              ::testing::StartsWith("ResourceNotFoundException: "));
}

TEST_F(ClientLiveTest, RetriesInjectedThrottlingAfterTheServersRetryInfoDelay) {
  CreateTable("throttled");
  SetFault("dynamodbstreams", "ListStreams", sim::FAULT_KIND_THROTTLE, /*max_count=*/3);
  absl::Time start = absl::Now();
  auto response = streams_->ListStreams({});  // 3 throttles, then the 4th attempt of 5 succeeds
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->streams_size(), 1);
  // Our own backoff is 1-5 ms (15 ms at most for three waits); the simulator's
  // injected throttles carry RetryInfo 50 ms each.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
}

TEST_F(ClientLiveTest, InjectedThrottlingSurfacesWhenRetriesRunOut) {
  SetFault("dynamodbstreams", "ListStreams", sim::FAULT_KIND_THROTTLE, /*max_count=*/0);
  CallOptions call;
  call.retry_policy = options_.retry_policy;
  call.retry_policy->max_attempts = 2;
  auto response = streams_->ListStreams({}, call);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(AwsErrorName(response.status()).has_value());
  EXPECT_TRUE(RetryDelay(response.status()).has_value());
}

TEST_F(ClientLiveTest, PerCallDeadlineCutsASlowCall) {
  SetFault("dynamodbstreams", "ListStreams", sim::FAULT_KIND_LATENCY, /*max_count=*/0,
           absl::Seconds(3));
  CallOptions call;
  call.timeout = absl::Milliseconds(300);
  absl::Time start = absl::Now();
  auto response = streams_->ListStreams({}, call);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(ClientLiveTest, PerClientDeadlineAppliesToEveryCall) {
  SetFault("dynamodbstreams", "ListStreams", sim::FAULT_KIND_LATENCY, /*max_count=*/0,
           absl::Seconds(3));
  CallOptions defaults;
  defaults.timeout = absl::Milliseconds(300);
  DynamoDbStreamsClient client(MakeDynamoDbStreamsConnection(options_), defaults);
  absl::Time start = absl::Now();
  EXPECT_EQ(client.ListStreams({}).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// Reads events until `want` records arrived (or the range ends); appends
// the records' pk values.
void ReadRecords(StreamRange<streams::SubscribeToStreamResponse>::iterator& it,
                 StreamRange<streams::SubscribeToStreamResponse>& range, size_t want,
                 std::vector<std::string>& pks) {
  while (pks.size() < want && it != range.end()) {
    ASSERT_TRUE(it->ok()) << it->status() << "; records so far: " << absl::StrJoin(pks, ", ");
    for (auto& r : (*it)->records().records())
      pks.push_back(r.record().dynamodb().new_image().at("pk").s());
    if (pks.size() >= want) return;
    ++it;
  }
}

// A whole-stream subscription from the oldest record, heartbeating often.
streams::SubscribeToStreamRequest FromTrimHorizon(const std::string& arn) {
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_starting_position()->set_type("TRIM_HORIZON");
  request.mutable_options()->mutable_heartbeat_interval()->set_nanos(200 * 1000 * 1000);
  return request;
}

// A lost record would otherwise leave the loop reading heartbeats until
// ctest's timeout, with nothing printed.
CallOptions WithinAMinute() {
  CallOptions call;
  call.timeout = absl::Seconds(60);
  return call;
}

TEST_F(ClientLiveTest, SubscriptionResumesAcrossACutConnectionWithoutLossOrDuplicates) {
  const std::string arn = CreateTable("tail");
  for (int i = 0; i < 5; ++i) Put("tail", "item-" + std::to_string(i));

  auto proxy = TcpProxy::Start(server_->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  ConnectionOptions via_proxy = options_;
  via_proxy.endpoint = (*proxy)->address();
  DynamoDbStreamsClient client(MakeDynamoDbStreamsConnection(via_proxy));

  streams::SubscribeToStreamRequest request = FromTrimHorizon(arn);
  request.mutable_options()->set_max_records_per_batch(2);
  auto range = client.SubscribeToStream(request, WithinAMinute());
  auto it = range.begin();
  std::vector<std::string> pks;
  ReadRecords(it, range, 5, pks);
  ASSERT_EQ(pks.size(), 5u);
  const int connections_before = (*proxy)->accepted();

  // Cut every connection, write more while the subscription is down.
  (*proxy)->CutAll();
  for (int i = 5; i < 10; ++i) Put("tail", "item-" + std::to_string(i));
  ++it;
  ReadRecords(it, range, 10, pks);

  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back("item-" + std::to_string(i));
  EXPECT_THAT(pks, ElementsAreArray(expected));
  EXPECT_GT((*proxy)->accepted(), connections_before);  // it did reconnect
}

// The rolling-update case: the server stops gracefully (SIGTERM: UNAVAILABLE
// with the final token) and a new one starts on the same port and state
// directory. The resumed call may reach the old server while it stops, which
// cancels it (CANCELLED, no token); the subscription must go on regardless,
// with nothing lost or repeated.
TEST_F(ClientLiveTest, SubscriptionResumesAcrossAGracefulServerRestart) {
  const std::string state_dir =
      ::testing::TempDir() + "/graceful-restart-" + std::to_string(getpid());
  auto first = ServerProcess::Start({"--state_dir=" + state_dir});
  ASSERT_TRUE(first.ok()) << first.status();
  const int port = (*first)->port();
  ConnectionOptions options = options_;
  options.endpoint = (*first)->address();
  // The CLI's tail waits: 100 ms first, so the resumed call tends to reach
  // the stopping server. Enough attempts to outlast the restart.
  options.retry_policy = RetryPolicy{};
  options.retry_policy.max_attempts = 100;
  options.retry_policy.max_backoff = absl::Milliseconds(200);
  ddb_ = std::make_unique<DynamoDbClient>(
      MakeDynamoDbConnection(options));  // CreateTable and Put use it
  DynamoDbStreamsClient client(MakeDynamoDbStreamsConnection(options));
  const std::string arn = CreateTable("rolling");
  for (int i = 0; i < 3; ++i) Put("rolling", "item-" + std::to_string(i));

  auto range = client.SubscribeToStream(FromTrimHorizon(arn), WithinAMinute());
  auto it = range.begin();
  std::vector<std::string> pks;
  ReadRecords(it, range, 3, pks);
  ASSERT_EQ(pks.size(), 3u);

  EXPECT_EQ((*first)->SignalAndWait(SIGTERM), 0);
  auto second = ServerProcess::Start(
      {"--state_dir=" + state_dir, "--listen=127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(second.ok()) << second.status();
  for (int i = 3; i < 6; ++i) Put("rolling", "item-" + std::to_string(i));
  ++it;
  ReadRecords(it, range, 6, pks);

  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) expected.push_back("item-" + std::to_string(i));
  EXPECT_THAT(pks, ElementsAreArray(expected));
}

TEST_F(ClientLiveTest, PerCallDeadlineEndsAnIdleSubscription) {
  const std::string arn = CreateTable("idle");
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_starting_position()->set_type("LATEST");
  CallOptions call;
  call.timeout = absl::Milliseconds(500);
  absl::Time start = absl::Now();
  absl::Status end;
  for (auto& event : streams_->SubscribeToStream(request, call)) {
    if (!event.ok()) end = event.status();
  }
  EXPECT_EQ(end.code(), absl::StatusCode::kDeadlineExceeded);  // not retried, not resumed
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(450));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(ClientLiveTest, ServerShutdownEndsWithUnavailableAndTheFinalToken) {
  const std::string arn = CreateTable("shutdown");
  Put("shutdown", "a");
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_starting_position()->set_type("TRIM_HORIZON");
  CallOptions call;
  call.retry_policy = options_.retry_policy;
  call.retry_policy->max_attempts = 1;  // no resume: look at the raw end
  auto range = streams_->SubscribeToStream(request, call);
  auto it = range.begin();
  ASSERT_NE(it, range.end());
  ASSERT_TRUE(it->ok()) << it->status();
  server_->SignalAndWait(SIGTERM);
  absl::Status end;
  for (++it; it != range.end(); ++it) {
    if (!it->ok()) end = it->status();
  }
  EXPECT_EQ(end.code(), absl::StatusCode::kUnavailable);
  auto token = ContinuationToken(end);
  ASSERT_TRUE(token.has_value());
  EXPECT_FALSE(token->empty());
}

}  // namespace
}  // namespace awsfacade::client
