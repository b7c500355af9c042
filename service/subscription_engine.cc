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
#include "service/subscriptions/event_wire.h"
#include "service/subscriptions/sequence_number.h"
#include "service/subscriptions/shard_lineage.h"
#include "service/subscriptions/subscription_options.h"
#include "service/subscriptions/transient_errors.h"

namespace awsfacade::service {
namespace v1 = ::aws::dynamodbstreams::v1;
using backends::AwsError;
using subscriptions::BatchingOptions;
using subscriptions::BufferBudget;
using subscriptions::IsTransient;
using subscriptions::Position;
using subscriptions::TokenMode;

namespace {

constexpr char kDomain[] = "streams.dynamodb";
constexpr char kTokenMetadataKey[] = "awsfacade-continuation-token";
// A transient error while a subscription starts is retried after these
// (doubling), then returned to the client.
constexpr absl::Duration kStartRetryMin = absl::Milliseconds(5);
constexpr absl::Duration kStartRetryMax = absl::Milliseconds(500);
// Steps one worker runs for a subscription before yielding to others.
constexpr int kStepsPerTurn = 16;

// An event ready to write, in its wire form (event_wire.h), with what the
// engine needs to know of it once written.
struct OutEvent {
  grpc::ByteBuffer bytes;
  int64_t records = 0;
  int64_t record_bytes = 0;  // SizeBytes of its records
  int64_t millis_behind_latest = 0;
  std::string continuation_token;
};

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
  // A token of the shard's read budget, taken for the own read in progress
  // (kept while that call is pending).
  bool read_taken = false;
  absl::Duration poll_delay = absl::ZeroDuration();
  // The process's reader of this shard, and the place in its window while
  // attached (then `iterator` is empty: the reader reads for us).
  std::shared_ptr<subscriptions::ShardReader> reader;
  std::optional<uint64_t> cursor;
};

// A backend call of the strand has not completed yet: the step stops, and
// the completion runs the strand again (Subscription::Call).
constexpr char kCallPendingPayload[] = "awsfacade.subscription/call-pending";

absl::Status CallPending() {
  absl::Status status(absl::StatusCode::kAborted, "backend call in flight");
  status.SetPayload(kCallPendingPayload, absl::Cord());
  return status;
}

bool IsCallPending(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         status.GetPayload(kCallPendingPayload).has_value();
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
  // `event` is a serialized SubscribeToStreamResponse (the wire form of
  // SubscribeToShardResponse too); it stays alive until OnWriteDone.
  virtual void Write(const grpc::ByteBuffer& event) = 0;
  virtual void Finish(grpc::Status status, const std::string& final_token) = 0;
};

// One subscription's state machine. Every step runs on the engine's
// workers, one step at a time per subscription (a strand); backend calls
// happen inside steps without the lock held.
class Subscription : public subscriptions::Stoppable,
                     public std::enable_shared_from_this<Subscription> {
 public:
  using Mode = TokenMode;

  Subscription(SubscriptionEngine* engine, Mode mode)
      : engine_(engine), mode_(mode), last_event_at_(engine->clock_->Now()) {}
  ~Subscription() {
    int64_t unsent = batch_.records();
    int64_t unsent_bytes = batch_bytes_;
    for (const auto& event : outbox_) {
      unsent += event.records;
      unsent_bytes += event.record_bytes;
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
  // Before Started: the delayed call Start's next run makes, and how Start
  // runs again when one of its calls completes late.
  void SetDelayedCall(std::optional<backends::CallDelay> delayed) {
    delayed_call_ = std::move(delayed);
  }
  void SetResumeStart(std::function<void()> resume) {
    absl::MutexLock lock(&mu_);
    resume_start_ = std::move(resume);
  }
  void OnWriteDone(bool ok);
  void Cancel();
  void Stop() override;  // server shutdown
  void Detached();       // the reactor is gone

 private:
  // One step of work; true when another should follow at once.
  bool Step();
  void RunSteps();
  void Wake();
  void ScheduleKick(absl::Duration delay);

  // Every shard (or every child of `children_of`), and the stream status.
  // Pages are kept across re-runs while a page's call is pending.
  absl::Status Describe(std::vector<v1::Shard>* out, const std::string& children_of = "",
                        std::string* stream_status = nullptr);

  // A backend call from the strand (or Start), asynchronous. When it
  // completes before the backend returns (the simulator), its result comes
  // back at once. Otherwise this returns CallPending(); the completion stores
  // the result and runs the strand (or Start) again, and the step that made
  // the call makes it again with the same request and takes the result. One
  // call in flight per subscription; no lock is held while it starts.
  template <typename Response>
  struct CallResult {
    std::string key;  // the request, serialized
    absl::StatusOr<Response> result;
  };
  struct LateResults {
    std::optional<CallResult<v1::DescribeStreamResponse>> describe;
    std::optional<CallResult<v1::GetShardIteratorResponse>> iterator;
    std::optional<CallResult<v1::GetRecordsResponse>> records;
  };
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(
      void (backends::DynamoDbStreamsBackend::*method)(const backends::CallContext&, Request,
                                                       backends::AsyncDone<Response>),
      std::optional<CallResult<Response>> LateResults::*slot, absl::string_view operation,
      const Request& request);
  absl::StatusOr<v1::DescribeStreamResponse> CallDescribeStream(
      const v1::DescribeStreamRequest& r) {
    return Call(&backends::DynamoDbStreamsBackend::AsyncDescribeStream, &LateResults::describe,
                "DescribeStream", r);
  }
  absl::StatusOr<v1::GetShardIteratorResponse> CallGetShardIterator(
      const v1::GetShardIteratorRequest& r) {
    return Call(&backends::DynamoDbStreamsBackend::AsyncGetShardIterator, &LateResults::iterator,
                "GetShardIterator", r);
  }
  absl::StatusOr<v1::GetRecordsResponse> CallGetRecords(const v1::GetRecordsRequest& r) {
    return Call(&backends::DynamoDbStreamsBackend::AsyncGetRecords, &LateResults::records,
                "GetRecords", r);
  }
  // A call completed after its backend method returned.
  void OnLateCompletion();
  absl::Status AddNewShards(bool* stream_disabled);
  absl::Status EnsureIterator(const std::string& shard_id, ShardState& shard);
  // Takes or drops the backend's wake-up hook (watch_): held while any
  // readable shard has no cursor in its reader's window.
  void UpdateWatch();
  std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> NewWatch();
  absl::Status ReadShard(const std::string& shard_id);
  // Batches one record read from `shard` (filters, position, budget).
  void TakeRecord(ShardState& shard, const subscriptions::EncodedRecord& record);
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
  // Ends the subscription with TrimmedDataAccessException and the shard's
  // trim horizon, looked up asynchronously; the strand stops meanwhile.
  void FinishTrimmed(const std::string& shard_id, absl::string_view message);
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
  bool call_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  // Results of calls that completed late, until their step takes them;
  // allocated only then, so idle subscriptions stay small.
  std::unique_ptr<LateResults> late_ ABSL_GUARDED_BY(mu_);
  // Runs Start again once a call it made completes late (set by the reactor).
  std::function<void()> resume_start_ ABSL_GUARDED_BY(mu_);
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
  std::vector<OutEvent> outbox_;
  OutEvent pending_write_;  // the event being written
  // The records batched so far: references to their shared encoded bytes.
  subscriptions::WireBatch batch_;
  int64_t batch_bytes_ = 0;
  absl::Time batch_started_;
  absl::Time last_event_at_;
  absl::Time deadline_ = absl::InfiniteFuture();
  absl::Time start_time_ = absl::InfinitePast();
  absl::Time newest_seen_ = absl::InfinitePast();  // creation time of the last record read
  absl::Duration retry_delay_ = absl::ZeroDuration();
  // A backend call that asked to run later (an injected latency): the steps
  // that follow run it when due, and no worker waits for it.
  std::optional<backends::CallDelay> delayed_call_;
  uint64_t seen_generation_ = 0;
  // Describe's pages so far, while a page's call is pending.
  struct DescribeProgress {
    std::string children_of;
    std::vector<v1::Shard> shards;
    std::string stream_status;
    std::string next;  // ExclusiveStartShardId of the next page
  };
  std::unique_ptr<DescribeProgress> describe_progress_;
  // The subscription is ending (FinishTrimmed): no more steps.
  bool ending_ = false;
  bool has_watch_ = false;  // the backend has a wake-up hook
  // Held only while a readable shard is read on its own: attached shards
  // are woken by their reader, whose one hook serves every subscriber.
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
  // Start runs again when a call it made completes late: from scratch, but
  // with the time of its first run.
  shards_.clear();
  if (start_time_ == absl::InfinitePast()) start_time_ = engine_->clock_->Now();
  const absl::Time now = start_time_;
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
      return AwsError(
          "ResourceNotFoundException",
          absl::StrCat("Shard ", only_shard_, " does not exist in stream ", stream_arn_),
          "ShardId");
    }
  }
  {
    absl::MutexLock lock(&mu_);
    last_sent_token_ = Token();
  }
  // Every shard is on its own until it attaches (UpdateWatch drops the
  // hook then); whether the backend has one at all decides polling.
  watch_ = NewWatch();
  has_watch_ = watch_ != nullptr;
  return absl::OkStatus();
}

std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> Subscription::NewWatch() {
  std::weak_ptr<Subscription> weak = weak_from_this();
  return backend()->WatchStream(stream_arn_, [weak] {
    if (auto self = weak.lock()) self->Wake();
  });
}

void Subscription::UpdateWatch() {
  if (!has_watch_) return;
  bool on_own = false;
  for (const auto& [id, shard] : shards_) on_own |= Readable(shard) && !shard.cursor;
  if (on_own && watch_ == nullptr) {
    watch_ = NewWatch();
  } else if (!on_own && watch_ != nullptr) {
    watch_.reset();
  }
}

absl::Status Subscription::Describe(std::vector<v1::Shard>* out, const std::string& children_of,
                                    std::string* stream_status) {
  if (!describe_progress_ || describe_progress_->children_of != children_of) {
    describe_progress_ =
        std::make_unique<DescribeProgress>(DescribeProgress{children_of, {}, "", ""});
  }
  DescribeProgress& progress = *describe_progress_;
  v1::DescribeStreamRequest request;
  request.set_stream_arn(stream_arn_);
  if (!children_of.empty()) {
    request.mutable_shard_filter()->set_type("CHILD_SHARDS");
    request.mutable_shard_filter()->set_shard_id(children_of);
  }
  for (int pages = 0; pages < 10000; ++pages) {
    if (!progress.next.empty()) request.set_exclusive_start_shard_id(progress.next);
    absl::StatusOr<v1::DescribeStreamResponse> response = CallDescribeStream(request);
    if (!response.ok()) {
      if (!IsCallPending(response.status())) describe_progress_.reset();
      return response.status();
    }
    auto* d = response->mutable_stream_description();
    progress.stream_status = d->stream_status();
    for (auto& shard : *d->mutable_shards()) progress.shards.push_back(std::move(shard));
    if (d->last_evaluated_shard_id().empty()) {
      if (stream_status != nullptr) *stream_status = progress.stream_status;
      out->insert(out->end(), std::make_move_iterator(progress.shards.begin()),
                  std::make_move_iterator(progress.shards.end()));
      describe_progress_.reset();
      return absl::OkStatus();
    }
    progress.next = d->last_evaluated_shard_id();
  }
  describe_progress_.reset();
  return absl::InternalError("DescribeStream paged without end");
}

template <typename Request, typename Response>
absl::StatusOr<Response> Subscription::Call(
    void (backends::DynamoDbStreamsBackend::*method)(const backends::CallContext&, Request,
                                                     backends::AsyncDone<Response>),
    std::optional<CallResult<Response>> LateResults::*slot, absl::string_view operation,
    const Request& request) {
  std::string key = request.SerializeAsString();
  {
    absl::MutexLock lock(&mu_);
    if (late_ != nullptr) {
      std::optional<CallResult<Response>>& done = (*late_).*slot;
      std::optional<absl::StatusOr<Response>> result;
      if (done && done->key == key) result = std::move(done->result);
      done.reset();  // taken, or a result no step wants any more (a read is safe to repeat)
      if (!late_->describe && !late_->iterator && !late_->records) late_.reset();
      if (result) return *std::move(result);
    }
    if (call_in_flight_) return CallPending();
    call_in_flight_ = true;
  }
  backends::CallContext context;
  context.deadline = deadline_;
  context.may_retry = false;  // the engine retries (Backoff), so retries happen at one layer
  if (delayed_call_ && delayed_call_->operation == operation) {
    context.delayed = std::exchange(delayed_call_, std::nullopt);
  }
  // Whether the call returned before it completed, and the result when it
  // completed first; under mu_, as the completion may run on another thread.
  struct Inline {
    bool returned = false;
    std::optional<absl::StatusOr<Response>> result;
  };
  auto state = std::make_shared<Inline>();
  engine_->CallStarted();
  std::shared_ptr<Subscription> self = shared_from_this();
  (backend()->*method)(
      context, request,
      [self, state, slot, key = std::move(key)](absl::StatusOr<Response> result) mutable {
        {
          absl::MutexLock lock(&self->mu_);
          if (!state->returned) {
            state->result = std::move(result);
            return;
          }
          self->call_in_flight_ = false;
          if (self->late_ == nullptr) self->late_ = std::make_unique<LateResults>();
          (*self->late_).*slot = CallResult<Response>{std::move(key), std::move(result)};
        }
        self->OnLateCompletion();
        SubscriptionEngine* engine = self->engine_;
        self.reset();  // the engine outlives every subscription's last reference
        engine->CallEnded();
      });
  absl::MutexLock lock(&mu_);
  state->returned = true;
  if (!state->result) return CallPending();
  call_in_flight_ = false;
  engine_->CallEnded();
  return *std::move(state->result);
}

void Subscription::OnLateCompletion() {
  std::function<void()> resume;
  {
    absl::MutexLock lock(&mu_);
    if (!started_) resume = resume_start_;
  }
  if (resume) {
    resume();
  } else {
    Wake();
  }
}

// ---------------------------------------------------------------------------
// Continuation tokens: every shard's position, sealed. Format (inside the
// seal): "v1|<mode>|<stream arn>" then per shard "\n<id>|<parent>|<kind>|<value>".

std::string Subscription::Token() const {
  std::string text = subscriptions::TokenTextHeader(mode_, stream_arn_);
  for (const auto& [id, shard] : shards_)
    subscriptions::AppendTokenShard(&text, id, shard.parent, shard.pos);
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
  for (const v1::Shard* shard :
       lineage.NewShards([&](const std::string& id) { return shards_.count(id) > 0; })) {
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
  for (int steps = 0;; ++steps) {
    // A delayed call (delayed_call_) goes with the next call of its
    // operation (Call); a step that does not get to it keeps it.
    const bool again = Step();
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
  absl::Time at = engine_->clock_->Now() + delay;
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
  OutEvent written;
  {
    absl::MutexLock lock(&mu_);
    // Taken in the same critical section that ends the write: the strand
    // puts the next event here once it sees no write in flight.
    written = std::move(pending_write_);
    pending_write_ = OutEvent();
    write_in_flight_ = false;
    if (!ok) {
      cancelled_ = true;
    } else {
      last_sent_token_ = std::move(written.continuation_token);
      if (written.records > 0 && engine_->options_.observer) {
        engine_->options_.observer->OnRecordsDelivered(written.records,
                                                       written.millis_behind_latest);
      }
    }
  }
  engine_->budget_.Release(written.records, written.record_bytes);
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
    ScheduleKick(delay->ready_at - engine_->clock_->Now());
    delayed_call_ = *std::move(delay);
    return;
  }
  retry_delay_ = retry_delay_ == absl::ZeroDuration()
                     ? engine_->options_.retry_min
                     : std::min(retry_delay_ * 2, engine_->options_.retry_max);
  absl::Duration delay =
      std::max(retry_delay_, backends::RetryDelay(status).value_or(absl::ZeroDuration()));
  ScheduleKick(delay);
}

// ---------------------------------------------------------------------------
// Reading.

bool Subscription::Readable(const ShardState& shard) const {
  if (shard.pos.kind == Position::kDone || shard.closing) return false;
  if (mode_ == Mode::kShard || shard.parent.empty()) return true;
  auto parent = shards_.find(shard.parent);
  const bool parent_done = parent != shards_.end() && parent->second.pos.kind == Position::kDone;
  return subscriptions::ParentAllowsReading(shard.parent,
                                            parent == shards_.end() ? nullptr : &parent_done);
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
  return std::max<int64_t>(0, absl::ToInt64Milliseconds(engine_->clock_->Now() - newest_seen_));
}

absl::Status Subscription::EnsureIterator(const std::string& shard_id, ShardState& shard) {
  if (!shard.iterator.empty()) return absl::OkStatus();
  v1::GetShardIteratorRequest request;
  request.set_stream_arn(stream_arn_);
  request.set_shard_id(shard_id);
  switch (shard.pos.kind) {
    case Position::kFromStart:
    case Position::kSinceTime:
      request.set_shard_iterator_type("TRIM_HORIZON");
      break;
    case Position::kLatest:
      request.set_shard_iterator_type("LATEST");
      break;
    case Position::kAt:
      request.set_shard_iterator_type("AT_SEQUENCE_NUMBER");
      request.set_sequence_number(shard.pos.seq);
      break;
    case Position::kAfter:
      request.set_shard_iterator_type("AFTER_SEQUENCE_NUMBER");
      request.set_sequence_number(shard.pos.seq);
      break;
    case Position::kDone:
      return absl::InternalError("reading a finished shard");
  }
  auto response = CallGetShardIterator(request);
  if (!response.ok()) return response.status();
  shard.iterator = response->shard_iterator();
  // After the first LATEST iterator, a re-acquired one must not skip what
  // was written in between: fall back to "since the subscription started".
  if (shard.pos.kind == Position::kLatest) shard.pos.kind = Position::kSinceTime;
  return absl::OkStatus();
}

void Subscription::FinishTrimmed(const std::string& shard_id, absl::string_view message) {
  ending_ = true;
  absl::Status status = AwsError("TrimmedDataAccessException",
                                 absl::StrCat("the subscription's position in shard ", shard_id,
                                              " is older than the stream's retention: ", message));
  backends::SetErrorMetadata(status, "shardId", shard_id);
  // The trim horizon: the oldest record the shard still has ("" when it has
  // none left: restart the subscription from TRIM_HORIZON). A chain of two
  // calls outside the strand, which does nothing more meanwhile.
  auto finish = [self = shared_from_this(), status](std::string horizon) mutable {
    backends::SetErrorMetadata(status, "trimHorizon", horizon);
    self->FinishWith(status);
  };
  v1::GetShardIteratorRequest request;
  request.set_stream_arn(stream_arn_);
  request.set_shard_id(shard_id);
  request.set_shard_iterator_type("TRIM_HORIZON");
  backends::CallContext context;
  context.may_retry = false;
  backend()->AsyncGetShardIterator(
      context, std::move(request),
      [backend = engine_->backend_, context,
       finish = std::move(finish)](absl::StatusOr<v1::GetShardIteratorResponse> it) mutable {
        if (!it.ok()) return finish("");
        v1::GetRecordsRequest read;
        read.set_shard_iterator(it->shard_iterator());
        read.set_limit(1);
        backend->AsyncGetRecords(
            context, std::move(read),
            [finish = std::move(finish)](absl::StatusOr<v1::GetRecordsResponse> page) mutable {
              finish(page.ok() && page->records_size() > 0
                         ? page->records(0).dynamodb().sequence_number()
                         : "");
            });
      });
}

void Subscription::SealBatch() {
  if (batch_.empty()) return;
  OutEvent event;
  event.continuation_token = Token();
  event.millis_behind_latest = MillisBehind();
  event.bytes = batch_.Seal(event.continuation_token, event.millis_behind_latest);
  event.records = batch_.records();
  event.record_bytes = batch_bytes_;
  outbox_.push_back(std::move(event));
  batch_.Clear();
  batch_bytes_ = 0;
}

void Subscription::TakeRecord(ShardState& shard, const subscriptions::EncodedRecord& record) {
  const subscriptions::RecordMeta& meta = record.meta;
  // A subscription that attached ahead of the reader's tip (or resumed
  // inside the window) skips what it has had.
  if ((shard.pos.kind == Position::kAfter || shard.pos.kind == Position::kAt) &&
      subscriptions::CompareSequenceNumbers(meta.sequence_number, shard.pos.seq) <
          (shard.pos.kind == Position::kAfter ? 1 : 0)) {
    return;
  }
  newest_seen_ = meta.created;
  bool deliver = options_.Wants(meta.event_name);
  if (shard.pos.kind == Position::kSinceTime && meta.created < shard.pos.time) deliver = false;
  // The position moves past every record read, delivered or not.
  shard.pos = Position{Position::kAfter, meta.sequence_number, {}};
  if (!deliver) return;
  const int64_t size = meta.size_bytes;
  if (!batch_.empty() && batch_bytes_ + size > BatchBytesLimit()) SealBatch();
  if (batch_.empty()) batch_started_ = engine_->clock_->Now();
  engine_->budget_.Hold(1, size);
  batch_.Add(record);
  batch_bytes_ += size;
  if (batch_.records() >= options_.max_records || batch_bytes_ >= BatchBytesLimit()) {
    SealBatch();
  }
}

absl::Status Subscription::ReadShard(const std::string& shard_id) {
  ShardState& shard = shards_.at(shard_id);
  last_read_shard_ = shard_id;
  if (shard.reader == nullptr) shard.reader = engine_->ReaderFor(stream_arn_, shard_id, shard.pos);
  const int limit =
      engine_->budget_.ReadRecords(std::max(1, options_.max_records - batch_.records()));

  // Attached: served from the shard reader's window.
  if (!shard.cursor && !shard.read_taken) {
    shard.cursor = shard.reader->Attach(shard.pos);
    if (shard.cursor) {
      shard.iterator.clear();
      UpdateWatch();
    }
  }
  if (shard.cursor) {
    std::vector<std::shared_ptr<const subscriptions::EncodedRecord>> records;
    std::weak_ptr<Subscription> weak = weak_from_this();
    switch (shard.reader->Serve(&*shard.cursor, limit, &records, [weak] {
      if (auto self = weak.lock()) self->Wake();
    })) {
      case subscriptions::ShardReader::Served::kRecords:
        retry_delay_ = absl::ZeroDuration();
        for (const auto& record : records) TakeRecord(shard, *record);
        shard.idle = false;
        return absl::OkStatus();
      case subscriptions::ShardReader::Served::kWait:
        // The reader wakes us (Wake) when it has more.
        shard.idle = true;
        return absl::OkStatus();
      case subscriptions::ShardReader::Served::kEnded:
        // Closed and fully read: its records go out first, then its ShardEnd.
        SealBatch();
        shard.cursor.reset();
        shard.closing = true;
        return FinishShard(shard_id);
      case subscriptions::ShardReader::Served::kDetached:
        shard.cursor.reset();  // fell out of the window, or the reader lost its iterator
        UpdateWatch();
        break;
    }
  }

  // Behind the window: our own iterator, each read within the shard's
  // budget, until we can attach.
  if (!shard.read_taken) {
    if (const absl::Time at = shard.reader->TakeRead(); at != absl::InfinitePast()) {
      ScheduleKick(at - engine_->clock_->Now());
      return CallPending();  // wait for the budget; the kick runs us
    }
    shard.read_taken = true;
  }
  if (absl::Status s = EnsureIterator(shard_id, shard); !s.ok()) {
    if (!IsCallPending(s)) shard.read_taken = false;
    return s;
  }
  UpdateWatch();  // before the read: a write after it wakes us
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    generation = wake_generation_;
  }
  v1::GetRecordsRequest request;
  request.set_shard_iterator(shard.iterator);
  request.set_limit(limit);
  auto page = CallGetRecords(request);
  if (!page.ok()) {
    if (!IsCallPending(page.status())) shard.read_taken = false;
    return page.status();
  }
  shard.read_taken = false;
  retry_delay_ = absl::ZeroDuration();
  // Read for this subscription alone: encoded for it alone.
  if (page->records_size() > 0) {
    std::shared_ptr<const subscriptions::EncodedPage> encoded =
        subscriptions::EncodePage(shard_id, page->mutable_records());
    for (const auto& record : encoded->records) TakeRecord(shard, record);
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
    // At the tip: hand our iterator to the shard's reader if it has none,
    // and be served from its window from now on.
    if (std::optional<uint64_t> cursor = shard.reader->Offer(shard.iterator, shard.pos)) {
      shard.cursor = cursor;
      shard.iterator.clear();
      UpdateWatch();
      // Not idle: the next step asks the reader (Serve), which wakes us
      // when it has more; our own hook may be gone already.
      shard.idle = false;
      return absl::OkStatus();
    }
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
  shard.reader.reset();  // the last subscription on a shard drops its reader
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
  OutEvent event;
  event.continuation_token = Token();
  end.mutable_shard_end()->set_continuation_token(event.continuation_token);
  event.bytes = subscriptions::SerializeEvent(end);
  outbox_.push_back(std::move(event));
  return absl::OkStatus();
}

bool Subscription::Step() {
  bool writing;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    writing = write_in_flight_;
  }
  if (ending_) return false;
  // While a write is in flight, prepare the next batch (read ahead), up to
  // one full batch: the buffer stays bounded, and the next write can start
  // the moment this one completes.
  if (writing) {
    if (!outbox_.empty() || batch_.records() >= options_.max_records ||
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
    return false;  // pending: the completion runs us; errors: handled once the write is done
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
  const absl::Time now = engine_->clock_->Now();

  // 1. Send what is ready, one write at a time.
  if (outbox_.empty() && !batch_.empty()) {
    bool full = batch_.records() >= options_.max_records || batch_bytes_ >= BatchBytesLimit();
    bool delay_over = now >= batch_started_ + options_.batching_delay;
    if (full || (CaughtUp() && delay_over) ||
        (options_.batching_delay > absl::ZeroDuration() && delay_over)) {
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
    sink->Write(pending_write_.bytes);
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
      if (IsCallPending(s)) return false;
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
    if (IsCallPending(s)) return false;
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
    if (IsCallPending(s)) return false;
    ShardState& shard = shards_.at(*next);
    if (IsAwsError(s, "ExpiredIteratorException")) {
      shard.iterator.clear();
      return true;
    }
    if (IsAwsError(s, "TrimmedDataAccessException")) {
      SealBatch();
      FinishTrimmed(*next, s.message());
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
  if (!batch_.empty()) {
    if (now >= batch_started_ + options_.batching_delay) return true;  // flush on the next step
    ScheduleKick(batch_started_ + options_.batching_delay - now);
  }
  if (now >= last_event_at_ + options_.heartbeat && batch_.empty()) {
    OutEvent event;
    event.continuation_token = Token();
    v1::SubscribeToStreamResponse beat;
    beat.mutable_heartbeat()->set_continuation_token(event.continuation_token);
    beat.mutable_heartbeat()->set_millis_behind_latest(0);
    event.bytes = subscriptions::SerializeEvent(beat);
    outbox_.push_back(std::move(event));
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

// Events go out as bytes (event_wire.h): a records batch is not serialized
// again per subscriber.
class SubscriptionReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                                  public EventSink {
 public:
  SubscriptionReactor(grpc::CallbackServerContext* context, SubscriptionEngine* engine)
      : context_(context), engine_(engine), start_wait_(engine->scheduler_.get()) {}

  void Begin(std::shared_ptr<Subscription> subscription, absl::AnyInvocable<absl::Status()> start) {
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
    subscription_->SetResumeStart([this] { RunStart(std::nullopt); });
    RunStart(std::nullopt);
  }

  void Write(const grpc::ByteBuffer& event) override { StartWrite(&event); }

  void Finish(grpc::Status status, const std::string& final_token) override {
    if (finished_.exchange(true)) return;
    if (!final_token.empty()) context_->AddTrailingMetadata(kTokenMetadataKey, final_token);
    grpc::ServerWriteReactor<grpc::ByteBuffer>::Finish(std::move(status));
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
  // once that is due, from a timer; when a call completes late, again from
  // its completion; a transient error, again after a short backoff. No
  // worker waits meanwhile.
  void RunStart(std::optional<backends::CallDelay> delayed, absl::Duration retry = kStartRetryMin) {
    engine_->workers_->Run([this, delayed = std::move(delayed), retry]() mutable {
      subscription_->SetDelayedCall(std::move(delayed));
      absl::Status status = start_();
      if (IsCallPending(status)) return;
      std::optional<absl::Time> again_at;
      std::optional<backends::CallDelay> delay = backends::DelayedCallOf(status);
      if (delay) {
        again_at = delay->ready_at;
      } else if (IsTransient(status) && retry < kStartRetryMax) {
        // Throttling at the start must not fail the subscription at once.
        again_at = engine_->clock_->Now() + retry;
      }
      if (again_at) {
        if (!start_wait_.Arm(
                *again_at, [this, delay, retry] { RunStart(delay, delay ? retry : retry * 2); })) {
          FinishDirect(grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled"));
        }
        return;
      }
      if (!status.ok()) {
        FinishDirect(ToGrpcStatus(status, kDomain));
        return;
      }
      // Started: the request (captured by start_) is not needed again, and
      // an idle subscription should not keep it.
      start_ = nullptr;
      subscription_->Started();
    });
  }

  void FinishDirect(grpc::Status status) {
    if (finished_.exchange(true)) return;
    grpc::ServerWriteReactor<grpc::ByteBuffer>::Finish(std::move(status));
  }

  grpc::CallbackServerContext* context_;
  SubscriptionEngine* engine_;
  std::shared_ptr<Subscription> subscription_;
  absl::AnyInvocable<absl::Status()> start_;
  CancellableTimer start_wait_;
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
      options_(options),
      budget_(options.max_buffered_bytes),
      clock_(options.clock != nullptr ? options.clock : std::make_shared<backends::SystemClock>()),
      workers_(std::make_unique<ThreadPoolExecutor>(static_cast<size_t>(options.worker_threads))),
      scheduler_(std::make_unique<Scheduler>(clock_.get())),
      registry_(options.max_subscriptions, options.max_subscriptions_per_caller) {}

SubscriptionEngine::~SubscriptionEngine() {
  Shutdown(absl::Seconds(1));
  {
    // Completions of backend calls still out reference subscriptions, and
    // so this engine: they come within the backend's call timeout.
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* calls) { return *calls == 0; }, &calls_in_flight_));
  }
  scheduler_.reset();
  workers_.reset();
  registry_.Clear();
}

absl::Status SubscriptionEngine::Admit(const std::shared_ptr<Subscription>& subscription,
                                       const std::string& caller) {
  absl::Status admitted = registry_.Admit(subscription, caller);
  if (admitted.ok() && options_.observer) options_.observer->OnOpened();
  return admitted;
}

std::shared_ptr<subscriptions::ShardReader> SubscriptionEngine::ReaderFor(
    const std::string& stream_arn, const std::string& shard_id,
    const subscriptions::Position& pos) {
  std::string key = absl::StrCat(stream_arn, "\n", shard_id);
  std::shared_ptr<subscriptions::ShardReader> reader;
  {
    absl::MutexLock lock(&readers_mu_);
    auto it = readers_.find(key);
    if (it != readers_.end()) reader = it->second.lock();
    if (reader != nullptr) return reader;
    if (!backend_notifies_) {
      // Whether reads are memory-local and come on wake-ups (the simulator)
      // or are polled (AWS): it decides the default read budget.
      backend_notifies_ = backend_->WatchStream(stream_arn, [] {}) != nullptr;
    }
    subscriptions::ShardReaderOptions reader_options;
    reader_options.reads_per_second = options_.shard_reads_per_second.value_or(
        *backend_notifies_ ? 0 : kDefaultShardReadsPerSecond);
    reader_options.poll_min = options_.poll_min;
    reader_options.poll_max = options_.poll_max;
    reader_options.retry_min = options_.retry_min;
    reader_options.retry_max = options_.retry_max;
    subscriptions::ShardReaderEnvironment env;
    env.backend = backend_.get();
    env.clock = clock_.get();
    env.scheduler = scheduler_.get();
    env.executor = workers_.get();
    env.call_started = [this] { CallStarted(); };
    env.call_ended = [this] { CallEnded(); };
    reader = std::make_shared<subscriptions::ShardReader>(std::move(env), stream_arn, shard_id,
                                                          reader_options);
    if (readers_.size() >= 64 && (readers_.size() & (readers_.size() - 1)) == 0) {
      absl::erase_if(readers_, [](const auto& entry) { return entry.second.expired(); });
    }
    readers_[key] = reader;
  }
  reader->Begin(pos);
  return reader;
}

void SubscriptionEngine::CallStarted() {
  absl::MutexLock lock(&mu_);
  ++calls_in_flight_;
}

void SubscriptionEngine::CallEnded() {
  absl::MutexLock lock(&mu_);
  --calls_in_flight_;
}

void SubscriptionEngine::Release(Subscription* subscription) {
  if (registry_.Release(subscription) && options_.observer) options_.observer->OnClosed();
}

void SubscriptionEngine::Shutdown(absl::Duration grace) { registry_.StopAll(grace); }

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscriptionEngine::SubscribeToShard(
    grpc::CallbackServerContext* context, v1::SubscribeToShardRequest request) {
  auto* reactor = new SubscriptionReactor(context, this);
  auto subscription = std::make_shared<Subscription>(this, Subscription::Mode::kShard);
  reactor->Begin(subscription, [subscription, request = std::move(request)] {
    return subscription->Start(request.stream_arn(), request.shard_id(),
                               request.starting_position(), request.options());
  });
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscriptionEngine::SubscribeToStream(
    grpc::CallbackServerContext* context, v1::SubscribeToStreamRequest request) {
  auto* reactor = new SubscriptionReactor(context, this);
  auto subscription = std::make_shared<Subscription>(this, Subscription::Mode::kStream);
  reactor->Begin(subscription, [subscription, request = std::move(request)] {
    return subscription->Start(request.stream_arn(), "", request.starting_position(),
                               request.options());
  });
  return reactor;
}

}  // namespace awsfacade::service
