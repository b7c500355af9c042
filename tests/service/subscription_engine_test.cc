// Push subscriptions end to end over gRPC, on the simulator: positions,
// heartbeats, lineage, trimming, cancellation, the cap, shutdown tokens, and
// a checker over a long recorded history with faults and resumes.
#include "service/subscription_engine.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "backends/common/call_deadline.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/common/grpc_status.h"
#include "tests/service/streams_harness.h"
#include "tests/service/subscriptions/forwarding_backend.h"

namespace awsfacade::testing {
namespace {

namespace streams = ::aws::dynamodbstreams::v1;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::SizeIs;

// What a client saw of one subscription.
struct Seen {
  std::vector<std::pair<std::string, int>> records;  // (pk, v)
  std::vector<std::string> shard_of_record;
  std::vector<std::string> sequence_numbers;
  int heartbeats = 0;
  // The token of each heartbeat, with how many records had arrived before it.
  std::vector<std::pair<size_t, std::string>> heartbeat_tokens;
  std::vector<streams::ShardEnd> shard_ends;
  std::string last_token;
  grpc::Status status;
  std::string trailing_token;
};

void Absorb(const streams::SubscribeToStreamResponse& event, Seen& seen) {
  if (event.has_records()) {
    for (const auto& r : event.records().records()) {
      const auto& image = r.record().dynamodb().keys();
      int v = -1;
      const auto& new_image = r.record().dynamodb().new_image();
      if (new_image.count("v")) (void)absl::SimpleAtoi(new_image.at("v").n(), &v);
      seen.records.push_back({image.at("pk").s(), v});
      seen.shard_of_record.push_back(r.shard_id());
      seen.sequence_numbers.push_back(r.record().dynamodb().sequence_number());
    }
    seen.last_token = event.records().continuation_token();
  } else if (event.has_heartbeat()) {
    ++seen.heartbeats;
    seen.heartbeat_tokens.push_back({seen.records.size(), event.heartbeat().continuation_token()});
    seen.last_token = event.heartbeat().continuation_token();
  } else if (event.has_shard_end()) {
    seen.shard_ends.push_back(event.shard_end());
    seen.last_token = event.shard_end().continuation_token();
  }
}

std::string TrailingToken(const grpc::ClientContext& context) {
  auto it = context.GetServerTrailingMetadata().find("awsfacade-continuation-token");
  if (it == context.GetServerTrailingMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

streams::SubscribeToStreamRequest StreamRequest(const std::string& arn, const std::string& type,
                                                const std::string& token = "") {
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_starting_position()->set_type(type);
  request.mutable_starting_position()->set_continuation_token(token);
  request.mutable_options()->mutable_heartbeat_interval()->set_nanos(200'000'000);
  return request;
}

// Reads until `done(seen)` is true or the deadline passes, then cancels.
Seen Subscribe(const std::shared_ptr<grpc::Channel>& channel,
               const streams::SubscribeToStreamRequest& request,
               const std::function<bool(const Seen&)>& done, int timeout_seconds = 20) {
  auto stub = streams::DynamoDbStreamsService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds));
  auto reader = stub->SubscribeToStream(&context, request);
  Seen seen;
  streams::SubscribeToStreamResponse event;
  while (!done(seen) && reader->Read(&event)) Absorb(event, seen);
  if (done(seen)) context.TryCancel();
  seen.status = reader->Finish();
  seen.trailing_token = TrailingToken(context);
  return seen;
}

using ::awsfacade::testutil::ErrorInfoOf;

auto HasRecords(size_t n) {
  return [n](const Seen& s) { return s.records.size() >= n; };
}

TEST(SubscriptionEngineTest, TrimHorizonDeliversExistingThenNewRecordsInOrder) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 5; ++i) h.Put("orders", "k" + std::to_string(i), i);
  auto facade = h.StartFacade();
  // The late write comes once the five existing records have arrived.
  bool written = false;
  Seen seen = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"), [&](const Seen& s) {
    if (s.records.size() == 5 && !written) {
      h.Put("orders", "late", 99);
      written = true;
    }
    return s.records.size() >= 6;
  });
  ASSERT_THAT(seen.records, SizeIs(6)) << seen.status.error_message();
  EXPECT_EQ(seen.records[0], std::make_pair(std::string("k0"), 0));
  EXPECT_EQ(seen.records[4], std::make_pair(std::string("k4"), 4));
  EXPECT_EQ(seen.records[5], std::make_pair(std::string("late"), 99));
  EXPECT_EQ(seen.status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST(SubscriptionEngineTest, LatestSeesOnlyNewRecords) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 3; ++i) h.Put("orders", "old" + std::to_string(i), i);
  auto facade = h.StartFacade();
  // A heartbeat says the subscription has taken its position (it comes only
  // once every shard is read up to LATEST); the new write follows it.
  bool written = false;
  Seen seen = Subscribe(facade->channel, StreamRequest(arn, "LATEST"), [&](const Seen& s) {
    if (s.heartbeats >= 1 && !written) {
      h.Put("orders", "new", 7);
      written = true;
    }
    return !s.records.empty();
  });
  EXPECT_TRUE(written) << seen.status.error_message();
  EXPECT_THAT(seen.records, ElementsAre(std::make_pair(std::string("new"), 7)));
}

TEST(SubscriptionEngineTest, AtTimestampSkipsOlderRecords) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "before", 1);
  h.clock->Advance(absl::Seconds(10));
  absl::Time cut = absl::FromUnixSeconds(absl::ToUnixSeconds(h.clock->Now()));
  h.Put("orders", "after1", 2);
  h.Put("orders", "after2", 3);
  auto facade = h.StartFacade();
  auto request = StreamRequest(arn, "AT_TIMESTAMP");
  *request.mutable_starting_position()->mutable_timestamp() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(cut));
  Seen seen = Subscribe(facade->channel, request, HasRecords(2));
  EXPECT_THAT(seen.records, ElementsAre(std::make_pair(std::string("after1"), 2),
                                        std::make_pair(std::string("after2"), 3)));
}

TEST(SubscriptionEngineTest, ShardSubscriptionAtAndAfterSequenceNumber) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 4; ++i) h.Put("orders", "k" + std::to_string(i), i);
  auto facade = h.StartFacade();
  Seen all = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"), HasRecords(4));
  ASSERT_THAT(all.records, SizeIs(4));
  const std::string shard = all.shard_of_record[1];
  auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
  for (const auto& [type, first] : {std::make_pair(std::string("AT_SEQUENCE_NUMBER"), 1),
                                    std::make_pair(std::string("AFTER_SEQUENCE_NUMBER"), 2)}) {
    streams::SubscribeToShardRequest request;
    request.set_stream_arn(arn);
    request.set_shard_id(shard);
    request.mutable_starting_position()->set_type(type);
    request.mutable_starting_position()->set_sequence_number(all.sequence_numbers[1]);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = stub->SubscribeToShard(&context, request);
    streams::SubscribeToShardResponse event;
    std::vector<int> versions;
    while (versions.size() < static_cast<size_t>(4 - first) && reader->Read(&event)) {
      for (const auto& r : event.records().records()) {
        int v = 0;
        ASSERT_TRUE(absl::SimpleAtoi(r.record().dynamodb().new_image().at("v").n(), &v));
        versions.push_back(v);
      }
    }
    context.TryCancel();
    reader->Finish();
    std::vector<int> expected;
    for (int v = first; v < 4; ++v) expected.push_back(v);
    EXPECT_EQ(versions, expected) << type;
  }
}

