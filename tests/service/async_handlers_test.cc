// The DynamoDB Streams unary handlers over an asynchronous backend (AWS):
// the backend's Async* form starts on gRPC's thread and completes from the
// backend's own thread, so a blocked executor does not stop them; the call
// carries the caller's deadline in its CallContext, and a delayed call
// comes back with its delay in the context. A blocking backend keeps the
// executor hop; one that never blocks (the simulator) is started on gRPC's
// thread too.
#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "backends/common/call_delay.h"
#include "backends/request_validator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/fault_injector.h"
#include "backends/simulator/faulty_backends.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "service/dynamodb_streams_service.h"
#include "service/executor.h"
#include "service/scheduler.h"
#include "tests/backends/async_streams_fake.h"
#include "tests/service/mock_backends.h"

namespace awsfacade::testing {
namespace {

using ::testing::_;
using ::testing::Return;
using ::testing::StrictMock;
namespace streams = ::aws::dynamodbstreams::v1;

// Waits (bounded) until `condition` holds.
template <typename Condition>
bool Eventually(Condition condition) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// A one-thread executor whose thread is stuck until the test ends.
class BlockedExecutor {
 public:
  BlockedExecutor() {
    pool_.Run([this] { release_.WaitForNotification(); });
  }
  ~BlockedExecutor() { release_.Notify(); }
  service::Executor* get() { return &pool_; }

 private:
  absl::Notification release_;
  service::ThreadPoolExecutor pool_{1};  // destroyed first: joins after the release
};

struct StreamsServer {
  StreamsServer(std::shared_ptr<backends::DynamoDbStreamsBackend> backend,
                service::Executor* executor)
      : service(std::move(backend), executor, &timers, nullptr) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    stub = streams::DynamoDbStreamsService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  ~StreamsServer() { server->Shutdown(); }

  service::Scheduler timers;
  service::DynamoDbStreamsService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<streams::DynamoDbStreamsService::Stub> stub;
};

// A GetRecords call made on its own thread; Wait gives its outcome.
class PendingGetRecords {
 public:
  PendingGetRecords(streams::DynamoDbStreamsService::Stub& stub, absl::Time deadline) {
    context_.set_deadline(absl::ToChronoTime(deadline));
    request_.set_shard_iterator("it-1");
    thread_ =
        std::thread([this, &stub] { status_ = stub.GetRecords(&context_, request_, &response_); });
  }
  ~PendingGetRecords() {
    if (thread_.joinable()) thread_.join();
  }
  const grpc::Status& Wait() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  const streams::GetRecordsResponse& response() const { return response_; }

