#include "service/subscriptions/shard_reader.h"

#include <atomic>
#include <memory>

#include "gtest/gtest.h"
#include "tests/service/streams_harness.h"
#include "tests/service/subscriptions/forwarding_backend.h"

namespace awsfacade::service::subscriptions {
namespace {

namespace v1 = ::aws::dynamodbstreams::v1;

// Counts GetRecords; optionally hides the wake-up hook (a polled backend).
class Counting final : public testing::ForwardingStreamsBackend {
 public:
  Counting(std::shared_ptr<backends::DynamoDbStreamsBackend> child, bool notifies)
      : ForwardingStreamsBackend(std::move(child)), notifies_(notifies) {}
  absl::StatusOr<v1::GetRecordsResponse> GetRecords(const v1::GetRecordsRequest& r) override {
    ++reads;
    return child_->GetRecords(r);
  }
  std::unique_ptr<Subscription> WatchStream(absl::string_view arn,
                                            std::function<void()> cb) override {
    return notifies_ ? child_->WatchStream(arn, std::move(cb)) : nullptr;
  }
  std::atomic<int> reads{0};

 private:
  bool notifies_;
};

class ShardReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    arn_ = h_.CreateTable("orders");
    shard_ = h_.ShardIds(arn_).at(0);
  }

  std::shared_ptr<ShardReader> MakeReader(bool notifies, ShardReaderOptions options = {}) {
    backend_ = std::make_shared<Counting>(h_.streams, notifies);
    ShardReaderEnvironment env;
    env.backend = backend_.get();
    env.clock = &clock_;
    env.scheduler = &scheduler_;
    env.executor = &executor_;
    env.call_started = [] {};
    env.call_ended = [] {};
    return std::make_shared<ShardReader>(std::move(env), arn_, shard_, options);
  }

  // Serves as a subscription would: again after records, and again when
  // woken (here: during the call, as reads complete inline).
  std::vector<std::string> ServeAll(ShardReader& reader, uint64_t* cursor, int* wakes) {
    std::vector<std::string> seqs;
    for (;;) {
      std::vector<std::shared_ptr<const ShardReader::Entry>> out;
      const int before = *wakes;
      ShardReader::Served s = reader.Serve(cursor, 1000, &out, [wakes] { ++*wakes; });
      for (const auto& r : out) seqs.push_back(r->meta.sequence_number);
      if (s == ShardReader::Served::kRecords ||
          (s == ShardReader::Served::kWait && *wakes != before))
        continue;
      return seqs;
    }
  }

  static ShardReaderOptions Unlimited() {
    ShardReaderOptions o;
    o.reads_per_second = 0;  // the simulator's default: reads on wake-ups
    return o;
  }

  testing::StreamsHarness h_;
  std::string arn_, shard_;
  backends::FakeClock clock_;
  Scheduler scheduler_{&clock_};
  InlineExecutor executor_;
  std::shared_ptr<Counting> backend_;
};

TEST_F(ShardReaderTest, SubscribersAtTheStartShareOneUpstreamRead) {
  for (int i = 0; i < 5; ++i) h_.Put("orders", "k", i);
  auto reader = MakeReader(/*notifies=*/true, Unlimited());
  reader->Begin(Position{Position::kFromStart, "", {}});
  std::vector<uint64_t> cursors;
  for (int i = 0; i < 10; ++i) {
    std::optional<uint64_t> c = reader->Attach(Position{Position::kFromStart, "", {}});
    ASSERT_TRUE(c.has_value());
    cursors.push_back(*c);
  }
  int wakes = 0;
  std::vector<std::vector<std::string>> got;
  for (uint64_t& c : cursors) got.push_back(ServeAll(*reader, &c, &wakes));
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  EXPECT_EQ(got[0].size(), 5u);
  EXPECT_EQ(backend_->reads.load(),
            2);  // the page, then one empty read at the tip
}

TEST_F(ShardReaderTest, AWriteWakesWaitersOnceTheReaderHasIt) {
  auto reader = MakeReader(/*notifies=*/true, Unlimited());
  reader->Begin(Position{Position::kFromStart, "", {}});
  uint64_t cursor = *reader->Attach(Position{Position::kFromStart, "", {}});
  int wakes = 0;
  EXPECT_TRUE(ServeAll(*reader, &cursor, &wakes).empty());
  h_.Put("orders", "k", 1);  // the hook makes the reader read (inline executor)
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(ServeAll(*reader, &cursor, &wakes).size(), 1u);
}

// The first LATEST subscriber has no sequence number to offer, only its
// iterator: the reader takes it, and later LATEST subscribers attach to the
// reader instead of reading (and being woken) on their own.
TEST_F(ShardReaderTest, AnIteratorWithoutASequenceNumberIsAdoptedForTheTip) {
  h_.Put("orders", "old", 1);
  auto reader = MakeReader(/*notifies=*/true, Unlimited());
  const Position latest{Position::kLatest, "", {}};
  reader->Begin(latest);  // no definite place: nothing is read yet
  EXPECT_FALSE(reader->Attach(latest).has_value());
  v1::GetShardIteratorRequest request;
  request.set_stream_arn(arn_);
  request.set_shard_id(shard_);
  request.set_shard_iterator_type("LATEST");
  auto it = h_.streams->GetShardIterator(request);
  ASSERT_TRUE(it.ok()) << it.status();
  std::optional<uint64_t> first =
      reader->Offer(it->shard_iterator(), Position{Position::kSinceTime, "", absl::Now()});
  ASSERT_TRUE(first.has_value());
  std::optional<uint64_t> second = reader->Attach(latest);
  ASSERT_TRUE(second.has_value());
  // Positions the window does not cover still read on their own.
  EXPECT_FALSE(reader->Attach(Position{Position::kFromStart, "", {}}).has_value());
  int wakes = 0;
  EXPECT_TRUE(ServeAll(*reader, &*first, &wakes).empty());
  h_.Put("orders", "new", 2);
  std::vector<std::string> a = ServeAll(*reader, &*first, &wakes);
  std::vector<std::string> b = ServeAll(*reader, &*second, &wakes);
  ASSERT_EQ(a.size(), 1u);  // "new" only
  EXPECT_EQ(a, b);
}