TEST(SubscriptionEngineTest, HeartbeatsWhileIdleCarryAToken) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto facade = h.StartFacade();
  Seen seen = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"),
                        [](const Seen& s) { return s.heartbeats >= 3; });
  EXPECT_GE(seen.heartbeats, 3);
  EXPECT_FALSE(seen.last_token.empty());
}

// Records held back by MaxBatchingDelay are not yet delivered, so no
// heartbeat may carry a token past them: resuming from such a token would
// skip them. The heartbeat interval (200 ms) is far shorter than the delay.
TEST(SubscriptionEngineTest, HeartbeatNeverCarriesATokenPastRecordsHeldForBatching) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto facade = h.StartFacade();
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->mutable_max_batching_delay()->set_seconds(3);
  // The write comes after the first heartbeat, so the subscription is idle
  // and heartbeating when the record arrives and is held.
  int heartbeats_at_write = -1;
  Seen seen = Subscribe(facade->channel, request, [&](const Seen& s) {
    if (s.heartbeats >= 1 && heartbeats_at_write < 0) {
      heartbeats_at_write = s.heartbeats;
      h.Put("orders", "held", 1);
    }
    return !s.records.empty();
  });
  ASSERT_THAT(seen.records, ElementsAre(std::make_pair(std::string("held"), 1)))
      << seen.status.error_message();
  // Every heartbeat after the write and before the batch: its token must
  // still lead to the held record (the first and the last of them suffice).
  std::vector<std::string> tokens;
  for (size_t i = static_cast<size_t>(heartbeats_at_write); i < seen.heartbeat_tokens.size(); ++i) {
    if (seen.heartbeat_tokens[i].first == 0) tokens.push_back(seen.heartbeat_tokens[i].second);
  }
  if (tokens.size() > 2) tokens.erase(tokens.begin() + 1, tokens.end() - 1);
  for (const std::string& token : tokens) {
    Seen resumed =
        Subscribe(facade->channel, StreamRequest(arn, "CONTINUATION", token), HasRecords(1),
                  /*timeout_seconds=*/5);
    EXPECT_THAT(resumed.records, ElementsAre(std::make_pair(std::string("held"), 1)))
        << "a heartbeat's token skipped a record still held for batching";
  }
}

TEST(SubscriptionEngineTest, RolloverEndsShardNamesChildrenAndContinuesThere) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "a", 1);
  auto rollover = h.simulator->ForceShardRollover(arn);
  ASSERT_TRUE(rollover.ok()) << rollover.status();
  h.Put("orders", "a", 2);
  auto facade = h.StartFacade();
  Seen seen = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"), HasRecords(2));
  ASSERT_THAT(seen.records, ElementsAre(std::make_pair(std::string("a"), 1),
                                        std::make_pair(std::string("a"), 2)));
  ASSERT_THAT(seen.shard_ends, SizeIs(1));
  EXPECT_EQ(seen.shard_ends[0].shard_id(), rollover->closed_shard_ids[0]);
  EXPECT_THAT(seen.shard_ends[0].child_shard_ids(), ElementsAreArray(rollover->new_shard_ids));
  EXPECT_EQ(seen.shard_of_record[0], rollover->closed_shard_ids[0]);
  EXPECT_EQ(seen.shard_of_record[1], rollover->new_shard_ids[0]);
}

// A long-lived subscription lives through a rollover every few hours: its
// state and tokens must not grow with every shard it has finished.
TEST(SubscriptionEngineTest, TokensStayBoundedThroughManyRolloversAndResumeWithoutRepeats) {
  constexpr int kRollovers = 30;
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "a", 0);
  auto facade = h.StartFacade();
  // The rollovers happen while the subscription reads, one at a time.
  Seen seen = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"), [&](const Seen& s) {
    const int n = static_cast<int>(s.records.size());
    if (n >= 1 && n <= kRollovers && static_cast<int>(s.shard_ends.size()) == n - 1) {
      EXPECT_TRUE(h.simulator->ForceShardRollover(arn).ok());
      h.Put("orders", "a", n);
    }
    return n >= kRollovers + 1 && static_cast<int>(s.shard_ends.size()) >= kRollovers;
  });
  ASSERT_THAT(seen.records, SizeIs(kRollovers + 1));
  ASSERT_THAT(seen.shard_ends, SizeIs(kRollovers));
  // The token after the first shard end tracks two shards at most; the one
  // after thirty must not track thirty.
  const size_t early = seen.shard_ends[0].continuation_token().size();
  const size_t late = seen.shard_ends.back().continuation_token().size();
  EXPECT_LE(late, early + 16) << "token grew from " << early << " to " << late << " bytes";
  // Resuming from it reads only what came after: no finished shard again.
  h.Put("orders", "a", kRollovers + 1);
  Seen rest =
      Subscribe(facade->channel, StreamRequest(arn, "CONTINUATION", seen.last_token), HasRecords(1),
                /*timeout_seconds=*/5);
  EXPECT_THAT(rest.records, ElementsAre(std::make_pair(std::string("a"), kRollovers + 1)));
}

TEST(SubscriptionEngineTest, ShardSubscriptionEndsWithOkAfterShardEnd) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "a", 1);
  auto rollover = h.simulator->ForceShardRollover(arn);
  ASSERT_TRUE(rollover.ok());
  auto facade = h.StartFacade();
  auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
  streams::SubscribeToShardRequest request;
  request.set_stream_arn(arn);
  request.set_shard_id(rollover->closed_shard_ids[0]);
  request.mutable_starting_position()->set_type("TRIM_HORIZON");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto reader = stub->SubscribeToShard(&context, request);
  streams::SubscribeToShardResponse event;
  std::vector<streams::SubscribeToShardResponse> events;
  while (reader->Read(&event)) events.push_back(event);
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_TRUE(events[0].has_records());
  ASSERT_TRUE(events[1].has_shard_end());
  EXPECT_THAT(events[1].shard_end().child_shard_ids(), ElementsAreArray(rollover->new_shard_ids));
  EXPECT_FALSE(TrailingToken(context).empty());
}

