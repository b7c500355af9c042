#include "service/subscriptions/session.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/streams_harness.h"
#include "tests/service/subscriptions/manual_executor.h"

namespace awsfacade::service::subscriptions {
namespace {

namespace v1 = ::aws::dynamodbstreams::v1;
using testing::ManualExecutor;
using testing::SettleTimers;

// Takes the session's events as a gRPC reactor would, but acknowledges a
// write only when the test says so.
class RecordingSink final : public EventSink {
 public:
  void Write(const grpc::ByteBuffer& event) override {
    EXPECT_FALSE(in_flight) << "a second write while one is in flight";
    in_flight = true;
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(event.Dump(&slices).ok());
    std::string wire;
    for (const auto& s : slices) wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
    v1::SubscribeToStreamResponse parsed;
    ASSERT_TRUE(parsed.ParseFromString(wire));
    events.push_back(std::move(parsed));
  }
  void Finish(grpc::Status status, const std::string& final_token) override {
    EXPECT_FALSE(finished.has_value()) << "finished twice";
    finished = std::move(status);
    token = final_token;
  }

  std::vector<int> Versions() const {
    std::vector<int> versions;
    for (const auto& e : events) {
      for (const auto& r : e.records().records()) {
        int v = -1;
        EXPECT_TRUE(absl::SimpleAtoi(r.record().dynamodb().new_image().at("v").n(), &v));
        versions.push_back(v);
      }
    }
    return versions;
  }
  std::string LastToken() const {
    const v1::SubscribeToStreamResponse& e = events.back();
    if (e.has_records()) return e.records().continuation_token();
    if (e.has_heartbeat()) return e.heartbeat().continuation_token();
    return e.shard_end().continuation_token();
  }

  std::vector<v1::SubscribeToStreamResponse> events;
  bool in_flight = false;
  std::optional<grpc::Status> finished;
  std::string token;
};

// One session on the simulator, its strand on a manual executor and its
// timers on a FakeClock: every step runs when the test says so.
class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : scheduler_(&clock_), tokens_(h_.sealer) {
    arn_ = h_.CreateTable("orders");
    env_.backend = h_.streams;
    env_.tokens = &tokens_;
    env_.budget = &budget_;
    env_.strand = {&executor_, &scheduler_, &clock_};
    env_.reader_for = [this](const std::string& arn, const std::string& shard,
                             const Position& pos) {
      ShardReaderEnvironment reader_env;
      reader_env.backend = h_.streams.get();
      reader_env.clock = &clock_;
      reader_env.scheduler = &scheduler_;
      reader_env.executor = &executor_;
      reader_env.call_started = [] {};
      reader_env.call_ended = [] {};
      ShardReaderOptions options;
      options.reads_per_second = 0;
      auto reader = std::make_shared<ShardReader>(std::move(reader_env), arn, shard, options);
      reader->Begin(pos);
      return reader;
    };
    env_.call_started = [] {};
    env_.call_ended = [] {};
  }
  ~SessionTest() override {
    if (session_ != nullptr) session_->Detached();
    executor_.Drain();
  }

  // Starts a SubscribeToStream session at TRIM_HORIZON.
  void Open(const v1::SubscriptionOptions& options = {}) {
    session_ = std::make_shared<SubscriptionSession>(&env_, TokenMode::kStream);
    v1::StartingPosition start;
    start.set_type("TRIM_HORIZON");
    ASSERT_TRUE(session_->Start(arn_, "", start, options).ok());
    session_->Attach(&sink_);
    session_->Started();
  }

  // Runs steps (and acknowledges writes, when `ack`) until nothing is left
  // to do at the fake clock's current time.
  void Pump(bool ack = true) {
    for (;;) {
      SettleTimers(scheduler_, clock_);
      const int ran = executor_.Drain();
      if (ack && sink_.in_flight) {
        sink_.in_flight = false;
        session_->OnWriteDone(true);
        continue;
      }
      if (ran == 0) return;
    }
  }
  void Advance(absl::Duration d) {
    clock_.Advance(d);
    Pump();
  }

