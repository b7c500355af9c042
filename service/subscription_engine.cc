#include "service/subscription_engine.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "backends/common/aws_error.h"
#include "backends/common/call_deadline.h"
#include "backends/common/call_delay.h"
#include "google/protobuf/util/time_util.h"
#include "service/caller_identity.h"
#include "service/status_conversion.h"
#include "service/subscriptions/shard_lineage.h"
#include "service/subscriptions/subscription_options.h"
#include "service/wire_copy.h"

namespace awsfacade::service {
namespace v1 = ::aws::dynamodbstreams::v1;
using backends::AwsError;
using subscriptions::BatchingOptions;
using subscriptions::BufferBudget;
using subscriptions::Position;
using subscriptions::TokenMode;

namespace {

constexpr char kDomain[] = "streams.dynamodb";
constexpr char kTokenMetadataKey[] = "awsfacade-continuation-token";
// Steps one worker runs for a subscription before yielding to others.
constexpr int kStepsPerTurn = 16;

// Record bytes (SizeBytes) an event carries.
int64_t RecordBytes(const v1::SubscribeToStreamResponse& event) {
  int64_t bytes = 0;
  for (const auto& r : event.records().records()) bytes += r.record().dynamodb().size_bytes();
  return bytes;
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return AwsError("ValidationException", message, field);
}

struct ShardState {
  std::string parent;
  Position pos;
  std::string iterator;  // empty: obtain one from `pos`
  bool idle = false;     // the last read of this open shard found nothing new
  bool closing = false;  // fully read and closed; its ShardEnd is not out yet
  absl::Duration poll_delay = absl::ZeroDuration();
};

// Errors the engine rides out with backoff: they never reach the client.
bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

bool IsAwsError(const absl::Status& status, absl::string_view name) {
  auto n = backends::AwsErrorName(status);
  return n && *n == name;
}

}  // namespace

// Where events go: the gRPC reactor of one subscription.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Write(const v1::SubscribeToStreamResponse& event) = 0;
  virtual void Finish(grpc::Status status, const std::string& final_token) = 0;
};

// One subscription's state machine. Every step runs on the engine's
// workers, one step at a time per subscription (a strand); backend calls
// happen inside steps without the lock held.
class Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  using Mode = TokenMode;

  Subscription(SubscriptionEngine* engine, Mode mode) : engine_(engine), mode_(mode) {}
  ~Subscription() {
    int64_t unsent = batch_.records().records_size();
    int64_t unsent_bytes = batch_bytes_;
    for (const auto& event : outbox_) {
      unsent += event.records().records_size();
      unsent_bytes += RecordBytes(event);
    }
    engine_->budget_.Release(unsent, unsent_bytes);
  }

  // Validates the request and sets the starting positions. Runs on a worker.
  absl::Status Start(const std::string& stream_arn, const std::string& shard_id,
                     const v1::StartingPosition& start, const v1::SubscriptionOptions& options);

  void Attach(EventSink* sink) {
    absl::MutexLock lock(&mu_);
    sink_ = sink;
  }
  // After a successful Start: steps may run from now on.
  void Started() {
    {
      absl::MutexLock lock(&mu_);
      started_ = true;
    }
    Kick();
  }
  void Kick();
  void OnWriteDone(bool ok);
  void Cancel();
  void Stop();     // server shutdown
  void Detached();  // the reactor is gone

 private:
  // One step of work; true when another should follow at once.
  bool Step();
  void RunSteps();
  void Wake();
  void ScheduleKick(absl::Duration delay);

  // Every shard (or every child of `children_of`), and the stream status.
  absl::Status Describe(std::vector<v1::Shard>* out, const std::string& children_of = "",
                        std::string* stream_status = nullptr);
  absl::Status DescribeOnce(std::vector<v1::Shard>* out, const std::string& children_of,
                            std::string* stream_status);
  absl::Status AddNewShards(bool* stream_disabled);
  absl::Status EnsureIterator(const std::string& shard_id, ShardState& shard);
  absl::Status ReadShard(const std::string& shard_id);
  absl::Status FinishShard(const std::string& shard_id);
  std::optional<std::string> PickShard();
  bool Readable(const ShardState& shard) const;
  void SealBatch();
  int64_t BatchBytesLimit() const { return engine_->budget_.BatchBytes(options_.max_bytes); }
  bool CaughtUp() const;
  int64_t MillisBehind() const;
  std::string Token() const;
  absl::Status DecodeToken(absl::string_view token);
  // Finishes with `status` after the write in flight (if any) completes.
  void FinishWith(const absl::Status& status);
  void FinishNow(grpc::Status status);
  absl::Status TrimmedError(const std::string& shard_id, absl::string_view message);
  void Backoff(const absl::Status& status);

  SubscriptionEngine* const engine_;
  const Mode mode_;
  backends::DynamoDbStreamsBackend* backend() const { return engine_->backend_.get(); }

  // Strand and cross-thread flags.
  absl::Mutex mu_;
  EventSink* sink_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool rerun_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> finish_pending_ ABSL_GUARDED_BY(mu_);
  uint64_t wake_generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_sent_token_ ABSL_GUARDED_BY(mu_);
  std::optional<Scheduler::Id> timer_ ABSL_GUARDED_BY(mu_);
  absl::Time timer_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();

  // Owned by the strand (only Step and what it calls touch these).
  std::string stream_arn_;
  std::string only_shard_;  // kShard mode
  BatchingOptions options_;
  std::map<std::string, ShardState> shards_;  // ordered: stable tokens and round robin
  std::string last_read_shard_;
  // Events ready to write, oldest first. Usually 0..2 long; a vector (not a
  // deque, which allocates ~600 bytes even when empty) keeps idle
  // subscriptions small.
  std::vector<v1::SubscribeToStreamResponse> outbox_;
  v1::SubscribeToStreamResponse pending_write_;  // the event being written
  v1::SubscribeToStreamResponse batch_;
  int64_t batch_bytes_ = 0;
  absl::Time batch_started_;
  absl::Time last_event_at_ = absl::Now();
  absl::Time deadline_ = absl::InfiniteFuture();
  absl::Time newest_seen_ = absl::InfinitePast();  // creation time of the last record read
  absl::Duration retry_delay_ = absl::ZeroDuration();
  // A backend call that asked to run later (an injected latency): the steps
  // that follow run it when due, and no worker waits for it.
  std::optional<backends::CallDelay> delayed_call_;
  uint64_t seen_generation_ = 0;
  bool has_watch_ = false;
  std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> watch_;
};

