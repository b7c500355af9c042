// Injected latency (SimulatorService.SetFaults, FAULT_KIND_LATENCY) delays
// the matching calls on a timer and holds no thread: unrelated calls on
// other connections, health, page streams and subscriptions carry on while
// delayed calls wait, delayed calls still answer after their delay, and a
// client that gives up frees what its call held. Against the whole server
// (FacadeServer) in process, on a loopback port.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "app/server.h"
#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "aws/personalize/v1/personalize.grpc.pb.h"
#include "backends/simulator/fault_injector.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"

namespace awsfacade::testing {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace ddbs = ::aws::dynamodbstreams::v1;
namespace pz = ::aws::personalize::v1;
using Kind = backends::simulator::FaultInjector::Kind;
using Rule = backends::simulator::FaultInjector::Rule;

// More concurrent delayed calls than gRPC has callback threads (and than the
// subscription engine has workers) on any machine this runs on.
constexpr int kConcurrentCalls = 30;
constexpr absl::Duration kDelay = absl::Seconds(2);
// What an unrelated call may take while delayed calls wait: generous for a
// loaded machine, and well under kDelay (a blocked thread shows as >= kDelay).
constexpr absl::Duration kPrompt = absl::Milliseconds(1500);

Rule Latency(const std::string& service, const std::string& operation, absl::Duration latency,
             int max_count = 0) {
  Rule rule;
  rule.service = service;
  rule.operation = operation;
  rule.kind = Kind::kLatency;
  rule.latency = latency;
  rule.max_count = max_count;
  return rule;
}

// Waits (polling) until `done` or `timeout`; returns done().
template <typename Done>
bool WaitFor(Done done, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(30)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

class LatencyFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    auto server = app::FacadeServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    faults_ = server_->simulator_hooks()->faults;
    ddb_ = ddb::DynamoDbService::NewStub(Connection());
    CreateTable("table");
    ddb::PutItemRequest put;
    put.set_table_name("table");
    (*put.mutable_item())["pk"].set_s("k");
    ddb::PutItemResponse put_response;
    ASSERT_TRUE(ddb_->PutItem(Context().get(), put, &put_response).ok());
  }

  // A channel on a connection of its own (no subchannel sharing).
  std::shared_ptr<grpc::Channel> Connection() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("awsfacade.test.connection", ++connections_);
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->port()),
                                     grpc::InsecureChannelCredentials(), args);
  }

  std::string CreateTable(const std::string& name) {
    ddb::CreateTableResponse response;
    grpc::Status status = ddb_->CreateTable(
        Context().get(), backends::simulator::dynamodb_test::TableRequest(name, "NEW_IMAGE"),
        &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.table_description().latest_stream_arn();
  }

  // DescribeTable and health on a fresh connection: both answer, promptly.
  void ExpectUnrelatedCallsArePrompt() {
    auto other = Connection();
    ddb::DescribeTableRequest describe;
    describe.set_table_name("table");
    ddb::DescribeTableResponse described;
    absl::Time start = absl::Now();
    grpc::Status status =
        ddb::DynamoDbService::NewStub(other)->DescribeTable(Context().get(), describe, &described);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_LT(absl::Now() - start, kPrompt) << "DescribeTable waited behind delayed calls";

    grpc::health::v1::HealthCheckResponse health;
    start = absl::Now();
    status = grpc::health::v1::Health::NewStub(other)->Check(Context().get(), {}, &health);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    EXPECT_LT(absl::Now() - start, kPrompt) << "health waited behind delayed calls";
  }

  std::unique_ptr<app::FacadeServer> server_;
  std::shared_ptr<backends::simulator::FaultInjector> faults_;
  std::unique_ptr<ddb::DynamoDbService::Stub> ddb_;
  int connections_ = 0;
};

// Many delayed unary calls at once; each completes after its delay.
struct UnaryCalls {
  absl::Mutex mu;
  int done ABSL_GUARDED_BY(mu) = 0;
  std::vector<grpc::Status> statuses ABSL_GUARDED_BY(mu);
  std::vector<absl::Duration> took ABSL_GUARDED_BY(mu);

  bool AllDone(int n, absl::Duration timeout) {
    return WaitFor(
        [&] {
          absl::MutexLock lock(&mu);
          return done == n;
        },
        timeout);
  }
};