TEST(SubscriptionEngineTest, ContinuationTokenResumesExactlyAfterTheEvent) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 6; ++i) h.Put("orders", "k" + std::to_string(i), i);
  auto facade = h.StartFacade();
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->set_max_records_per_batch(1);
  Seen first = Subscribe(facade->channel, request, HasRecords(3));
  ASSERT_THAT(first.records, SizeIs(3));
  Seen rest = Subscribe(facade->channel, StreamRequest(arn, "CONTINUATION", first.last_token),
                        HasRecords(3));
  EXPECT_THAT(rest.records, ElementsAre(std::make_pair(std::string("k3"), 3),
                                        std::make_pair(std::string("k4"), 4),
                                        std::make_pair(std::string("k5"), 5)));
}

TEST(SubscriptionEngineTest, ForgedOrForeignTokensAreInvalidArgument) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  std::string other = h.CreateTable("others");
  h.Put("orders", "a", 1);
  auto facade = h.StartFacade();
  Seen first = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"), HasRecords(1));
  ASSERT_FALSE(first.last_token.empty());
  std::string forged = first.last_token;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  for (const auto& [stream, token] :
       {std::make_pair(arn, forged), std::make_pair(other, first.last_token),
        std::make_pair(arn, std::string("garbage"))}) {
    Seen seen = Subscribe(
        facade->channel, StreamRequest(stream, "CONTINUATION", token),
        [](const Seen&) { return false; }, 5);
    EXPECT_EQ(seen.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    auto info = ErrorInfoOf(seen.status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "ValidationException");
    EXPECT_EQ(info->metadata().at("field"), "StartingPosition.ContinuationToken");
  }
}

TEST(SubscriptionEngineTest, TrimmedPositionIsOutOfRangeWithTheTrimHorizon) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "a", 1);
  auto facade = h.StartFacade();
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  Seen first = Subscribe(facade->channel, request, HasRecords(1));
  ASSERT_THAT(first.records, SizeIs(1));
  h.Put("orders", "b", 2);  // not delivered to `first`
  h.clock->Advance(absl::Hours(25));
  h.Put("orders", "c", 3);
  Seen resumed = Subscribe(
      facade->channel, StreamRequest(arn, "CONTINUATION", first.last_token),
      [](const Seen&) { return false; }, 10);
  EXPECT_EQ(resumed.status.error_code(), grpc::StatusCode::OUT_OF_RANGE)
      << resumed.status.error_message();
  auto info = ErrorInfoOf(resumed.status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "TrimmedDataAccessException");
  EXPECT_TRUE(info->metadata().count("trimHorizon")) << "no trim horizon in the details";
  EXPECT_TRUE(info->metadata().count("shardId"));
  EXPECT_THAT(resumed.records, SizeIs(0));
}

TEST(SubscriptionEngineTest, CancellationReleasesTheSubscription) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto facade = h.StartFacade();
  Seen seen = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"),
                        [](const Seen& s) { return s.heartbeats >= 1; });
  EXPECT_EQ(seen.status.error_code(), grpc::StatusCode::CANCELLED);
  for (int i = 0; i < 100 && facade->engine->active() > 0; ++i)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(facade->engine->active(), 0);
}

TEST(SubscriptionEngineTest, CapRefusesSubscriptionsPastIt) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  service::SubscriptionEngineOptions options;
  options.max_subscriptions = 1;
  auto facade = h.StartFacade(options);
  auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
  grpc::ClientContext first;
  auto reader = stub->SubscribeToStream(&first, StreamRequest(arn, "TRIM_HORIZON"));
  streams::SubscribeToStreamResponse event;
  ASSERT_TRUE(reader->Read(&event));  // the first is open (a heartbeat came)
  Seen second = Subscribe(
      facade->channel, StreamRequest(arn, "TRIM_HORIZON"), [](const Seen&) { return false; }, 5);
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  first.TryCancel();
  reader->Finish();
}

TEST(SubscriptionEngineTest, LifetimeEndsWithOkAndFinalToken) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "a", 1);
  auto facade = h.StartFacade();
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->mutable_lifetime()->set_nanos(500'000'000);
  Seen seen = Subscribe(facade->channel, request, [](const Seen&) { return false; });
  EXPECT_TRUE(seen.status.ok()) << seen.status.error_message();
  EXPECT_THAT(seen.records, SizeIs(1));
  EXPECT_FALSE(seen.trailing_token.empty());
}

TEST(SubscriptionEngineTest, EventNameFilterStillAdvancesTheToken) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "a", 1);
  h.Put("orders", "a", 2);  // MODIFY
  h.Put("orders", "b", 1);
  auto facade = h.StartFacade();
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->add_event_names("MODIFY");
  Seen seen = Subscribe(facade->channel, request, HasRecords(1));
  EXPECT_THAT(seen.records, ElementsAre(std::make_pair(std::string("a"), 2)));
  h.Put("orders", "a", 3);
  // The token covers the filtered-out INSERT of b read in the same page:
  // even an unfiltered resume starts after it.
  Seen next = Subscribe(facade->channel, StreamRequest(arn, "CONTINUATION", seen.last_token),
                        HasRecords(1));
  EXPECT_THAT(next.records, ElementsAre(std::make_pair(std::string("a"), 3)));
}

TEST(SubscriptionEngineTest, BadRequestsAreInvalidArgumentNamingTheField) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto facade = h.StartFacade();
  struct Case {
    std::function<void(streams::SubscribeToStreamRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.mutable_starting_position()->set_type("SOMEWHERE"); },
       "StartingPosition.Type"},
      {[](auto& r) { r.mutable_starting_position()->set_type("AT_SEQUENCE_NUMBER"); },
       "StartingPosition.Type"},
      {[](auto& r) { r.mutable_options()->set_max_records_per_batch(5000); },
       "Options.MaxRecordsPerBatch"},
      {[](auto& r) { r.mutable_options()->add_event_names("UPSERT"); }, "Options.EventNames"},
      {[](auto& r) { r.set_stream_arn(""); }, "StreamArn"},
  };
  for (const auto& c : cases) {
    auto request = StreamRequest(arn, "TRIM_HORIZON");
    c.mutate(request);
    Seen seen = Subscribe(
        facade->channel, request, [](const Seen&) { return false; }, 5);
    EXPECT_EQ(seen.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    auto info = ErrorInfoOf(seen.status);
    ASSERT_TRUE(info.has_value()) << c.field;
    EXPECT_EQ(info->metadata().at("field"), c.field);
  }
  Seen missing = Subscribe(
      facade->channel, StreamRequest(arn + "x", "TRIM_HORIZON"), [](const Seen&) { return false; },
      5);
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::NOT_FOUND);
}