// ---------------------------------------------------------------------------
// Start-up.

absl::Status Subscription::Start(const std::string& stream_arn, const std::string& shard_id,
                                 const v1::StartingPosition& start,
                                 const v1::SubscriptionOptions& options) {
  if (stream_arn.empty()) return Invalid("StreamArn", "StreamArn is required");
  if (mode_ == Mode::kShard && shard_id.empty()) return Invalid("ShardId", "ShardId is required");
  auto parsed = subscriptions::ParseBatchingOptions(options);
  if (!parsed.ok()) return parsed.status();
  options_ = *std::move(parsed);
  stream_arn_ = stream_arn;
  only_shard_ = shard_id;
  const absl::Time now = absl::Now();
  if (options_.lifetime > absl::ZeroDuration()) deadline_ = now + options_.lifetime;

  const std::string& type = start.type();
  if (type == "CONTINUATION") {
    if (absl::Status s = DecodeToken(start.continuation_token()); !s.ok()) return s;
  } else {
    Position pos;
    if (type == "TRIM_HORIZON") {
      pos.kind = Position::kFromStart;
    } else if (type == "LATEST") {
      pos.kind = Position::kLatest;
      // ApproximateCreationDateTime is whole seconds: a resume from a token
      // taken before any record was read re-reads from this second on.
      pos.time = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
    } else if (type == "AT_TIMESTAMP") {
      if (!start.has_timestamp()) {
        return Invalid("StartingPosition.Timestamp", "AT_TIMESTAMP needs Timestamp");
      }
      pos.kind = Position::kSinceTime;
      pos.time = ToTime(start.timestamp());
    } else if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
      if (mode_ == Mode::kStream) {
        return Invalid("StartingPosition.Type",
                       "sequence numbers are per shard: use SubscribeToShard for " + type);
      }
      const std::string& seq = start.sequence_number();
      if (seq.size() < 21 || seq.size() > 40 ||
          !std::all_of(seq.begin(), seq.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Invalid("StartingPosition.SequenceNumber",
                       "SequenceNumber must be 21..40 decimal digits");
      }
      pos.kind = type == "AT_SEQUENCE_NUMBER" ? Position::kAt : Position::kAfter;
      pos.seq = seq;
    } else {
      return Invalid("StartingPosition.Type",
                     absl::StrCat("StartingPosition.Type '", type,
                                  "' is not one of TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, "
                                  "AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP, CONTINUATION"));
    }
    std::vector<v1::Shard> all;
    if (absl::Status s = Describe(&all); !s.ok()) return s;
    bool found = false;
    for (const auto& shard : all) {
      if (mode_ == Mode::kShard && shard.shard_id() != only_shard_) continue;
      found = true;
      ShardState state;
      state.parent = shard.parent_shard_id();
      state.pos = pos;
      // LATEST skips shards that are already closed: nothing new comes there.
      if (pos.kind == Position::kLatest && mode_ == Mode::kStream &&
          !shard.sequence_number_range().ending_sequence_number().empty()) {
        state.pos = Position{Position::kDone, "", {}};
      }
      shards_.emplace(shard.shard_id(), std::move(state));
    }
    if (mode_ == Mode::kShard && !found) {
      return AwsError("ResourceNotFoundException",
                      absl::StrCat("Shard ", only_shard_, " does not exist in stream ", stream_arn_),
                      "ShardId");
    }
  }
  {
    absl::MutexLock lock(&mu_);
    last_sent_token_ = Token();
  }
  std::weak_ptr<Subscription> weak = weak_from_this();
  watch_ = backend()->WatchStream(stream_arn_, [weak] {
    if (auto self = weak.lock()) self->Wake();
  });
  has_watch_ = watch_ != nullptr;
  return absl::OkStatus();
}