TEST_F(LatencyFaultTest, DelayedUnaryCallsHoldNoThreadAndAnswerAfterTheirDelay) {
  ASSERT_TRUE(faults_->SetRules({Latency("dynamodb", "GetItem", kDelay)}).ok());
  auto stub = ddb::DynamoDbService::NewStub(Connection());
  ddb::GetItemRequest get;
  get.set_table_name("table");
  (*get.mutable_key())["pk"].set_s("k");
  UnaryCalls calls;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<ddb::GetItemResponse> responses(kConcurrentCalls);
  for (int i = 0; i < kConcurrentCalls; ++i) {
    contexts.push_back(Context());
    const absl::Time sent = absl::Now();
    stub->async()->GetItem(contexts.back().get(), &get, &responses[i],
                           [&calls, sent](grpc::Status status) {
                             absl::MutexLock lock(&calls.mu);
                             calls.statuses.push_back(std::move(status));
                             calls.took.push_back(absl::Now() - sent);
                             ++calls.done;
                           });
  }
  ASSERT_TRUE(WaitFor([&] { return faults_->fired() >= 1; }, absl::Seconds(10)));

  ExpectUnrelatedCallsArePrompt();
  // Every call waits at once: none needs a free thread to reach its delay.
  EXPECT_TRUE(WaitFor([&] { return faults_->fired() == kConcurrentCalls; }, kPrompt))
      << faults_->fired() << " of " << kConcurrentCalls << " calls delayed at once";

  ASSERT_TRUE(calls.AllDone(kConcurrentCalls, absl::Seconds(60)));
  absl::MutexLock lock(&calls.mu);
  for (int i = 0; i < kConcurrentCalls; ++i) {
    EXPECT_TRUE(calls.statuses[i].ok()) << calls.statuses[i].error_message();
    EXPECT_GE(calls.took[i], kDelay);
    EXPECT_EQ(responses[i].item().count("pk") ? responses[i].item().at("pk").s() : "", "k");
  }
}

