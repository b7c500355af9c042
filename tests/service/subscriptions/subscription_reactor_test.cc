#include "service/subscriptions/subscription_reactor.h"

#include <atomic>
#include <memory>
#include <string>

#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "backends/common/aws_error.h"
#include "gtest/gtest.h"
#include "tests/service/streams_harness.h"
#include "tests/service/subscriptions/manual_executor.h"

namespace awsfacade::service::subscriptions {
namespace {

namespace v1 = ::aws::dynamodbstreams::v1;
using testing::ManualExecutor;
using testing::SettleTimers;

// Serves SubscribeToShard with a reactor whose start is the test's
// `start`; the session never reads (a start that succeeds without Start
// leaves it no shard, so it ends at once with OK).
class ReactorOnly final : public v1::DynamoDbStreamsService::WithRawCallbackMethod_SubscribeToShard<
                              v1::DynamoDbStreamsService::Service> {
 public:
  ReactorOnly(const ReactorEnvironment* reactor_env, const SessionEnvironment* session_env,
              std::function<absl::Status()> start)
      : reactor_env_(reactor_env), session_env_(session_env), start_(std::move(start)) {}
  grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscribeToShard(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer*) override {
    auto* reactor = new SubscriptionReactor(context, reactor_env_);
    reactor->Begin(std::make_shared<SubscriptionSession>(session_env_, TokenMode::kShard),
                   [this] { return start_(); });
    return reactor;
  }

 private:
  const ReactorEnvironment* reactor_env_;
  const SessionEnvironment* session_env_;
  std::function<absl::Status()> start_;
};

// Workers on a manual executor and timers on a FakeClock: the reactor's
// start-up runs when the test says so.
class SubscriptionReactorTest : public ::testing::Test {
 protected:
  SubscriptionReactorTest() : scheduler_(&clock_), tokens_(h_.sealer) {
    const StrandEnvironment strand{&executor_, &scheduler_, &clock_};
    session_env_.backend = h_.streams;
    session_env_.tokens = &tokens_;
    session_env_.budget = &budget_;
    session_env_.strand = strand;
    session_env_.call_started = [] {};
    session_env_.call_ended = [] {};
    reactor_env_.strand = strand;
    reactor_env_.admit = [this](std::shared_ptr<Stoppable>, const std::string&) {
      ++admitted_;
      return admit_status_;
    };
    reactor_env_.release = [this](Stoppable*) { ++released_; };
  }
  ~SubscriptionReactorTest() override {
    if (server_ != nullptr) {
      server_->Shutdown();
      executor_.Drain();
    }
  }

  void Serve(std::function<absl::Status()> start) {
    service_ = std::make_unique<ReactorOnly>(&reactor_env_, &session_env_, std::move(start));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::DynamoDbStreamsService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }

  // Opens a call and waits until its start-up is queued on the workers.
  std::unique_ptr<grpc::ClientReader<v1::SubscribeToShardResponse>> Call(
      grpc::ClientContext* context) {
    auto reader = stub_->SubscribeToShard(context, v1::SubscribeToShardRequest());
    WaitFor([&] { return executor_.queued() > 0; });
    return reader;
  }

  // Waits (in wall time, at most 10 s) for a condition another thread makes true.
  static void WaitFor(const std::function<bool()>& condition) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!condition() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    ASSERT_TRUE(condition()) << "condition not met in 10 s";
  }

  testing::StreamsHarness h_;
  backends::FakeClock clock_;
  Scheduler scheduler_;
  ManualExecutor executor_;
  ContinuationTokenCodec tokens_;
  BufferBudget budget_{1 << 20};
  SessionEnvironment session_env_;
  ReactorEnvironment reactor_env_;
  absl::Status admit_status_;
  std::atomic<int> admitted_{0};
  std::atomic<int> released_{0};
  std::unique_ptr<ReactorOnly> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::DynamoDbStreamsService::Stub> stub_;
};

TEST_F(SubscriptionReactorTest, ARefusedAdmissionFinishesWithItsCodeAndNeverStarts) {
  admit_status_ = absl::ResourceExhaustedError("too many subscriptions for this caller");
  std::atomic<int> starts{0};
  Serve([&] { return ++starts, absl::OkStatus(); });
  grpc::ClientContext context;
  auto reader = stub_->SubscribeToShard(&context, v1::SubscribeToShardRequest());
  v1::SubscribeToShardResponse event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "too many subscriptions for this caller");
  EXPECT_EQ(executor_.Drain(), 0);
  EXPECT_EQ(starts.load(), 0);
  EXPECT_EQ(admitted_.load(), 1);
  EXPECT_EQ(released_.load(), 0) << "released what was never admitted";
}

TEST_F(SubscriptionReactorTest, ATransientStartErrorIsRetriedWhenTheInjectedClockSaysSo) {
  std::atomic<int> starts{0};
  Serve([&] { return ++starts == 1 ? absl::UnavailableError("throttled") : absl::OkStatus(); });
  grpc::ClientContext context;
  auto reader = Call(&context);
  ASSERT_TRUE(executor_.RunOne());
  EXPECT_EQ(starts.load(), 1);
  SettleTimers(scheduler_, clock_);
  EXPECT_EQ(executor_.queued(), 0) << "retried before the backoff";
  clock_.Advance(SubscriptionReactor::kStartRetryMin);
  SettleTimers(scheduler_, clock_);
  EXPECT_GT(executor_.Drain(), 0);
  EXPECT_EQ(starts.load(), 2);
  v1::SubscribeToShardResponse event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_TRUE(reader->Finish().ok());
  WaitFor([&] { return released_.load() == 1; });
}

TEST_F(SubscriptionReactorTest, APermanentStartErrorReachesTheClientWithItsAwsName) {
  Serve([] {
    return backends::AwsError("ValidationException", "StreamArn is required", "StreamArn");
  });
  grpc::ClientContext context;
  auto reader = Call(&context);
  executor_.Drain();
  v1::SubscribeToShardResponse event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_details().find("ValidationException"), std::string::npos);
}

TEST_F(SubscriptionReactorTest, ACancelDuringAStartWaitEndsTheCallAndDropsTheRetry) {
  std::atomic<int> starts{0};
  Serve([&] { return ++starts, absl::UnavailableError("throttled"); });
  grpc::ClientContext context;
  auto reader = Call(&context);
  ASSERT_TRUE(executor_.RunOne());
  context.TryCancel();
  v1::SubscribeToShardResponse event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  WaitFor([&] { return released_.load() == 1; });
  clock_.Advance(absl::Seconds(1));
  SettleTimers(scheduler_, clock_);
  EXPECT_EQ(executor_.Drain(), 0);
  EXPECT_EQ(starts.load(), 1) << "started again after the cancel";
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