absl::Status Subscription::Describe(std::vector<v1::Shard>* out, const std::string& children_of,
                                    std::string* stream_status) {
  // Throttling or a transient fault here must not fail the subscription:
  // a few quick retries, then the caller's backoff takes over.
  absl::Status status;
  for (absl::Duration wait = absl::Milliseconds(5); wait < absl::Milliseconds(500); wait *= 2) {
    std::vector<v1::Shard> page;
    status = DescribeOnce(&page, children_of, stream_status);
    if (status.ok()) {
      out->insert(out->end(), page.begin(), page.end());
      return status;
    }
    if (!IsTransient(status) || backends::DelayedCallOf(status)) return status;
    absl::SleepFor(wait);
  }
  return status;
}

absl::Status Subscription::DescribeOnce(std::vector<v1::Shard>* out, const std::string& children_of,
                                        std::string* stream_status) {
  v1::DescribeStreamRequest request;
  request.set_stream_arn(stream_arn_);
  if (!children_of.empty()) {
    request.mutable_shard_filter()->set_type("CHILD_SHARDS");
    request.mutable_shard_filter()->set_shard_id(children_of);
  }
  for (int pages = 0; pages < 10000; ++pages) {
    auto response = backend()->DescribeStream(request);
    if (!response.ok()) return response.status();
    const auto& d = response->stream_description();
    if (stream_status != nullptr) *stream_status = d.stream_status();
    out->insert(out->end(), d.shards().begin(), d.shards().end());
    if (d.last_evaluated_shard_id().empty()) return absl::OkStatus();
    request.set_exclusive_start_shard_id(d.last_evaluated_shard_id());
  }
  return absl::InternalError("DescribeStream paged without end");
}

// ---------------------------------------------------------------------------
// Continuation tokens: every shard's position, sealed. Format (inside the
// seal): "v1|<mode>|<stream arn>" then per shard "\n<id>|<parent>|<kind>|<value>".

std::string Subscription::Token() const {
  std::string text = subscriptions::TokenTextHeader(mode_, stream_arn_);
  for (const auto& [id, shard] : shards_) subscriptions::AppendTokenShard(&text, id, shard.parent, shard.pos);
  return engine_->tokens_.Seal(text);
}

absl::Status Subscription::DecodeToken(absl::string_view token) {
  absl::StatusOr<subscriptions::TokenContents> contents =
      engine_->tokens_.Open(token, mode_, stream_arn_, only_shard_);
  if (!contents.ok()) return contents.status();
  for (auto& entry : contents->shards) {
    ShardState state;
    state.parent = std::move(entry.parent);
    state.pos = std::move(entry.pos);
    shards_.emplace(std::move(entry.shard_id), std::move(state));
  }
  if (mode_ == Mode::kStream) {
    bool ignored = false;
    return AddNewShards(&ignored);
  }
  return absl::OkStatus();
}