// The subscribe methods are raw (the engine writes bytes): the request is
// parsed by the service, and one that does not parse is refused plainly.
TEST(SubscriptionEngineTest, UnparsableRequestIsInvalidArgument) {
  StreamsHarness h;
  auto facade = h.StartFacade();
  class Call : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    Call(grpc::GenericStub* stub, const std::string& method, const std::string& bytes)
        : slice_(bytes), request_(&slice_, 1) {
      stub->PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
      StartWriteLast(&request_, grpc::WriteOptions());
      StartRead(&response_);
      StartCall();
    }
    void OnReadDone(bool ok) override {
      if (ok) ++events_;
    }
    void OnDone(const grpc::Status& status) override {
      status_ = status;
      done_.Notify();
    }
    grpc::Status Wait() {
      EXPECT_TRUE(done_.WaitForNotificationWithTimeout(absl::Seconds(10)));
      return status_;
    }
    int events_ = 0;

   private:
    grpc::ClientContext context_;
    grpc::Slice slice_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
    grpc::Status status_;
    absl::Notification done_;
  };
  grpc::GenericStub stub(facade->channel);
  // Field 1 announced as 100 bytes long, then nothing.
  const std::string truncated("\x0a\x64stream", 8);
  for (const char* method : {"/aws.dynamodbstreams.v1.DynamoDbStreamsService/SubscribeToShard",
                             "/aws.dynamodbstreams.v1.DynamoDbStreamsService/SubscribeToStream"}) {
    Call call(&stub, method, truncated);
    grpc::Status status = call.Wait();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_THAT(status.error_message(),
                ::testing::HasSubstr("could not be parsed as aws.dynamodbstreams.v1.SubscribeTo"))
        << method;
    auto info = ErrorInfoOf(status);
    ASSERT_TRUE(info.has_value()) << method;
    EXPECT_EQ(info->reason(), "SerializationException");
    EXPECT_EQ(call.events_, 0);
  }
}

TEST(SubscriptionEngineTest, ShutdownHandsOutFinalTokensThatResumeExactly) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 20; ++i) h.Put("orders", "k" + std::to_string(i), i);
  auto facade = h.StartFacade();
  auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
  grpc::ClientContext context;
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->set_max_records_per_batch(3);
  auto reader = stub->SubscribeToStream(&context, request);
  Seen before;
  streams::SubscribeToStreamResponse event;
  while (before.records.size() < 6 && reader->Read(&event)) Absorb(event, before);
  std::thread stopper([&] { facade->Shutdown(); });
  while (reader->Read(&event)) Absorb(event, before);
  grpc::Status status = reader->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  std::string token = TrailingToken(context);
  ASSERT_FALSE(token.empty());

  for (int i = 20; i < 25; ++i) h.Put("orders", "k" + std::to_string(i), i);
  auto second = h.StartFacade();  // another replica, same backend and token key
  Seen after = Subscribe(second->channel, StreamRequest(arn, "CONTINUATION", token),
                         HasRecords(25 - before.records.size()));
  std::vector<std::pair<std::string, int>> all = before.records;
  all.insert(all.end(), after.records.begin(), after.records.end());
  ASSERT_THAT(all, SizeIs(25));
  for (int i = 0; i < 25; ++i) EXPECT_EQ(all[i], std::make_pair("k" + std::to_string(i), i));
}

TEST(SubscriptionEngineTest, StalledReaderKeepsServerBufferBounded) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto facade = h.StartFacade();
  auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
  grpc::ClientContext context;
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->set_max_records_per_batch(100);
  auto reader = stub->SubscribeToStream(&context, request);
  // Never read: gRPC flow control stops the server's writes. What the engine
  // holds is sampled all along, not looked at once.
  std::atomic<int64_t> peak{0};
  absl::Notification writes_done;
  std::thread sampler([&] {
    absl::Time stop_at = absl::InfiniteFuture();
    while (absl::Now() < stop_at) {
      peak = std::max(peak.load(), facade->engine->buffered_records());
      if (stop_at == absl::InfiniteFuture() && writes_done.HasBeenNotified()) {
        stop_at = absl::Now() + absl::Seconds(1);  // and a while after the last write
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  std::string pad(2000, 'x');
  for (int i = 0; i < 20000; ++i) {
    aws::dynamodb::v1::PutItemRequest put;
    put.set_table_name("orders");
    (*put.mutable_item())["pk"].set_s("k" + std::to_string(i % 500));
    (*put.mutable_item())["v"].set_n(std::to_string(i));
    (*put.mutable_item())["pad"].set_s(pad);
    EXPECT_TRUE(h.simulator->PutItem(put).ok());
  }
  writes_done.Notify();
  sampler.join();
  // At most the batch being written plus the one being filled; and the
  // engine did hold records (else the bound says nothing).
  EXPECT_LE(peak.load(), 2 * 100);
  EXPECT_GT(peak.load(), 0);
  context.TryCancel();
  reader->Finish();
}

// Many stalled readers: each alone is bounded (above), and together they stay
// near the engine's buffer budget instead of adding up. The same load with
// an unlimited budget shows the budget is what binds. Returns the most the
// engine held at any time: HTTP/2 flow control windows grow (BDP probing),
// so without a budget the transport may in the end take everything and the
// engine's buffers drain; a single late reading could then show nothing.
// SizeBytes of every record BufferedBytesWithStalledReaders writes, at most.
constexpr int64_t kStalledRecordBytes = 2100;

// The largest SizeBytes in the stream's first shard (read directly).
int64_t LargestRecordBytes(StreamsHarness& h, const std::string& arn) {
  streams::GetShardIteratorRequest it;
  it.set_stream_arn(arn);
  it.set_shard_id(h.ShardIds(arn).at(0));
  it.set_shard_iterator_type("TRIM_HORIZON");
  auto iterator = h.simulator->GetShardIterator(it);
  if (!iterator.ok()) return -1;
  std::string next = iterator->shard_iterator();
  int64_t largest = 0;
  for (int pages = 0; pages < 100 && !next.empty(); ++pages) {
    streams::GetRecordsRequest read;
    read.set_shard_iterator(next);
    auto page = h.simulator->GetRecords(read);
    if (!page.ok()) return -1;
    for (const auto& r : page->records()) largest = std::max(largest, r.dynamodb().size_bytes());
    if (page->records_size() == 0) break;
    next = page->next_shard_iterator();
  }
  return largest;
}

int64_t BufferedBytesWithStalledReaders(int64_t budget) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  service::SubscriptionEngineOptions options;
  options.max_buffered_bytes = budget;
  auto facade = h.StartFacade(options);
  auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
  constexpr int kReaders = 30;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<streams::SubscribeToStreamResponse>>> readers;
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->set_max_records_per_batch(100);
  for (int i = 0; i < kReaders; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(stub->SubscribeToStream(contexts.back().get(), request));  // never read
  }
  std::atomic<int64_t> peak{0};
  absl::Notification sampled_enough;
  std::thread sampler([&] {
    const absl::Time end_by = absl::Now() + absl::Seconds(30);
    while (!sampled_enough.WaitForNotificationWithTimeout(absl::Milliseconds(20)) &&
           absl::Now() < end_by) {
      peak = std::max(peak.load(), facade->engine->buffered_bytes());
    }
  });
  std::string pad(2000, 'x');
  for (int i = 0; i < 3000; ++i) {
    aws::dynamodb::v1::PutItemRequest put;
    put.set_table_name("orders");
    // Each key once: every record is an INSERT with one image, so SizeBytes
    // stays under kStalledRecordBytes, which the bound assumes. (Rewritten
    // keys made MODIFY records with both images, ~4 KB: whether the budget
    // was crossed during those depended on timing, and the bound failed
    // under load.)
    (*put.mutable_item())["pk"].set_s("k" + std::to_string(i));
    (*put.mutable_item())["v"].set_n(std::to_string(i));
    (*put.mutable_item())["pad"].set_s(pad);
    EXPECT_TRUE(h.simulator->PutItem(put).ok());
  }
  absl::SleepFor(absl::Seconds(2));
  sampled_enough.Notify();
  sampler.join();
  const int64_t held = std::max(peak.load(), facade->engine->buffered_bytes());
  EXPECT_LE(LargestRecordBytes(h, arn), kStalledRecordBytes) << "the bound's record size is wrong";
  for (auto& c : contexts) c->TryCancel();
  for (auto& r : readers) r->Finish();
  return held;
}

TEST(SubscriptionEngineTest, StalledReadersTogetherStayNearTheBufferBudget) {
  constexpr int64_t kBudget = 256 << 10;
  // Budget + two pages read while it was crossed (two workers) + per reader a
  // squeezed batch in flight and one small read (16 records).
  constexpr int64_t kBound =
      kBudget + 2 * 100 * kStalledRecordBytes + 30 * (16 << 10) + 30 * 16 * kStalledRecordBytes;
  const int64_t bounded = BufferedBytesWithStalledReaders(kBudget);
  EXPECT_LE(bounded, kBound);
  const int64_t unbounded = BufferedBytesWithStalledReaders(int64_t{1} << 40);
  EXPECT_GT(unbounded, kBound)
      << "the load does not exceed the bound without a budget: the test shows nothing";
}

TEST(SubscriptionEngineTest, InjectedThrottlingAndErrorsNeverSurfaceOrLoseRecords) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 200; ++i) h.Put("orders", "k" + std::to_string(i % 7), i);
  using Rule = backends::simulator::FaultInjector::Rule;
  using Kind = backends::simulator::FaultInjector::Kind;
  ASSERT_TRUE(
      h.faults
          ->SetRules({Rule{"dynamodbstreams", "GetRecords", Kind::kThrottle, 0.3, "", {}, 1, 0},
                      Rule{"dynamodbstreams", "", Kind::kInternalError, 0.1, "", {}, 2, 0}})
          .ok());
  auto facade = h.StartFacade();
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->set_max_records_per_batch(10);
  Seen seen = Subscribe(facade->channel, request, HasRecords(200), 60);
  ASSERT_THAT(seen.records, SizeIs(200)) << seen.status.error_message();
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen.records[i].second, i);
}