TEST_F(ShardReaderTest, PolledReadsKeepToTheBudgetOnTheInjectedClock) {
  ShardReaderOptions options;
  options.reads_per_second = 5;
  options.poll_min = options.poll_max = absl::Milliseconds(1);
  auto reader = MakeReader(/*notifies=*/false, options);
  reader->Begin(Position{Position::kFromStart, "", {}});
  uint64_t cursor = *reader->Attach(Position{Position::kFromStart, "", {}});
  int wakes = 0;
  for (int i = 0; i < 100; ++i) ServeAll(*reader, &cursor, &wakes);  // 100 askers, no time passes
  EXPECT_EQ(backend_->reads.load(), 1);
  // Own reads of subscribers behind share the same budget.
  EXPECT_NE(reader->TakeRead(), absl::InfinitePast());
  clock_.Advance(absl::Milliseconds(200));
  EXPECT_EQ(reader->TakeRead(), absl::InfinitePast());
}

TEST_F(ShardReaderTest, PositionsInsideOrAheadAttachBehindTheWindowDoNot) {
  for (int i = 0; i < 6; ++i) h_.Put("orders", "k", i);
  ShardReaderOptions options;
  options.window_records = 3;
  auto reader = MakeReader(/*notifies=*/true, options);
  // Begun after the first record: the window keeps the last three of five.
  v1::GetShardIteratorRequest it;
  it.set_stream_arn(arn_);
  it.set_shard_id(shard_);
  it.set_shard_iterator_type("TRIM_HORIZON");
  v1::GetRecordsRequest read;
  read.set_shard_iterator(h_.streams->GetShardIterator(it)->shard_iterator());
  auto all = h_.streams->GetRecords(read);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->records_size(), 6);
  auto seq = [&](int i) { return all->records(i).dynamodb().sequence_number(); };
  reader->Begin(Position{Position::kAfter, seq(0), {}});
  uint64_t first = *reader->Attach(Position{Position::kAfter, seq(0), {}});
  int wakes = 0;
  EXPECT_EQ(ServeAll(*reader, &first, &wakes).size(),
            0u);  // evicted before it was served
  // ServeAll's first call made the read; the first cursor fell out of the
  // window.
  uint64_t again = first;
  std::vector<std::shared_ptr<const ShardReader::Entry>> out;
  EXPECT_EQ(reader->Serve(&again, 10, &out, [] {}), ShardReader::Served::kDetached);
  EXPECT_FALSE(reader->Attach(Position{Position::kAfter, seq(1), {}}).has_value());  // behind
  EXPECT_FALSE(reader->Attach(Position{Position::kAt, seq(2), {}}).has_value());     // just behind
  EXPECT_TRUE(
      reader->Attach(Position{Position::kAt, seq(3), {}}).has_value());  // the window's first
  EXPECT_TRUE(reader->Attach(Position{Position::kAfter, seq(2), {}}).has_value());  // its anchor
  std::optional<uint64_t> inside = reader->Attach(Position{Position::kAfter, seq(3), {}});
  ASSERT_TRUE(inside.has_value());
  EXPECT_EQ(ServeAll(*reader, &*inside, &wakes), (std::vector<std::string>{seq(4), seq(5)}));
  std::optional<uint64_t> at = reader->Attach(Position{Position::kAt, seq(4), {}});
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(ServeAll(*reader, &*at, &wakes), (std::vector<std::string>{seq(4), seq(5)}));
  EXPECT_TRUE(
      reader->Attach(Position{Position::kAfter, "99999999999999999999999", {}}).has_value());
}

TEST_F(ShardReaderTest, AClosedShardEndsEveryAttachedSubscriber) {
  h_.Put("orders", "k", 1);
  ASSERT_TRUE(h_.simulator->ForceShardRollover(arn_).ok());
  auto reader = MakeReader(/*notifies=*/true);
  reader->Begin(Position{Position::kFromStart, "", {}});
  uint64_t a = *reader->Attach(Position{Position::kFromStart, "", {}});
  uint64_t b = a;
  int wakes = 0;
  EXPECT_EQ(ServeAll(*reader, &a, &wakes).size(), 1u);
  std::vector<std::shared_ptr<const ShardReader::Entry>> out;
  EXPECT_EQ(reader->Serve(&a, 10, &out, [] {}), ShardReader::Served::kEnded);
  EXPECT_EQ(ServeAll(*reader, &b, &wakes).size(), 1u);
  EXPECT_EQ(reader->Serve(&b, 10, &out, [] {}), ShardReader::Served::kEnded);
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