// Shards the stream has that we do not know are newer than our state: read
// them from the start. Done shards that the stream no longer lists were
// trimmed away; forget them so tokens stay small.
absl::Status Subscription::AddNewShards(bool* stream_disabled) {
  std::vector<v1::Shard> all;
  std::string status;
  if (absl::Status s = Describe(&all, "", &status); !s.ok()) return s;
  *stream_disabled = status == "DISABLED" || status == "DISABLING";
  const subscriptions::ShardLineage lineage(all);
  for (const v1::Shard* shard : lineage.NewShards([&](const std::string& id) { return shards_.count(id) > 0; })) {
    ShardState state;
    state.parent = shard->parent_shard_id();
    shards_.emplace(shard->shard_id(), std::move(state));
  }
  for (auto it = shards_.begin(); it != shards_.end();) {
    if (it->second.pos.kind == Position::kDone && !lineage.Listed(it->first)) {
      it = shards_.erase(it);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// The strand.

void Subscription::Kick() {
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || !started_) return;
    if (running_) {
      rerun_ = true;
      return;
    }
    running_ = true;
  }
  std::shared_ptr<Subscription> self = shared_from_this();
  engine_->workers_->Run([self] { self->RunSteps(); });
}

void Subscription::RunSteps() {
  const backends::SingleAttemptScope single_attempt;  // the engine retries (Backoff)
  for (int steps = 0;; ++steps) {
    bool again;
    {
      std::optional<backends::CallDelay> delayed = std::exchange(delayed_call_, std::nullopt);
      const backends::DelayedCallScope rerun(delayed);
      again = Step();
      // A step that did not get to the delayed call keeps it for the next.
      if (!rerun.taken() && !delayed_call_) delayed_call_ = std::move(delayed);
    }
    absl::MutexLock lock(&mu_);
    if (finished_) {
      running_ = false;
      return;
    }
    if (!again && !rerun_) {
      running_ = false;
      return;
    }
    rerun_ = false;
    if (steps >= kStepsPerTurn) {  // let other subscriptions have the worker
      running_ = false;
      mu_.Unlock();
      Kick();
      mu_.Lock();
      return;
    }
  }
}

void Subscription::Wake() {
  {
    absl::MutexLock lock(&mu_);
    ++wake_generation_;
  }
  Kick();
}

void Subscription::ScheduleKick(absl::Duration delay) {
  delay = std::max(delay, absl::ZeroDuration());
  absl::Time at = absl::Now() + delay;
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  if (timer_ && timer_at_ <= at) return;  // an earlier kick is already due
  if (timer_) engine_->scheduler_->Cancel(*timer_);
  std::weak_ptr<Subscription> weak = weak_from_this();
  timer_at_ = at;
  timer_ = engine_->scheduler_->RunAt(at, [weak] {
    if (auto self = weak.lock()) {
      {
        absl::MutexLock lock(&self->mu_);
        self->timer_.reset();
        self->timer_at_ = absl::InfiniteFuture();
      }
      // A timer also makes idle shards worth one more look: that is how a
      // backend without a wake-up hook gets polled.
      self->Wake();
    }
  });
}

void Subscription::OnWriteDone(bool ok) {
  engine_->budget_.Release(pending_write_.records().records_size(), RecordBytes(pending_write_));
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (!ok) {
      cancelled_ = true;
    } else if (pending_write_.has_records()) {
      last_sent_token_ = pending_write_.records().continuation_token();
      if (engine_->options_.observer) {
        engine_->options_.observer->OnRecordsDelivered(
            pending_write_.records().records_size(), pending_write_.records().millis_behind_latest());
      }
    } else if (pending_write_.has_heartbeat()) {
      last_sent_token_ = pending_write_.heartbeat().continuation_token();
    } else if (pending_write_.has_shard_end()) {
      last_sent_token_ = pending_write_.shard_end().continuation_token();
    }
  }
  Kick();
}

void Subscription::Cancel() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  Kick();
}

void Subscription::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  Kick();
}

void Subscription::Detached() {
  absl::MutexLock lock(&mu_);
  sink_ = nullptr;
  finished_ = true;
  if (timer_) engine_->scheduler_->Cancel(*timer_);
  timer_.reset();
}

void Subscription::FinishNow(grpc::Status status) {
  EventSink* sink = nullptr;
  std::string token;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    sink = sink_;
    token = last_sent_token_;
    if (timer_) engine_->scheduler_->Cancel(*timer_);
    timer_.reset();
  }
  watch_.reset();
  if (sink != nullptr) sink->Finish(std::move(status), token);
}

void Subscription::FinishWith(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (write_in_flight_) {
      if (!finish_pending_) finish_pending_ = status;
      return;
    }
  }
  FinishNow(ToGrpcStatus(status, kDomain));
}

void Subscription::Backoff(const absl::Status& status) {
  if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(status)) {
    // Not a failure: the call runs when due (RunSteps), no backoff grows.
    ScheduleKick(delay->ready_at - absl::Now());
    delayed_call_ = *std::move(delay);
    return;
  }
  retry_delay_ = retry_delay_ == absl::ZeroDuration()
                     ? engine_->options_.retry_min
                     : std::min(retry_delay_ * 2, engine_->options_.retry_max);
  absl::Duration delay = std::max(retry_delay_, backends::RetryDelay(status).value_or(absl::ZeroDuration()));
  ScheduleKick(delay);
}

// ---------------------------------------------------------------------------
// Reading.

bool Subscription::Readable(const ShardState& shard) const {
  if (shard.pos.kind == Position::kDone || shard.closing) return false;
  if (mode_ == Mode::kShard || shard.parent.empty()) return true;
  auto parent = shards_.find(shard.parent);
  const bool parent_done = parent != shards_.end() && parent->second.pos.kind == Position::kDone;
  return subscriptions::ParentAllowsReading(shard.parent, parent == shards_.end() ? nullptr : &parent_done);
}

std::optional<std::string> Subscription::PickShard() {
  // Round robin over readable shards that are not known to be idle.
  auto start = shards_.upper_bound(last_read_shard_);
  for (int pass = 0; pass < 2; ++pass) {
    for (auto it = pass == 0 ? start : shards_.begin(); it != (pass == 0 ? shards_.end() : start);
         ++it) {
      if (Readable(it->second) && !it->second.idle) return it->first;
    }
  }
  return std::nullopt;
}

bool Subscription::CaughtUp() const {
  for (const auto& [id, shard] : shards_) {
    if (Readable(shard) && !shard.idle) return false;
  }
  return true;
}

int64_t Subscription::MillisBehind() const {
  if (CaughtUp() || newest_seen_ == absl::InfinitePast()) return 0;
  return std::max<int64_t>(0, absl::ToInt64Milliseconds(absl::Now() - newest_seen_));
}