// Counts the backend calls the engine makes with the backend's own retries
// allowed: there must be none, so retries happen at one layer (the engine's).
class RetryLayerProbe final : public ForwardingStreamsBackend {
 public:
  using ForwardingStreamsBackend::ForwardingStreamsBackend;
  absl::StatusOr<streams::ListStreamsResponse> ListStreams(
      const streams::ListStreamsRequest& r) override {
    Note();
    return child_->ListStreams(r);
  }
  absl::StatusOr<streams::DescribeStreamResponse> DescribeStream(
      const streams::DescribeStreamRequest& r) override {
    Note();
    return child_->DescribeStream(r);
  }
  absl::StatusOr<streams::GetShardIteratorResponse> GetShardIterator(
      const streams::GetShardIteratorRequest& r) override {
    Note();
    return child_->GetShardIterator(r);
  }
  absl::StatusOr<streams::GetRecordsResponse> GetRecords(
      const streams::GetRecordsRequest& r) override {
    Note();
    return child_->GetRecords(r);
  }
  std::atomic<int> calls{0};
  std::atomic<int> calls_allowing_retries{0};

 private:
  void Note() {
    ++calls;
    if (backends::CurrentCallMayRetry()) ++calls_allowing_retries;
  }
};

TEST(SubscriptionEngineTest, BackendCallsMakeOneAttemptSoRetriesHappenAtOneLayer) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 50; ++i) h.Put("orders", "k" + std::to_string(i % 5), i);
  using Rule = backends::simulator::FaultInjector::Rule;
  using Kind = backends::simulator::FaultInjector::Kind;
  ASSERT_TRUE(
      h.faults
          ->SetRules({Rule{"dynamodbstreams", "GetRecords", Kind::kThrottle, 0.3, "", {}, 3, 0}})
          .ok());
  auto probe = std::make_shared<RetryLayerProbe>(h.streams);
  auto facade = h.StartFacade({}, probe);
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->set_max_records_per_batch(5);
  Seen seen = Subscribe(facade->channel, request, HasRecords(50), 60);
  ASSERT_THAT(seen.records, SizeIs(50)) << seen.status.error_message();
  // DescribeStream, GetShardIterator and GetRecords at least (the shard's
  // reader reads the 50 records in one page, throttled reads aside).
  EXPECT_GE(probe->calls.load(), 3);
  EXPECT_EQ(probe->calls_allowing_retries.load(), 0);
}

// Completes every asynchronous call later, on a thread of its own (as the
// real AWS backend does), never before the call returns.
class LateCompletions final : public ForwardingStreamsBackend {
 public:
  explicit LateCompletions(std::shared_ptr<backends::DynamoDbStreamsBackend> child)
      : ForwardingStreamsBackend(std::move(child)), thread_([this] { Loop(); }) {}
  ~LateCompletions() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }
  void AsyncDescribeStream(const backends::CallContext& context, streams::DescribeStreamRequest r,
                           backends::AsyncDone<streams::DescribeStreamResponse> done) override {
    Later(
        context, [this, r] { return child_->DescribeStream(r); }, std::move(done));
  }
  void AsyncGetShardIterator(const backends::CallContext& context,
                             streams::GetShardIteratorRequest r,
                             backends::AsyncDone<streams::GetShardIteratorResponse> done) override {
    Later(
        context, [this, r] { return child_->GetShardIterator(r); }, std::move(done));
  }
  void AsyncGetRecords(const backends::CallContext& context, streams::GetRecordsRequest r,
                       backends::AsyncDone<streams::GetRecordsResponse> done) override {
    Later(
        context, [this, r] { return child_->GetRecords(r); }, std::move(done));
  }
  std::atomic<int> late{0};

 private:
  template <typename Call, typename Response>
  void Later(const backends::CallContext& context, Call call, backends::AsyncDone<Response> done) {
    absl::MutexLock lock(&mu_);
    queue_.push_back([this, context, call = std::move(call), done = std::move(done)]() mutable {
      absl::StatusOr<Response> result = [&] {
        const backends::CallContextScope scope(context);
        return call();
      }();
      ++late;
      std::move(done)(std::move(result));
    });
  }
  void Loop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      mu_.Await(absl::Condition(
          +[](LateCompletions* self) { return self->stopping_ || !self->queue_.empty(); }, this));
      if (queue_.empty()) return;
      absl::AnyInvocable<void()> next = std::move(queue_.front());
      queue_.erase(queue_.begin());
      mu_.Unlock();
      next();
      mu_.Lock();
    }
  }
  absl::Mutex mu_;
  std::vector<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