  testing::StreamsHarness h_;
  backends::FakeClock clock_;
  Scheduler scheduler_;
  ManualExecutor executor_;
  ContinuationTokenCodec tokens_;
  BufferBudget budget_{64 << 20};
  SessionEnvironment env_;
  std::string arn_;
  RecordingSink sink_;
  std::shared_ptr<SubscriptionSession> session_;
};

google::protobuf::Duration Seconds(int s) {
  google::protobuf::Duration d;
  d.set_seconds(s);
  return d;
}

TEST_F(SessionTest, DeliversEveryRecordInOrderInBatchesOfTheAskedSize) {
  for (int i = 0; i < 25; ++i) h_.Put("orders", "k" + std::to_string(i), i);
  v1::SubscriptionOptions options;
  options.set_max_records_per_batch(10);
  Open(options);
  Pump();
  std::vector<int> want;
  for (int i = 0; i < 25; ++i) want.push_back(i);
  EXPECT_EQ(sink_.Versions(), want);
  for (const auto& e : sink_.events) EXPECT_LE(e.records().records_size(), 10);
  EXPECT_FALSE(sink_.finished.has_value());
}

TEST_F(SessionTest, AHeartbeatComesWhenTheInjectedClockPassesTheInterval) {
  v1::SubscriptionOptions options;
  *options.mutable_heartbeat_interval() = Seconds(5);
  Open(options);
  Pump();
  ASSERT_TRUE(sink_.events.empty());
  Advance(absl::Seconds(4));
  EXPECT_TRUE(sink_.events.empty()) << "a heartbeat before the interval";
  Advance(absl::Seconds(1));
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_TRUE(sink_.events[0].has_heartbeat());
  EXPECT_FALSE(sink_.events[0].heartbeat().continuation_token().empty());
}

TEST_F(SessionTest, TheBatchingDelayHoldsRecordsUntilTheClockPassesIt) {
  v1::SubscriptionOptions options;
  *options.mutable_max_batching_delay() = Seconds(2);
  Open(options);
  Pump();
  for (int i = 0; i < 3; ++i) h_.Put("orders", "k" + std::to_string(i), i);
  Pump();
  EXPECT_TRUE(sink_.events.empty()) << "sent before the batching delay";
  Advance(absl::Seconds(2));
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.Versions(), (std::vector<int>{0, 1, 2}));
}

TEST_F(SessionTest, TheLifetimeEndsItWithOkAndTheTokenOfTheLastEventWritten) {
  for (int i = 0; i < 3; ++i) h_.Put("orders", "k" + std::to_string(i), i);
  v1::SubscriptionOptions options;
  *options.mutable_lifetime() = Seconds(30);
  *options.mutable_heartbeat_interval() = Seconds(60);
  Open(options);
  Pump();
  ASSERT_FALSE(sink_.events.empty());
  Advance(absl::Seconds(29));
  EXPECT_FALSE(sink_.finished.has_value());
  Advance(absl::Seconds(1));
  ASSERT_TRUE(sink_.finished.has_value());
  EXPECT_TRUE(sink_.finished->ok()) << sink_.finished->error_message();
  EXPECT_EQ(sink_.token, sink_.LastToken());
}

TEST_F(SessionTest, StopFinishesUnavailableOnlyAfterTheWriteInFlight) {
  for (int i = 0; i < 3; ++i) h_.Put("orders", "k" + std::to_string(i), i);
  Open();
  Pump(/*ack=*/false);
  ASSERT_TRUE(sink_.in_flight);
  session_->Stop();
  Pump(/*ack=*/false);
  EXPECT_FALSE(sink_.finished.has_value()) << "finished with a write in flight";
  Pump(/*ack=*/true);
  ASSERT_TRUE(sink_.finished.has_value());
  EXPECT_EQ(sink_.finished->error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(sink_.token, sink_.LastToken());
}

TEST_F(SessionTest, AStalledSessionHoldsItsRecordsInTheBudgetAndGivesThemBack) {
  for (int i = 0; i < 50; ++i) h_.Put("orders", "k" + std::to_string(i), i);
  v1::SubscriptionOptions options;
  options.set_max_records_per_batch(10);
  Open(options);
  Pump(/*ack=*/false);
  // The batch in flight (it reads ahead only when woken meanwhile), not all 50.
  EXPECT_EQ(budget_.records(), 10);
  EXPECT_GT(budget_.bytes(), 0);
  session_->OnWriteDone(false);  // the client went away mid-write
  sink_.in_flight = false;
  Pump(/*ack=*/false);
  ASSERT_TRUE(sink_.finished.has_value());
  EXPECT_EQ(sink_.finished->error_code(), grpc::StatusCode::CANCELLED);
  session_->Detached();
  session_.reset();
  EXPECT_EQ(budget_.records(), 0);
  EXPECT_EQ(budget_.bytes(), 0);
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