absl::Status Subscription::EnsureIterator(const std::string& shard_id, ShardState& shard) {
  if (!shard.iterator.empty()) return absl::OkStatus();
  v1::GetShardIteratorRequest request;
  request.set_stream_arn(stream_arn_);
  request.set_shard_id(shard_id);
  switch (shard.pos.kind) {
    case Position::kFromStart:
    case Position::kSinceTime: request.set_shard_iterator_type("TRIM_HORIZON"); break;
    case Position::kLatest: request.set_shard_iterator_type("LATEST"); break;
    case Position::kAt:
      request.set_shard_iterator_type("AT_SEQUENCE_NUMBER");
      request.set_sequence_number(shard.pos.seq);
      break;
    case Position::kAfter:
      request.set_shard_iterator_type("AFTER_SEQUENCE_NUMBER");
      request.set_sequence_number(shard.pos.seq);
      break;
    case Position::kDone: return absl::InternalError("reading a finished shard");
  }
  auto response = backend()->GetShardIterator(request);
  if (!response.ok()) return response.status();
  shard.iterator = response->shard_iterator();
  // After the first LATEST iterator, a re-acquired one must not skip what
  // was written in between: fall back to "since the subscription started".
  if (shard.pos.kind == Position::kLatest) shard.pos.kind = Position::kSinceTime;
  return absl::OkStatus();
}

absl::Status Subscription::TrimmedError(const std::string& shard_id, absl::string_view message) {
  absl::Status status = AwsError(
      "TrimmedDataAccessException",
      absl::StrCat("the subscription's position in shard ", shard_id,
                   " is older than the stream's retention: ", message));
  backends::SetErrorMetadata(status, "shardId", shard_id);
  // The trim horizon: the oldest record the shard still has ("" when it has
  // none left: restart the subscription from TRIM_HORIZON).
  std::string horizon;
  v1::GetShardIteratorRequest request;
  request.set_stream_arn(stream_arn_);
  request.set_shard_id(shard_id);
  request.set_shard_iterator_type("TRIM_HORIZON");
  if (auto it = backend()->GetShardIterator(request); it.ok()) {
    v1::GetRecordsRequest read;
    read.set_shard_iterator(it->shard_iterator());
    read.set_limit(1);
    if (auto page = backend()->GetRecords(read); page.ok() && page->records_size() > 0) {
      horizon = page->records(0).dynamodb().sequence_number();
    }
  }
  backends::SetErrorMetadata(status, "trimHorizon", horizon);
  return status;
}

void Subscription::SealBatch() {
  if (batch_.records().records_size() == 0) return;
  batch_.mutable_records()->set_continuation_token(Token());
  batch_.mutable_records()->set_millis_behind_latest(MillisBehind());
  outbox_.push_back(std::move(batch_));
  batch_.Clear();
  batch_bytes_ = 0;
}

absl::Status Subscription::ReadShard(const std::string& shard_id) {
  ShardState& shard = shards_.at(shard_id);
  last_read_shard_ = shard_id;
  if (absl::Status s = EnsureIterator(shard_id, shard); !s.ok()) return s;

  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    generation = wake_generation_;
  }
  v1::GetRecordsRequest request;
  request.set_shard_iterator(shard.iterator);
  int limit = std::max(1, options_.max_records - batch_.records().records_size());
  request.set_limit(engine_->budget_.ReadRecords(limit));
  auto page = backend()->GetRecords(request);
  if (!page.ok()) return page.status();
  retry_delay_ = absl::ZeroDuration();

  for (auto& record : *page->mutable_records()) {
    const auto& dynamodb = record.dynamodb();
    const absl::Time created = ToTime(dynamodb.approximate_creation_date_time());
    newest_seen_ = created;
    bool deliver = true;
    if (shard.pos.kind == Position::kSinceTime && created < shard.pos.time) deliver = false;
    if (!options_.event_names.empty() &&
        std::find(options_.event_names.begin(), options_.event_names.end(), record.event_name()) ==
            options_.event_names.end()) {
      deliver = false;
    }
    // The position moves past every record read, delivered or not.
    shard.pos = Position{Position::kAfter, dynamodb.sequence_number(), {}};
    if (!deliver) continue;
    const int64_t size = dynamodb.has_size_bytes() ? dynamodb.size_bytes() : 0;
    if (batch_.records().records_size() > 0 && batch_bytes_ + size > BatchBytesLimit()) SealBatch();
    if (batch_.records().records_size() == 0) batch_started_ = absl::Now();
    engine_->budget_.Hold(1, size);
    auto* out = batch_.mutable_records()->add_records();
    out->set_shard_id(shard_id);
    *out->mutable_record() = std::move(record);
    batch_bytes_ += size;
    if (batch_.records().records_size() >= options_.max_records || batch_bytes_ >= BatchBytesLimit()) {
      SealBatch();
    }
  }

  if (page->next_shard_iterator().empty()) {
    // Closed and fully read: its records go out first, then its ShardEnd.
    SealBatch();
    shard.iterator.clear();
    shard.closing = true;
    return FinishShard(shard_id);
  }
  shard.iterator = page->next_shard_iterator();
  if (page->records_size() == 0) {
    absl::MutexLock lock(&mu_);
    // A write that woke us during the read may not be in this page.
    shard.idle = wake_generation_ == generation;
  } else {
    shard.idle = false;
    shard.poll_delay = absl::ZeroDuration();
  }
  return absl::OkStatus();
}