TEST(SubscriptionEngineTest, CallsCompletingLaterOnAnotherThreadDeliverTheSameHistory) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  for (int i = 0; i < 30; ++i) h.Put("orders", "k", i);
  ASSERT_TRUE(h.simulator->ForceShardRollover(arn).ok());
  for (int i = 30; i < 60; ++i) h.Put("orders", "k", i);
  using Rule = backends::simulator::FaultInjector::Rule;
  using Kind = backends::simulator::FaultInjector::Kind;
  ASSERT_TRUE(
      h.faults
          ->SetRules(
              {Rule{"dynamodbstreams", "GetRecords", Kind::kThrottle, 0.2, "", {}, 5, 0},
               Rule{"dynamodbstreams", "DescribeStream", Kind::kInternalError, 0.2, "", {}, 6, 0}})
          .ok());
  auto late = std::make_shared<LateCompletions>(h.streams);
  auto facade = h.StartFacade({}, late);
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->set_max_records_per_batch(7);
  Seen first = Subscribe(facade->channel, request, HasRecords(40), 60);
  ASSERT_GE(first.records.size(), 40u) << first.status.error_message();
  // And a resume from the last token goes on exactly after it.
  Seen rest = Subscribe(facade->channel, StreamRequest(arn, "CONTINUATION", first.last_token),
                        HasRecords(60 - first.records.size()), 60);
  std::vector<int> versions;
  for (const auto& r : first.records) versions.push_back(r.second);
  for (const auto& r : rest.records) versions.push_back(r.second);
  ASSERT_THAT(versions, SizeIs(60)) << rest.status.error_message();
  for (int i = 0; i < 60; ++i) EXPECT_EQ(versions[i], i);
  EXPECT_THAT(first.shard_ends, SizeIs(1));
  EXPECT_GE(late->late.load(), 5);  // DescribeStream, GetShardIterator, GetRecords at the least
}

// Heartbeats follow the engine's clock, not the wall clock: with a
// FakeClock none comes however long the test takes, until it is advanced.
TEST(SubscriptionEngineTest, HeartbeatFollowsTheInjectedClock) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto clock = std::make_shared<backends::FakeClock>();
  service::SubscriptionEngineOptions options;
  options.clock = clock;
  auto facade = h.StartFacade(options);
  auto request = StreamRequest(arn, "TRIM_HORIZON");
  request.mutable_options()->mutable_heartbeat_interval()->set_seconds(60);
  request.mutable_options()->mutable_heartbeat_interval()->set_nanos(0);
  bool written = false, advanced = false;
  int heartbeats_before_advance = -1;
  Seen seen = Subscribe(facade->channel, request, [&](const Seen& s) {
    if (!written) {
      h.Put("orders", "a", 1);
      written = true;
    }
    if (s.records.size() == 1 && !advanced) {
      heartbeats_before_advance = s.heartbeats;
      clock->Advance(absl::Seconds(60));
      facade->engine->ClockChanged();
      advanced = true;
    }
    return s.heartbeats >= 1;
  });
  EXPECT_EQ(heartbeats_before_advance, 0);
  EXPECT_EQ(seen.heartbeats, 1) << seen.status.error_message();
  EXPECT_THAT(seen.records, SizeIs(1));
}

// Counts the backend's wake-up hooks alive.
class WatchCountingBackend final : public ForwardingStreamsBackend {
 public:
  using ForwardingStreamsBackend::ForwardingStreamsBackend;
  std::unique_ptr<Subscription> WatchStream(absl::string_view arn,
                                            std::function<void()> on_change) override {
    class Counted final : public Subscription {
     public:
      Counted(std::unique_ptr<Subscription> inner, std::atomic<int>* live)
          : inner_(std::move(inner)), live_(live) {
        ++*live_;
      }
      ~Counted() override { --*live_; }

     private:
      std::unique_ptr<Subscription> inner_;
      std::atomic<int>* live_;
    };
    auto inner = child_->WatchStream(arn, std::move(on_change));
    if (inner == nullptr) return nullptr;
    return std::make_unique<Counted>(std::move(inner), &live);
  }
  std::atomic<int> live{0};
};

// Issue 13: subscribers served from a shard's reader are woken by it; they
// hold no wake-up hook of their own (each would wake every subscriber on
// every write: N hooks for one shard).
TEST(SubscriptionEngineTest, AttachedSubscribersHoldNoWakeUpHookOfTheirOwn) {
  constexpr int kSubscribers = 20;
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto counting = std::make_shared<WatchCountingBackend>(h.streams);
  auto facade = h.StartFacade({}, counting);
  std::atomic<int> with_first{0};
  std::vector<Seen> seen(kSubscribers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kSubscribers; ++i) {
    threads.emplace_back([&, i] {
      bool counted = false;
      seen[i] = Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"), [&](const Seen& s) {
        if (!s.records.empty() && !counted) {
          counted = true;
          ++with_first;
        }
        return s.records.size() >= 2;
      });
    });
  }
  h.Put("orders", "a", 1);
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (with_first.load() < kSubscribers && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(with_first.load(), kSubscribers);
  // Every subscriber is open and served from the window: the reader's hook
  // is the only one.
  EXPECT_EQ(counting->live.load(), 1);
  h.Put("orders", "b", 2);
  for (auto& t : threads) t.join();
  for (const Seen& s : seen) {
    EXPECT_THAT(s.records, ElementsAre(std::make_pair(std::string("a"), 1),
                                       std::make_pair(std::string("b"), 2)));
  }
}

// A subscription at a time (or LATEST) reads on its own until it has a
// definite place, then hands its iterator to the shard's reader and drops
// its own hook: from then on the reader must wake it. With a FakeClock no
// timer (heartbeat, poll) can stand in for that wake-up.
TEST(SubscriptionEngineTest, SubscriberThatJoinedTheReaderIsWokenByIt) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "a", 1);
  auto counting = std::make_shared<WatchCountingBackend>(h.streams);
  service::SubscriptionEngineOptions options;
  options.clock = std::make_shared<backends::FakeClock>();
  auto facade = h.StartFacade(options, counting);
  auto request = StreamRequest(arn, "AT_TIMESTAMP");
  request.mutable_starting_position()->mutable_timestamp()->set_seconds(1);
  bool second_written = false;
  Seen seen = Subscribe(facade->channel, request, [&](const Seen& s) {
    if (s.records.size() == 1 && !second_written) {
      // After an empty read past "a" the subscription joins the reader and
      // its own hook goes: only the reader's is left.
      const absl::Time give_up = absl::Now() + absl::Seconds(10);
      while (counting->live.load() > 1 && absl::Now() < give_up) {
        absl::SleepFor(absl::Milliseconds(1));
      }
      EXPECT_EQ(counting->live.load(), 1);
      h.Put("orders", "b", 2);
      second_written = true;
    }
    return s.records.size() >= 2;
  });
  EXPECT_THAT(seen.records,
              ElementsAre(std::make_pair(std::string("a"), 1), std::make_pair(std::string("b"), 2)))
      << seen.status.error_message();
}

