#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SHARD_READER_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SHARD_READER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/common/clock.h"
#include "backends/dynamodb_streams_backend.h"
#include "service/executor.h"
#include "service/scheduler.h"
#include "service/subscriptions/continuation_token.h"
#include "service/subscriptions/event_wire.h"
#include "service/subscriptions/read_budget.h"

namespace awsfacade::service::subscriptions {

// What a ShardReader needs from the engine that owns it. Everything here
// outlives every reader.
struct ShardReaderEnvironment {
  backends::DynamoDbStreamsBackend* backend = nullptr;
  const backends::Clock* clock = nullptr;
  Scheduler* scheduler = nullptr;
  Executor* executor = nullptr;
  // Told of every backend call until its completion has run (the engine
  // waits for none to be out before it goes).
  std::function<void()> call_started;
  std::function<void()> call_ended;
};

struct ShardReaderOptions {
  // Upstream GetRecords per second for the shard, the reader's and those of
  // subscribers catching up together; <= 0: unlimited.
  double reads_per_second = 5;
  // The window: the most recent records read, kept for subscribers at the
  // tip (and a little behind it).
  int64_t window_records = 2000;
  int64_t window_bytes = 4 << 20;
  // Pacing of a backend that cannot notify (real AWS): after an empty read
  // the next one waits poll_min, doubling to poll_max.
  absl::Duration poll_min = absl::Milliseconds(250);
  absl::Duration poll_max = absl::Seconds(1);
  // Backoff for throttling and transient errors.
  absl::Duration retry_min = absl::Milliseconds(20);
  absl::Duration retry_max = absl::Seconds(5);
};

// The one upstream reader of a shard in this process, shared by every
// subscription on it (refcounted: subscriptions hold it, the engine's
// registry only a weak reference). It reads the shard's tip with its own
// iterator, within the shard's read budget, and keeps what it read in a
// bounded window, contiguous from an anchor; subscriptions positioned in
// the window (or at the tip) are attached and served from it, each with a
// cursor (an index into the shard's records as read by this reader).
// Subscriptions behind the window read with their own iterators, taking
// each read from TakeRead(), until they can attach. Thread-safe; no lock is
// held while a backend call starts or a subscription is woken.
class ShardReader : public std::enable_shared_from_this<ShardReader> {
 public:
  // A record as the window keeps it: encoded once for every subscriber
  // (event_wire.h).
  using Entry = EncodedRecord;

  ShardReader(ShardReaderEnvironment env, std::string stream_arn, std::string shard_id,
              ShardReaderOptions options);
  ~ShardReader();

  // Starts reading from `pos` (what the first subscription asks for),
  // when that is a definite place: the start, at or after a sequence
  // number. Then the subscription attaches at once. Otherwise the reader
  // waits for a subscription to Offer() its iterator.
  void Begin(const Position& pos);

  // A cursor for a subscription at `pos`, when the window holds every
  // record after it (or it is at or ahead of the tip); nullopt: read on
  // your own. A subscription ahead of the tip must skip the records at or
  // before its position.
  std::optional<uint64_t> Attach(const Position& pos);

  enum class Served {
    kRecords,   // `out` has records; the cursor moved past them
    kWait,      // at the tip: `wake` runs when there is more
    kEnded,     // the shard is closed and fully read
    kDetached,  // the window no longer has the cursor's place: read on your own
  };
  Served Serve(uint64_t* cursor, int limit, std::vector<std::shared_ptr<const Entry>>* out,
               std::function<void()> wake);

  // A subscription reading on its own found nothing more at `pos` (the
  // start, after a sequence number, or at a time or LATEST before it read
  // any record) with `iterator`: the reader adopts the iterator when it has
  // none, and returns the subscription's cursor.
  std::optional<uint64_t> Offer(const std::string& iterator, const Position& pos);

  // For a read of a subscription on its own: InfinitePast when it may
  // read now, else when it may.
  absl::Time TakeRead() { return budget_.TryTake(); }

  // The backend may have new records (its wake-up hook).
  void Notify();

  int64_t upstream_reads() const;

 private:
  void MaybeRead();  // starts a read when one is due
  void ReadNow();
  void OnRead(uint64_t generation,
              absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> page);
  // A page read: into the window; true when waiting subscriptions should
  // be woken (records came, or the shard ended).
  bool TakePage(uint64_t generation, const ::aws::dynamodbstreams::v1::GetRecordsResponse& page,
                std::vector<std::shared_ptr<const Entry>> entries, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Where to get an iterator again after one expired; nullopt: nowhere.
  std::optional<::aws::dynamodbstreams::v1::GetShardIteratorRequest> ReacquireRequest() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Acquire(::aws::dynamodbstreams::v1::GetShardIteratorRequest request);
  void OnIterator(absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> it);
  void ArmTimer(absl::Time at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the window holds every record `pos` still has to read.
  std::optional<uint64_t> CursorFor(const Position& pos) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::function<void()>> TakeWaiters() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t end() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return base_ + window_.size(); }

  const ShardReaderEnvironment env_;
  const std::string stream_arn_;
  const std::string shard_id_;
  const ShardReaderOptions options_;
  ReadBudget budget_;

  mutable absl::Mutex mu_;
  std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> watch_ ABSL_GUARDED_BY(mu_);
  bool has_watch_ ABSL_GUARDED_BY(mu_) = false;
  // The window: records base_ .. base_ + size, every record the shard has
  // from the anchor on (kFromStart, kAfter or kAt a sequence number; none
  // while the reader has not begun).
  std::deque<std::shared_ptr<const Entry>> window_ ABSL_GUARDED_BY(mu_);
  int64_t window_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t base_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<Position> anchor_ ABSL_GUARDED_BY(mu_);
  std::string iterator_ ABSL_GUARDED_BY(mu_);  // empty: none (yet, or lost)
  bool acquiring_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;  // the last read found nothing new
  bool dirty_ ABSL_GUARDED_BY(mu_) = true;       // there may be records to read
  uint64_t notify_generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_poll_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration poll_delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  absl::Duration retry_delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  absl::Time not_before_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();  // backoff
  std::optional<backends::CallDelay> delayed_ ABSL_GUARDED_BY(mu_);
  std::optional<Scheduler::Id> timer_ ABSL_GUARDED_BY(mu_);
  absl::Time timer_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::vector<std::function<void()>> waiters_ ABSL_GUARDED_BY(mu_);
  int64_t upstream_reads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SHARD_READER_H_