// Emits the ShardEnd of a closing shard and adopts its children. Retried
// (from Step) until DescribeStream answers.
absl::Status Subscription::FinishShard(const std::string& shard_id) {
  std::vector<v1::Shard> children;
  if (absl::Status s = Describe(&children, shard_id); !s.ok()) return s;
  ShardState& shard = shards_.at(shard_id);
  shard.closing = false;
  shard.pos = Position{Position::kDone, "", {}};
  v1::SubscribeToStreamResponse end;
  end.mutable_shard_end()->set_shard_id(shard_id);
  for (const auto& child : children) {
    end.mutable_shard_end()->add_child_shard_ids(child.shard_id());
    if (mode_ == Mode::kStream && !shards_.count(child.shard_id())) {
      ShardState state;
      state.parent = shard_id;
      shards_.emplace(child.shard_id(), std::move(state));
    }
  }
  // Its children carry on: forget it, so a subscription that lives through
  // many rollovers keeps a small state and a small token (AddNewShards
  // knows it is behind us by its descendants).
  // (A copy: shard_id may be the key of the node being erased.)
  if (mode_ == Mode::kStream && !children.empty()) shards_.erase(std::string(shard_id));
  end.mutable_shard_end()->set_continuation_token(Token());
  outbox_.push_back(std::move(end));
  return absl::OkStatus();
}

bool Subscription::Step() {
  bool writing;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    writing = write_in_flight_;
  }
  // While a write is in flight, prepare the next batch (read ahead), up to
  // one full batch: the buffer stays bounded, and the next write can start
  // the moment this one completes.
  if (writing) {
    if (!outbox_.empty() || batch_.records().records_size() >= options_.max_records ||
        batch_bytes_ >= BatchBytesLimit() || engine_->budget_.Over()) {
      return false;
    }
    std::optional<std::string> next = PickShard();
    if (!next || shards_.at(*next).closing) return false;
    absl::Status s = ReadShard(*next);
    if (s.ok()) return true;
    if (IsAwsError(s, "ExpiredIteratorException")) {
      shards_.at(*next).iterator.clear();
      return true;
    }
    if (backends::DelayedCallOf(s)) Backoff(s);  // read ahead when due
    return false;  // other errors are handled once the write is done
  }
  {
    absl::MutexLock lock(&mu_);
    if (finish_pending_) {
      absl::Status status = *finish_pending_;
      mu_.Unlock();
      FinishNow(ToGrpcStatus(status, kDomain));
      mu_.Lock();
      return false;
    }
    if (cancelled_) {
      mu_.Unlock();
      FinishNow(grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled"));
      mu_.Lock();
      return false;
    }
    if (stopping_) {
      mu_.Unlock();
      FinishNow(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "the server is shutting down; resume from the continuation token in "
                             "the trailing metadata"));
      mu_.Lock();
      return false;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (wake_generation_ != seen_generation_) {
      seen_generation_ = wake_generation_;
      for (auto& [id, shard] : shards_) shard.idle = false;
    }
  }
  const absl::Time now = absl::Now();

  // 1. Send what is ready, one write at a time.
  if (outbox_.empty() && batch_.records().records_size() > 0) {
    bool full = batch_.records().records_size() >= options_.max_records ||
                batch_bytes_ >= BatchBytesLimit();
    bool delay_over = now >= batch_started_ + options_.batching_delay;
    if (full || (CaughtUp() && delay_over) || (options_.batching_delay > absl::ZeroDuration() && delay_over)) {
      SealBatch();
    }
  }
  if (!outbox_.empty()) {
    EventSink* sink;
    {
      absl::MutexLock lock(&mu_);
      sink = sink_;
      if (sink == nullptr) return false;
      write_in_flight_ = true;
    }
    pending_write_ = std::move(outbox_.front());
    outbox_.erase(outbox_.begin());
    last_event_at_ = now;
    sink->Write(pending_write_);
    return false;  // OnWriteDone kicks
  }

  // 2. The end of the road.
  if (now >= deadline_) {
    FinishWith(absl::OkStatus());
    return false;
  }
  bool any_open = false;
  for (const auto& [id, shard] : shards_) any_open |= shard.pos.kind != Position::kDone;
  if (!any_open) {
    if (mode_ == Mode::kShard) {
      FinishWith(absl::OkStatus());
      return false;
    }
    bool disabled = false;
    absl::Status s = AddNewShards(&disabled);
    if (!s.ok()) {
      if (IsTransient(s)) {
        Backoff(s);
        return false;
      }
      FinishWith(s);
      return false;
    }
    bool any_new = false;
    for (const auto& [id, shard] : shards_) any_new |= shard.pos.kind != Position::kDone;
    if (!any_new) {
      if (disabled) {
        FinishWith(absl::OkStatus());  // the stream is over and fully read
        return false;
      }
      ScheduleKick(engine_->options_.poll_max);  // children not visible yet
    }
    return any_new;
  }

  // 3. Finish closed shards, then read.
  for (const auto& [id, shard] : shards_) {
    if (!shard.closing) continue;
    absl::Status s = FinishShard(id);
    if (s.ok()) return true;
    if (IsTransient(s)) {
      Backoff(s);
      return false;
    }
    FinishWith(s);
    return false;
  }
  std::optional<std::string> next = PickShard();
  if (next) {
    absl::Status s = ReadShard(*next);
    if (s.ok()) return true;
    ShardState& shard = shards_.at(*next);
    if (IsAwsError(s, "ExpiredIteratorException")) {
      shard.iterator.clear();
      return true;
    }
    if (IsAwsError(s, "TrimmedDataAccessException")) {
      SealBatch();
      FinishWith(TrimmedError(*next, s.message()));
      return false;
    }
    if (IsTransient(s)) {
      Backoff(s);
      return false;
    }
    SealBatch();
    FinishWith(s);
    return false;
  }

  // 4. Caught up everywhere: flush, heartbeat, then wait.
  if (batch_.records().records_size() > 0) {
    if (now >= batch_started_ + options_.batching_delay) return true;  // flush on the next step
    ScheduleKick(batch_started_ + options_.batching_delay - now);
  }
  if (now >= last_event_at_ + options_.heartbeat && batch_.records().records_size() == 0) {
    v1::SubscribeToStreamResponse beat;
    beat.mutable_heartbeat()->set_continuation_token(Token());
    beat.mutable_heartbeat()->set_millis_behind_latest(0);
    outbox_.push_back(std::move(beat));
    return true;
  }
  ScheduleKick(last_event_at_ + options_.heartbeat - now);
  if (deadline_ != absl::InfiniteFuture()) ScheduleKick(deadline_ - now);
  if (!has_watch_) {
    // Polling backend: look again after an adaptive delay per idle shard.
    absl::Duration delay = engine_->options_.poll_max;
    for (auto& [id, shard] : shards_) {
      if (!Readable(shard)) continue;
      shard.poll_delay = shard.poll_delay == absl::ZeroDuration()
                             ? engine_->options_.poll_min
                             : std::min(shard.poll_delay * 2, engine_->options_.poll_max);
      delay = std::min(delay, shard.poll_delay);
    }
    ScheduleKick(delay);
  }
  return false;
}