TEST_F(LatencyFaultTest, DelayPastTheDeadlineIsDeadlineExceededAtTheDeadline) {
  ASSERT_TRUE(faults_->SetRules({Latency("dynamodb", "GetItem", absl::Seconds(10))}).ok());
  ddb::GetItemRequest get;
  get.set_table_name("table");
  (*get.mutable_key())["pk"].set_s("k");
  ddb::GetItemResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = ddb_->GetItem(Context(absl::Milliseconds(300)).get(), get, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(LatencyFaultTest, DelayedPageStreamsHoldNoThreadAndFinishAfterTheirDelay) {
  ASSERT_TRUE(faults_->SetRules({Latency("personalize", "ListDatasets", kDelay)}).ok());
  auto stub = pz::PersonalizeService::NewStub(Connection());
  std::atomic<int> ok{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < kConcurrentCalls; ++i) {
    readers.emplace_back([&] {
      auto context = Context();
      const absl::Time start = absl::Now();
      auto reader = stub->PaginateListDatasets(context.get(), {});
      pz::PaginateListDatasetsResponse page;
      int pages = 0;
      while (reader->Read(&page)) ++pages;
      grpc::Status status = reader->Finish();
      EXPECT_TRUE(status.ok()) << status.error_message();
      EXPECT_EQ(pages, 1);
      EXPECT_GE(absl::Now() - start, kDelay);
      if (status.ok()) ++ok;
    });
  }
  ASSERT_TRUE(WaitFor([&] { return faults_->fired() >= 1; }, absl::Seconds(10)));
  ExpectUnrelatedCallsArePrompt();
  EXPECT_TRUE(WaitFor([&] { return faults_->fired() == kConcurrentCalls; }, kPrompt))
      << faults_->fired() << " of " << kConcurrentCalls << " pages delayed at once";
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(ok.load(), kConcurrentCalls);
}

// Reads a subscription until its first record; returns when it came.
absl::Time FirstRecordAt(ddbs::DynamoDbStreamsService::Stub& stub, const std::string& stream_arn) {
  ddbs::SubscribeToStreamRequest request;
  request.set_stream_arn(stream_arn);
  request.mutable_starting_position()->set_type("TRIM_HORIZON");
  auto context = Context();
  auto reader = stub.SubscribeToStream(context.get(), request);
  ddbs::SubscribeToStreamResponse event;
  absl::Time at = absl::InfiniteFuture();
  while (reader->Read(&event)) {
    if (event.has_records() && event.records().records_size() > 0) {
      at = absl::Now();
      break;
    }
  }
  context->TryCancel();
  reader->Finish();
  return at;
}

TEST_F(LatencyFaultTest, DelayedSubscriptionReadsHoldNoEngineWorker) {
  // The first reads of two subscriptions are delayed: as many as the engine
  // has workers. A third subscription must not wait for them.
  const int workers = service::SubscriptionEngineOptions().worker_threads;
  std::vector<std::string> arns;
  for (int i = 0; i <= workers; ++i) {
    const std::string table = "subs" + std::to_string(i);
    arns.push_back(CreateTable(table));
    ddb::PutItemRequest put;
    put.set_table_name(table);
    (*put.mutable_item())["pk"].set_s("k");
    ddb::PutItemResponse response;
    ASSERT_TRUE(ddb_->PutItem(Context().get(), put, &response).ok());
  }
  ASSERT_TRUE(
      faults_->SetRules({Latency("dynamodbstreams", "GetRecords", absl::Seconds(3), workers)})
          .ok());
  auto stub = ddbs::DynamoDbStreamsService::NewStub(Connection());
  const absl::Time start = absl::Now();
  std::vector<absl::Time> delayed_at(workers);
  std::vector<std::thread> delayed;
  for (int i = 0; i < workers; ++i) {
    delayed.emplace_back([&, i] { delayed_at[i] = FirstRecordAt(*stub, arns[i]); });
  }
  ASSERT_TRUE(WaitFor([&] { return faults_->fired() == workers; }, absl::Seconds(10)));

  const absl::Time third_start = absl::Now();
  const absl::Time third = FirstRecordAt(*stub, arns[workers]);
  EXPECT_LT(third - third_start, kPrompt) << "a subscription waited behind delayed reads";
  for (auto& t : delayed) t.join();
  for (const absl::Time at : delayed_at) EXPECT_GE(at - start, absl::Seconds(3));
  EXPECT_LT(third, delayed_at[0]);
}

TEST_F(LatencyFaultTest, ADelayedSubscriptionStartDeliversAfterTheDelay) {
  const std::string arn = CreateTable("late");
  ddb::PutItemRequest put;
  put.set_table_name("late");
  (*put.mutable_item())["pk"].set_s("k");
  ddb::PutItemResponse put_response;
  ASSERT_TRUE(ddb_->PutItem(Context().get(), put, &put_response).ok());
  // The start's DescribeStream waits: the subscription still starts, later.
  ASSERT_TRUE(faults_->SetRules({Latency("dynamodbstreams", "DescribeStream", kDelay, 1)}).ok());
  auto stub = ddbs::DynamoDbStreamsService::NewStub(Connection());
  const absl::Time start = absl::Now();
  const absl::Time first = FirstRecordAt(*stub, arn);
  EXPECT_GE(first - start, kDelay);
  EXPECT_LT(first - start, kDelay + absl::Seconds(5));
  EXPECT_EQ(faults_->fired(), 1);
}

TEST_F(LatencyFaultTest, CancelledDelayedCallsHoldNothing) {
  // Delays far beyond the test: only the clients' cancellation ends them.
  ASSERT_TRUE(faults_
                  ->SetRules({Latency("dynamodb", "GetItem", absl::Seconds(60)),
                              Latency("personalize", "ListDatasets", absl::Seconds(60)),
                              Latency("dynamodbstreams", "DescribeStream", absl::Seconds(60))})
                  .ok());
  const std::string arn = CreateTable("cancelled");
  auto channel = Connection();
  auto ddb = ddb::DynamoDbService::NewStub(channel);
  auto personalize = pz::PersonalizeService::NewStub(channel);
  auto streams = ddbs::DynamoDbStreamsService::NewStub(channel);

  ddb::GetItemRequest get;
  get.set_table_name("table");
  (*get.mutable_key())["pk"].set_s("k");
  ddb::GetItemResponse got;
  auto get_context = Context();
  absl::Notification get_done;
  grpc::Status get_status;
  ddb->async()->GetItem(get_context.get(), &get, &got, [&](grpc::Status s) {
    get_status = std::move(s);
    get_done.Notify();
  });
  auto page_context = Context();
  auto pages = personalize->PaginateListDatasets(page_context.get(), {});
  ddbs::SubscribeToStreamRequest subscribe;
  subscribe.set_stream_arn(arn);
  subscribe.mutable_starting_position()->set_type("TRIM_HORIZON");
  auto subscription_context = Context();
  auto subscription = streams->SubscribeToStream(subscription_context.get(), subscribe);
  ASSERT_TRUE(WaitFor([&] { return faults_->fired() == 3; }, absl::Seconds(10)))
      << faults_->fired() << " of 3 calls delayed";

  get_context->TryCancel();
  page_context->TryCancel();
  subscription_context->TryCancel();
  ASSERT_TRUE(get_done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(get_status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(pages->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(subscription->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // Nothing is left in flight on the server: a graceful stop with a long
  // grace returns at once instead of waiting for the delays.
  const absl::Time stop = absl::Now();
  server_->Shutdown(absl::Seconds(30));
  EXPECT_LT(absl::Now() - stop, absl::Seconds(3));
}

}  // namespace
}  // namespace awsfacade::testing