// Counts GetRecords and hides the backend's wake-up hook, so the engine
// polls as it does on AWS.
class PolledCountingBackend final : public ForwardingStreamsBackend {
 public:
  using ForwardingStreamsBackend::ForwardingStreamsBackend;
  absl::StatusOr<streams::GetRecordsResponse> GetRecords(
      const streams::GetRecordsRequest& r) override {
    ++get_records;
    return child_->GetRecords(r);
  }
  std::unique_ptr<Subscription> WatchStream(absl::string_view, std::function<void()>) override {
    return nullptr;
  }
  std::atomic<int> get_records{0};
};

// Issue 13: N subscribers on one shard make upstream GetRecords at the
// shard's read budget, not N times it. The subscribers poll fast (10 ms)
// and the writes come over about two seconds; the token bucket allows at
// most one read per 200 ms, so the count is bounded by the elapsed time
// whatever the machine's speed. (The old engine made ~100 reads/s per
// subscriber here.)
TEST(SubscriptionEngineTest, SubscribersOnOneShardShareTheShardReadBudget) {
  constexpr int kSubscribers = 10;
  constexpr int kRecords = 40;
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  auto backend = std::make_shared<PolledCountingBackend>(h.streams);
  service::SubscriptionEngineOptions options;
  options.poll_min = options.poll_max = absl::Milliseconds(10);
  options.shard_reads_per_second = 5;
  auto facade = h.StartFacade(options, backend);
  const absl::Time start = absl::Now();
  std::vector<Seen> seen(kSubscribers);
  std::vector<std::thread> readers;
  for (int i = 0; i < kSubscribers; ++i) {
    readers.emplace_back([&, i] {
      seen[i] =
          Subscribe(facade->channel, StreamRequest(arn, "TRIM_HORIZON"), HasRecords(kRecords), 60);
    });
  }
  for (int v = 0; v < kRecords; ++v) {
    h.Put("orders", "k", v);
    absl::SleepFor(absl::Milliseconds(50));  // paces the writes; nothing is judged by it
  }
  for (auto& t : readers) t.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  for (int i = 0; i < kSubscribers; ++i) {
    ASSERT_THAT(seen[i].records, SizeIs(kRecords)) << i << ": " << seen[i].status.error_message();
    for (int v = 0; v < kRecords; ++v) EXPECT_EQ(seen[i].records[v].second, v);
  }
  EXPECT_LE(backend->get_records.load(), static_cast<int>(5 * elapsed) + 1)
      << "in " << elapsed << " s";
}

// On a polled backend (AWS) a LATEST subscription reads on its own until it
// has a sequence number to offer the shard's reader; a write after it took
// its position still arrives, within the shard's budget.
TEST(SubscriptionEngineTest, LatestOnAPolledBackendGetsNewRecords) {
  StreamsHarness h;
  std::string arn = h.CreateTable("orders");
  h.Put("orders", "old", 1);
  auto backend = std::make_shared<PolledCountingBackend>(h.streams);
  service::SubscriptionEngineOptions options;
  options.poll_min = options.poll_max = absl::Milliseconds(20);
  auto facade = h.StartFacade(options, backend);
  int written = 0;
  const absl::Time start = absl::Now();
  Seen seen = Subscribe(facade->channel, StreamRequest(arn, "LATEST"), [&](const Seen& s) {
    if (s.heartbeats >= 1 && written < 1) h.Put("orders", "new", ++written);
    if (s.records.size() == 1 && written < 2) h.Put("orders", "new", ++written);
    return s.records.size() >= 2;
  });
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  EXPECT_THAT(seen.records, ElementsAre(std::make_pair(std::string("new"), 1),
                                        std::make_pair(std::string("new"), 2)))
      << seen.status.error_message();
  EXPECT_LE(backend->get_records.load(), static_cast<int>(5 * elapsed) + 1)
      << "in " << elapsed << " s";
}