// ---------------------------------------------------------------------------
// The reactor: gRPC's side of one subscription.

template <typename Response>
class SubscriptionReactor final : public grpc::ServerWriteReactor<Response>, public EventSink {
 public:
  SubscriptionReactor(grpc::CallbackServerContext* context, SubscriptionEngine* engine)
      : context_(context), engine_(engine), start_wait_(engine->scheduler_.get()) {}

  void Begin(std::shared_ptr<Subscription> subscription,
             absl::AnyInvocable<absl::Status()> start) {
    subscription_ = std::move(subscription);
    subscription_->Attach(this);
    if (absl::Status admitted = engine_->Admit(subscription_, CallerIdentity(*context_));
        !admitted.ok()) {
      admitted_ = false;
      FinishDirect(grpc::Status(static_cast<grpc::StatusCode>(admitted.code()),
                                std::string(admitted.message())));
      return;
    }
    start_ = std::move(start);
    RunStart(std::nullopt);
  }

  void Write(const aws::dynamodbstreams::v1::SubscribeToStreamResponse& event) override {
    if constexpr (std::is_same_v<Response, aws::dynamodbstreams::v1::SubscribeToStreamResponse>) {
      this->StartWrite(&event);
    } else {
      out_ = WireCopy<Response>(event);  // the two response types share their fields
      this->StartWrite(&out_);
    }
  }

  void Finish(grpc::Status status, const std::string& final_token) override {
    if (finished_.exchange(true)) return;
    if (!final_token.empty()) context_->AddTrailingMetadata(kTokenMetadataKey, final_token);
    grpc::ServerWriteReactor<Response>::Finish(std::move(status));
  }