 private:
  grpc::ClientContext context_;
  streams::GetRecordsRequest request_;
  streams::GetRecordsResponse response_;
  grpc::Status status_;
  std::thread thread_;
};

TEST(AsyncStreamsHandlerTest, AnAsynchronousBackendIsServedWhileTheExecutorIsBlocked) {
  BlockedExecutor executor;
  auto backend = std::make_shared<AsyncStreamsFake>();
  StreamsServer server(backend, executor.get());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  PendingGetRecords call(*server.stub, deadline);

  // The call reached the backend although the executor's one thread is stuck.
  ASSERT_TRUE(Eventually([&] { return backend->held() == 1; }))
      << "the call waits for the executor";
  AsyncStreamsFake::HeldCall held = backend->TakeHeld();
  EXPECT_EQ(held.request.shard_iterator(), "it-1");
  EXPECT_LE(absl::AbsDuration(held.context.deadline - deadline), absl::Seconds(1));
  EXPECT_TRUE(held.context.may_retry);
  EXPECT_EQ(held.context.delayed, std::nullopt);

  // The answer comes from another thread, as an HTTP answer would.
  streams::GetRecordsResponse page;
  page.set_next_shard_iterator("it-2");
  std::thread([&held, page] { std::move(held.done)(page); }).join();
  ASSERT_TRUE(call.Wait().ok()) << call.Wait().error_message();
  EXPECT_EQ(call.response().next_shard_iterator(), "it-2");
  EXPECT_EQ(backend->blocking_calls(), 0);
}

TEST(AsyncStreamsHandlerTest, ADelayedAsynchronousCallRunsAgainWithItsDelayInTheContext) {
  BlockedExecutor executor;
  auto backend = std::make_shared<AsyncStreamsFake>();
  StreamsServer server(backend, executor.get());
  PendingGetRecords call(*server.stub, absl::Now() + absl::Seconds(20));

  ASSERT_TRUE(Eventually([&] { return backend->held() == 1; }));
  const backends::CallDelay delay{"dynamodbstreams", "GetRecords",
                                  absl::Now() + absl::Milliseconds(50)};
  std::move(backend->TakeHeld().done)(backends::DelayedCallError(delay, absl::Now()));

  ASSERT_TRUE(Eventually([&] { return backend->held() == 1; }))
      << "the delayed call never ran again";
  AsyncStreamsFake::HeldCall rerun = backend->TakeHeld();
  ASSERT_TRUE(rerun.context.delayed.has_value());
  EXPECT_EQ(rerun.context.delayed->operation, "GetRecords");
  EXPECT_EQ(rerun.context.delayed->ready_at, delay.ready_at);
  EXPECT_GE(absl::Now(), delay.ready_at);
  std::move(rerun.done)(streams::GetRecordsResponse());
  EXPECT_TRUE(call.Wait().ok()) << call.Wait().error_message();
}

// A backend that may block (MayBlock(): this mock, as any backend by
// default; the journaled simulator) is still called on the executor, never
// on gRPC's thread.
class CountingExecutor final : public service::Executor {
 public:
  void Run(absl::AnyInvocable<void() &&> fn) override {
    runs_.fetch_add(1);
    std::move(fn)();
  }
  int runs() const { return runs_.load(); }

 private:
  std::atomic<int> runs_{0};
};

TEST(AsyncStreamsHandlerTest, ABlockingBackendKeepsTheExecutorHop) {
  CountingExecutor executor;
  auto backend = std::make_shared<StrictMock<MockDynamoDbStreamsBackend>>();
  EXPECT_CALL(*backend, GetRecords(_)).WillOnce(Return(streams::GetRecordsResponse()));
  StreamsServer server(backend, &executor);
  PendingGetRecords call(*server.stub, absl::Now() + absl::Seconds(20));
  EXPECT_TRUE(call.Wait().ok()) << call.Wait().error_message();
  EXPECT_EQ(executor.runs(), 1);
}

// The simulator never blocks (MayBlock() false through the layers the server
// stacks on it), so its calls are served although the executor's one thread
// is stuck, and they never touch the executor.
TEST(AsyncStreamsHandlerTest, TheSimulatorIsServedOnGrpcsThreadWithoutTheExecutor) {
  auto simulator = std::make_shared<backends::simulator::DynamoDbSimulator>(
      backends::simulator::SimulatorOptions{});
  auto faults = std::make_shared<backends::simulator::FaultInjector>();
  auto backend = std::make_shared<backends::ValidatedDynamoDbStreams>(
      std::make_shared<backends::simulator::FaultyDynamoDbStreams>(simulator, faults));
  ASSERT_FALSE(backend->MayBlock());

  BlockedExecutor blocked;
  StreamsServer server(backend, blocked.get());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  streams::ListStreamsResponse response;
  const grpc::Status status =
      server.stub->ListStreams(&context, streams::ListStreamsRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();

  CountingExecutor counting;
  StreamsServer counted(backend, &counting);
  grpc::ClientContext again;
  ASSERT_TRUE(counted.stub->ListStreams(&again, streams::ListStreamsRequest(), &response).ok());
  EXPECT_EQ(counting.runs(), 0);
}

}  // namespace
}  // namespace awsfacade::testing