// Issue 13 §4: the checker with many subscribers on the same shards, at
// mixed starting positions (TRIM_HORIZON at different times, so some start
// behind the shared reader's window; LATEST), each disconnecting at random
// and resuming from its last token, with injected throttling and errors and
// rollovers. Every subscriber sees each item's versions exactly once, in
// order: from version 1 (TRIM_HORIZON) or from its first (LATEST) to the
// last written.
TEST(SubscriptionEngineTest, CheckerManySubscribersAtMixedPositionsOnSharedShards) {
  constexpr int kWrites = 6000;
  constexpr int kItems = 100;
  constexpr int kSubscribers = 100;
  backends::simulator::DynamoDbSimulatorOptions sim;
  sim.shard_rollover_records = 1500;
  StreamsHarness h(sim);
  std::string arn = h.CreateTable("history", "NEW_IMAGE");
  using Rule = backends::simulator::FaultInjector::Rule;
  using Kind = backends::simulator::FaultInjector::Kind;
  ASSERT_TRUE(
      h.faults
          ->SetRules({Rule{"dynamodbstreams", "GetRecords", Kind::kThrottle, 0.05, "", {}, 21, 0},
                      Rule{"dynamodbstreams", "", Kind::kInternalError, 0.02, "", {}, 22, 0}})
          .ok());
  auto facade = h.StartFacade();
  std::atomic<int> written{0};
  std::vector<int> final_version(kItems, 0);
  std::thread writer([&] {
    std::mt19937 rng(5);
    for (int i = 0; i < kWrites; ++i) {
      int item = static_cast<int>(rng() % kItems);
      h.Put("history", "item" + std::to_string(item), ++final_version[item]);
      written = i + 1;
      if (i % 2000 == 1999) {
        ASSERT_TRUE(h.simulator->ForceShardRollover(arn).ok());
      }
    }
  });
  struct Result {
    bool from_start = false;
    std::map<std::string, int> first, last;
    int64_t delivered = 0;
    int resumes = 0;
    std::string error;
  };
  std::vector<Result> results(kSubscribers);
  std::vector<std::thread> subscribers;
  for (int s = 0; s < kSubscribers; ++s) {
    subscribers.emplace_back([&, s] {
      Result& r = results[s];
      std::mt19937 rng(1000 + s);
      r.from_start = s % 2 == 0;
      // Start when the writer is somewhere in the history.
      const int start_after = static_cast<int>(rng() % (kWrites / 2));
      while (written.load() < start_after) absl::SleepFor(absl::Milliseconds(1));
      std::string token;
      const absl::Time give_up = absl::Now() + absl::Minutes(3);
      while (absl::Now() < give_up && r.error.empty()) {
        auto request = !token.empty()
                           ? StreamRequest(arn, "CONTINUATION", token)
                           : StreamRequest(arn, r.from_start ? "TRIM_HORIZON" : "LATEST");
        request.mutable_options()->set_max_records_per_batch(1 + static_cast<int>(rng() % 300));
        const int64_t disconnect_after = 1 + rng() % 3000;
        auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
        grpc::ClientContext context;
        auto reader = stub->SubscribeToStream(&context, request);
        streams::SubscribeToStreamResponse event;
        int64_t got = 0;
        bool idle_after_writes = false;
        while (r.error.empty() && reader->Read(&event)) {
          if (event.has_records()) {
            for (const auto& rec : event.records().records()) {
              const std::string& pk = rec.record().dynamodb().keys().at("pk").s();
              int v = 0;
              (void)absl::SimpleAtoi(rec.record().dynamodb().new_image().at("v").n(), &v);
              auto last = r.last.find(pk);
              if (last == r.last.end()) {
                if (r.from_start && v != 1) r.error = absl::StrCat(pk, ": first version ", v);
                r.first[pk] = v;
                r.last[pk] = v;
              } else if (v != last->second + 1) {
                r.error = absl::StrCat(pk, ": after version ", last->second, " came ", v,
                                       v <= last->second ? " (duplicate or reorder)" : " (gap)");
              } else {
                last->second = v;
              }
              ++r.delivered;
              ++got;
            }
            token = event.records().continuation_token();
          } else if (event.has_heartbeat()) {
            token = event.heartbeat().continuation_token();
            idle_after_writes = written.load() == kWrites;
          } else {
            token = event.shard_end().continuation_token();
          }
          if (got >= disconnect_after || idle_after_writes) break;
        }
        context.TryCancel();
        reader->Finish();
        if (idle_after_writes) {
          bool complete = true;
          for (int i = 0; i < kItems && complete; ++i) {
            auto it = r.last.find("item" + std::to_string(i));
            complete = it != r.last.end() ? it->second == final_version[i] : !r.from_start;
          }
          if (complete) break;
        }
        ++r.resumes;
      }
    });
  }
  writer.join();
  for (auto& t : subscribers) t.join();
  int resumes = 0;
  for (int s = 0; s < kSubscribers; ++s) {
    const Result& r = results[s];
    ASSERT_TRUE(r.error.empty()) << "subscriber " << s << ": " << r.error;
    resumes += r.resumes;
    for (int i = 0; i < kItems; ++i) {
      auto last = r.last.find("item" + std::to_string(i));
      if (r.from_start) {
        ASSERT_NE(last, r.last.end()) << "subscriber " << s << " never saw item" << i;
      } else if (last == r.last.end()) {
        continue;  // LATEST after the item's last write
      }
      EXPECT_EQ(last->second, final_version[i])
          << "subscriber " << s << " lost the end of item" << i;
    }
    if (r.from_start) {
      EXPECT_EQ(r.delivered, kWrites) << "subscriber " << s;
    }
  }
  EXPECT_GT(resumes, kSubscribers);
}

// The checker of the issue: a long history over many items with random
// disconnects and resumes from the last token seen, injected throttling and
// errors, and forced shard rollovers. Each item's versions must arrive
// exactly once each, in order: zero lost, reordered or duplicated records.
TEST(SubscriptionEngineTest, CheckerNoLossNoReorderNoDuplicatesAcrossResumes) {
  constexpr int kWrites = 100000;
  constexpr int kItems = 1000;
  backends::simulator::DynamoDbSimulatorOptions options;
  options.shard_rollover_records = 7000;  // rollovers by load, beside the forced ones
  StreamsHarness h(options);
  std::string arn = h.CreateTable("history", "NEW_IMAGE");
  using Rule = backends::simulator::FaultInjector::Rule;
  using Kind = backends::simulator::FaultInjector::Kind;
  ASSERT_TRUE(
      h.faults
          ->SetRules({Rule{"dynamodbstreams", "GetRecords", Kind::kThrottle, 0.05, "", {}, 11, 0},
                      Rule{"dynamodbstreams", "", Kind::kInternalError, 0.02, "", {}, 12, 0}})
          .ok());
  auto facade = h.StartFacade();

  std::atomic<bool> writing{true};
  std::thread writer([&] {
    std::vector<int> version(kItems, 0);
    std::mt19937 rng(7);
    for (int i = 0; i < kWrites; ++i) {
      int item = static_cast<int>(rng() % kItems);
      h.Put("history", "item" + std::to_string(item), ++version[item]);
      if (i % 20000 == 19999) {
        ASSERT_TRUE(h.simulator->ForceShardRollover(arn).ok());
      }
    }
    writing = false;
  });

  std::map<std::string, int> last_version;
  int64_t delivered = 0;
  int resumes = 0;
  std::string token;
  std::mt19937 rng(99);
  absl::Time give_up = absl::Now() + absl::Minutes(4);
  while (absl::Now() < give_up) {
    auto request = token.empty() ? StreamRequest(arn, "TRIM_HORIZON")
                                 : StreamRequest(arn, "CONTINUATION", token);
    request.mutable_options()->set_max_records_per_batch(1 + static_cast<int>(rng() % 500));
    const size_t disconnect_after = 1 + rng() % 8000;  // records before this client drops
    auto stub = streams::DynamoDbStreamsService::NewStub(facade->channel);
    grpc::ClientContext context;
    auto reader = stub->SubscribeToStream(&context, request);
    streams::SubscribeToStreamResponse event;
    size_t got = 0;
    bool idle = false;
    while (reader->Read(&event)) {
      if (event.has_records()) {
        for (const auto& r : event.records().records()) {
          const std::string& pk = r.record().dynamodb().keys().at("pk").s();
          int v = 0;
          ASSERT_TRUE(absl::SimpleAtoi(r.record().dynamodb().new_image().at("v").n(), &v));
          int& last = last_version[pk];
          ASSERT_EQ(v, last + 1) << pk << ": after version " << last << " came " << v
                                 << (v <= last ? " (duplicate or reorder)" : " (gap)");
          last = v;
          ++delivered;
          ++got;
        }
        token = event.records().continuation_token();
      } else if (event.has_heartbeat()) {
        token = event.heartbeat().continuation_token();
        idle = !writing;
      } else {
        token = event.shard_end().continuation_token();
      }
      if (got >= disconnect_after || idle) break;
    }
    context.TryCancel();
    reader->Finish();
    if (idle && delivered == kWrites) break;
    ++resumes;
  }
  writer.join();
  EXPECT_EQ(delivered, kWrites);
  EXPECT_GT(resumes, 10);
  int64_t total = 0;
  for (const auto& [pk, v] : last_version) total += v;
  EXPECT_EQ(total, kWrites);
}

}  // namespace
}  // namespace awsfacade::testing