  void OnWriteDone(bool ok) override { subscription_->OnWriteDone(ok); }
  void OnCancel() override {
    subscription_->Cancel();
    if (start_wait_.Cancel()) {
      FinishDirect(grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled"));
    }
  }
  void OnDone() override {
    subscription_->Detached();
    if (admitted_) engine_->Release(subscription_.get());
    delete this;
  }

 private:
  // Runs `start_` on a worker; when it meets a delayed backend call, again
  // once that is due, from a timer (no worker waits meanwhile).
  void RunStart(std::optional<backends::CallDelay> delayed) {
    engine_->workers_->Run([this, delayed = std::move(delayed)]() mutable {
      absl::Status status;
      {
        const backends::SingleAttemptScope single_attempt;  // Describe retries itself
        const backends::DelayedCallScope rerun(std::move(delayed));
        status = start_();
      }
      if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(status)) {
        if (!start_wait_.Arm(delay->ready_at, [this, delay = *delay] { RunStart(delay); })) {
          FinishDirect(grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled"));
        }
        return;
      }
      if (!status.ok()) {
        FinishDirect(ToGrpcStatus(status, kDomain));
        return;
      }
      subscription_->Started();
    });
  }

  void FinishDirect(grpc::Status status) {
    if (finished_.exchange(true)) return;
    grpc::ServerWriteReactor<Response>::Finish(std::move(status));
  }

  grpc::CallbackServerContext* context_;
  SubscriptionEngine* engine_;
  std::shared_ptr<Subscription> subscription_;
  absl::AnyInvocable<absl::Status()> start_;
  CancellableTimer start_wait_;
  Response out_;
  bool admitted_ = true;
  std::atomic<bool> finished_{false};
};

// ---------------------------------------------------------------------------
// The engine.

SubscriptionEngine::SubscriptionEngine(std::shared_ptr<backends::DynamoDbStreamsBackend> backend,
                                       std::shared_ptr<backends::TokenSealer> sealer,
                                       SubscriptionEngineOptions options)
    : backend_(std::move(backend)),
      tokens_(std::move(sealer)),
      budget_(options.max_buffered_bytes),
      options_(options),
      workers_(std::make_unique<ThreadPoolExecutor>(static_cast<size_t>(options.worker_threads))),
      scheduler_(std::make_unique<Scheduler>()) {}

SubscriptionEngine::~SubscriptionEngine() {
  Shutdown(absl::Seconds(1));
  scheduler_.reset();
  workers_.reset();
  absl::MutexLock lock(&mu_);
  open_.clear();
}

absl::Status SubscriptionEngine::Admit(const std::shared_ptr<Subscription>& subscription,
                                       const std::string& caller) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return absl::UnavailableError("the server is shutting down");
  if (static_cast<int>(open_.size()) >= options_.max_subscriptions) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many open subscriptions on this server (", options_.max_subscriptions, ")"));
  }
  int& mine = per_caller_[caller];
  if (options_.max_subscriptions_per_caller > 0 && mine >= options_.max_subscriptions_per_caller) {
    if (mine == 0) per_caller_.erase(caller);
    return absl::ResourceExhaustedError(
        absl::StrCat("too many open subscriptions for caller ", caller, " (",
                     options_.max_subscriptions_per_caller, ")"));
  }
  ++mine;
  open_.emplace(subscription.get(), Admitted{subscription, caller});
  active_.store(static_cast<int>(open_.size()));
  if (options_.observer) options_.observer->OnOpened();
  return absl::OkStatus();
}

void SubscriptionEngine::Release(Subscription* subscription) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(subscription);
  if (it == open_.end()) return;
  auto count = per_caller_.find(it->second.caller);
  if (count != per_caller_.end() && --count->second <= 0) per_caller_.erase(count);
  open_.erase(it);
  if (options_.observer) options_.observer->OnClosed();
  active_.store(static_cast<int>(open_.size()));
}

void SubscriptionEngine::Shutdown(absl::Duration grace) {
  std::vector<std::shared_ptr<Subscription>> open;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (const auto& [raw, admitted] : open_) open.push_back(admitted.subscription);
  }
  for (auto& s : open) s->Stop();
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(
                           +[](absl::flat_hash_map<Subscription*, Admitted>* open) {
                             return open->empty();
                           },
                           &open_),
                       grace);
}

grpc::ServerWriteReactor<v1::SubscribeToShardResponse>* SubscriptionEngine::SubscribeToShard(
    grpc::CallbackServerContext* context, const v1::SubscribeToShardRequest* request) {
  auto* reactor = new SubscriptionReactor<v1::SubscribeToShardResponse>(context, this);
  auto subscription = std::make_shared<Subscription>(this, Subscription::Mode::kShard);
  reactor->Begin(subscription, [subscription, request] {
    return subscription->Start(request->stream_arn(), request->shard_id(),
                               request->starting_position(), request->options());
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::SubscribeToStreamResponse>* SubscriptionEngine::SubscribeToStream(
    grpc::CallbackServerContext* context, const v1::SubscribeToStreamRequest* request) {
  auto* reactor = new SubscriptionReactor<v1::SubscribeToStreamResponse>(context, this);
  auto subscription = std::make_shared<Subscription>(this, Subscription::Mode::kStream);
  reactor->Begin(subscription, [subscription, request] {
    return subscription->Start(request->stream_arn(), "", request->starting_position(),
                               request->options());
  });
  return reactor;
}

}  // namespace awsfacade::service
