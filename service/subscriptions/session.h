#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SESSION_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SESSION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/common/call_delay.h"
#include "backends/dynamodb_streams_backend.h"
#include "grpcpp/grpcpp.h"
#include "service/subscriptions/buffer_budget.h"
#include "service/subscriptions/continuation_token.h"
#include "service/subscriptions/event_queue.h"
#include "service/subscriptions/event_wire.h"
#include "service/subscriptions/registry.h"
#include "service/subscriptions/shard_reader.h"
#include "service/subscriptions/strand.h"
#include "service/subscriptions/subscription_observer.h"
#include "service/subscriptions/subscription_options.h"

namespace awsfacade::service::subscriptions {

// The ErrorInfo domain of the statuses subscriptions end with.
inline constexpr char kStreamsErrorDomain[] = "streams.dynamodb";

// Pacing of sessions (the engine's options).
struct SessionPacing {
  // A backend that cannot notify (real AWS): an idle shard is polled after
  // poll_min, doubling to poll_max while it stays empty.
  absl::Duration poll_min = absl::Milliseconds(250);
  absl::Duration poll_max = absl::Seconds(1);
  // Backoff for throttling and transient backend errors.
  absl::Duration retry_min = absl::Milliseconds(20);
  absl::Duration retry_max = absl::Seconds(5);
};

// What every session of an engine shares. Owned by the engine, which
// outlives every session (and every backend call a session makes: the
// engine waits for call_ended before it goes).
struct SessionEnvironment {
  std::shared_ptr<backends::DynamoDbStreamsBackend> backend;
  const ContinuationTokenCodec* tokens = nullptr;
  // Flow control over all sessions' buffered records.
  BufferBudget* budget = nullptr;
  // Workers, timers and the clock (time comes only from here).
  StrandEnvironment strand;
  SessionPacing pacing;
  std::shared_ptr<SubscriptionObserver> observer;  // null: nobody is told
  // The process's reader of a shard, begun at `pos` when it is new.
  std::function<std::shared_ptr<ShardReader>(const std::string& stream_arn,
                                             const std::string& shard_id, const Position& pos)>
      reader_for;
  // Told of every backend call until its completion has run.
  std::function<void()> call_started;
  std::function<void()> call_ended;
};

// Where a session's events go: the gRPC reactor of one subscription
// (subscription_reactor.h), or a test.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // `event` is a serialized SubscribeToStreamResponse (the wire form of
  // SubscribeToShardResponse too); it stays alive until the session's
  // OnWriteDone. One write at a time.
  virtual void Write(const grpc::ByteBuffer& event) = 0;
  // Once: the status, and the continuation token of the last event gRPC
  // took (for the trailing metadata; empty when there is none).
  virtual void Finish(grpc::Status status, const std::string& final_token) = 0;
};

// One subscriber's state machine (SubscribeToShard or SubscribeToStream;
// semantics in the proto comments): which shards it reads and where, the
// batch being filled, the events ready to write, and how it ends.
//
// Owns: the per-shard positions (and so the continuation token), its
// attachment to each shard's reader (a cursor in the reader's window, or its
// own iterator while behind it), its batch (the events ready to write are
// its EventQueue's), its share of the buffer budget (released when it
// goes), and its backend calls (at most one in flight).
// Guarantees: every step runs on its strand (strand.h), one at a time; no
// lock is held during a backend call, a gRPC write or a wake-up. Events go
// out in order, one write in flight, each with the token of the position
// after it; records are neither skipped nor repeated across shard
// rollovers, reader hand-overs and resumes. It finishes exactly once:
// after the write in flight, with the token of the last event written.
// Time comes from the environment's clock.
//
// Where the code is: session.cc (start, tokens, lifecycle, ending),
// session_step.cc (the step: what to do next), session_read.cc (backend
// calls, reading shards, batching).
class SubscriptionSession : public Stoppable,
                            public std::enable_shared_from_this<SubscriptionSession> {
 public:
  using Mode = TokenMode;

  SubscriptionSession(const SessionEnvironment* env, Mode mode);
  ~SubscriptionSession() override;

  // Validates the request and sets the starting positions (ValidationException
  // naming the field; ResourceNotFoundException for an unknown shard; a
  // backend error). Runs on a worker; before Started(), possibly several
  // times (see SetResumeStart). May return CallPending (IsCallPending).
  absl::Status Start(const std::string& stream_arn, const std::string& shard_id,
                     const ::aws::dynamodbstreams::v1::StartingPosition& start,
                     const ::aws::dynamodbstreams::v1::SubscriptionOptions& options);

  void Attach(EventSink* sink) {
    absl::MutexLock lock(&mu_);
    sink_ = sink;
  }
  // After a successful Start: steps may run from now on.
  void Started();
  // Before Started: the delayed call Start's next run makes, and how Start
  // runs again when one of its calls completes late.
  void SetDelayedCall(std::optional<backends::CallDelay> delayed) {
    delayed_call_ = delayed ? std::make_unique<backends::CallDelay>(*std::move(delayed)) : nullptr;
  }
  void SetResumeStart(std::function<void()> resume) {
    absl::MutexLock lock(&mu_);
    resume_start_ = std::move(resume);
  }
  // The sink's write completed (ok: gRPC took it).
  void OnWriteDone(bool ok);
  void Cancel();         // the client cancelled
  void Stop() override;  // server shutdown: UNAVAILABLE and the token
  void Detached();       // the sink is gone

 private:
  // Where the session is in one shard.
  struct ShardState {
    std::string parent;
    Position pos;
    std::string iterator;  // empty: obtain one from `pos`
    bool idle = false;     // the last read of this open shard found nothing new
    bool closing = false;  // fully read and closed; its ShardEnd is not out yet
    // A token of the shard's read budget, taken for the own read in
    // progress (kept while that call is pending).
    bool read_taken = false;
    absl::Duration poll_delay = absl::ZeroDuration();
    // The process's reader of this shard, and the place in its window while
    // attached (then `iterator` is empty: the reader reads for us).
    std::shared_ptr<ShardReader> reader;
    std::optional<uint64_t> cursor;
  };
  template <typename Response>
  struct CallResult;
  struct LateResults;
  struct DescribeProgress;

  // --- the step (session_step.cc) ---
  // One step of work; true when another should follow at once.
  bool Step();
  // While a write is in flight: prepare the next batch (read ahead).
  bool ReadAhead();
  // Finishes when cancelled, stopping or asked to; true when it did.
  bool FinishIfAsked();
  // Starts the next write when an event is ready; nullopt: nothing to send.
  std::optional<bool> SendReady(absl::Time now);
  // The deadline, the end of every shard, new shards; nullopt: go on.
  std::optional<bool> CheckEnd(absl::Time now);
  // Finishes closed shards, then reads one; nullopt: nothing to read.
  std::optional<bool> ReadNext();
  // Caught up everywhere: flush, heartbeat, then arm the wake-ups.
  bool Idle(absl::Time now);
  // A failed step: retried later when transient, else the end.
  void Fail(const absl::Status& status);
  void Backoff(const absl::Status& status);

  // --- start and tokens (session.cc) ---
  absl::Status SetStartingShards(const Position& pos);
  std::string Token() const;
  absl::Status DecodeToken(absl::string_view token);
  std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> NewWatch();
  // Takes or drops the backend's wake-up hook (watch_): held while any
  // readable shard has no cursor in its reader's window.
  void UpdateWatch();
  // Finishes with `status` after the write in flight (if any) completes.
  void FinishWith(const absl::Status& status);
  void FinishNow(grpc::Status status);
  // Ends the subscription with TrimmedDataAccessException and the shard's
  // trim horizon, looked up asynchronously; the strand stops meanwhile.
  void FinishTrimmed(const std::string& shard_id, absl::string_view message);

  // --- backend calls and reading (session_read.cc) ---
  // Every shard (or every child of `children_of`), and the stream status.
  // Pages are kept across re-runs while a page's call is pending.
  absl::Status Describe(std::vector<::aws::dynamodbstreams::v1::Shard>* out,
                        const std::string& children_of = "", std::string* stream_status = nullptr);
  // A backend call from the strand (or Start), asynchronous. When it
  // completes before the backend returns (the simulator), its result comes
  // back at once. Otherwise this returns CallPending(); the completion stores
  // the result and runs the strand (or Start) again, and the step that made
  // the call makes it again with the same request and takes the result. One
  // call in flight per session; no lock is held while it starts.
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(
      void (backends::DynamoDbStreamsBackend::*method)(const backends::CallContext&, Request,
                                                       backends::AsyncDone<Response>),
      std::optional<CallResult<Response>> LateResults::*slot, absl::string_view operation,
      const Request& request);
  absl::StatusOr<::aws::dynamodbstreams::v1::DescribeStreamResponse> CallDescribeStream(
      const ::aws::dynamodbstreams::v1::DescribeStreamRequest& r);
  absl::StatusOr<::aws::dynamodbstreams::v1::GetShardIteratorResponse> CallGetShardIterator(
      const ::aws::dynamodbstreams::v1::GetShardIteratorRequest& r);
  absl::StatusOr<::aws::dynamodbstreams::v1::GetRecordsResponse> CallGetRecords(
      const ::aws::dynamodbstreams::v1::GetRecordsRequest& r);
  // A call completed after its backend method returned.
  void OnLateCompletion();
  absl::Status AddNewShards(bool* stream_disabled);
  absl::Status EnsureIterator(const std::string& shard_id, ShardState& shard);
  absl::Status ReadShard(const std::string& shard_id);
  // Attached: served from the reader's window; nullopt: read on our own.
  std::optional<absl::Status> ServeFromReader(const std::string& shard_id, ShardState& shard,
                                              int limit);
  // Behind the window: our own iterator, within the shard's read budget.
  absl::Status ReadOnOwn(const std::string& shard_id, ShardState& shard, int limit);
  // Batches one record read from `shard` (filters, position, budget).
  void TakeRecord(ShardState& shard, const EncodedRecord& record);
  absl::Status FinishShard(const std::string& shard_id);
  std::optional<std::string> PickShard();
  bool Readable(const ShardState& shard) const;
  void SealBatch();
  int64_t BatchBytesLimit() const { return env_->budget->BatchBytes(options_.max_bytes); }
  bool CaughtUp() const;
  int64_t MillisBehind() const;

  absl::Time Now() const { return env_->strand.clock->Now(); }
  backends::DynamoDbStreamsBackend* backend() const { return env_->backend.get(); }

  const SessionEnvironment* const env_;
  const Mode mode_;
  Strand strand_;

  // Cross-thread state.
  absl::Mutex mu_;
  EventSink* sink_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> finish_pending_ ABSL_GUARDED_BY(mu_);
  std::string last_sent_token_ ABSL_GUARDED_BY(mu_);
  bool call_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  // Results of calls that completed late, until their step takes them;
  // allocated only then, so idle sessions stay small.
  std::unique_ptr<LateResults> late_ ABSL_GUARDED_BY(mu_);
  // Runs Start again once a call it made completes late (set by the reactor).
  std::function<void()> resume_start_ ABSL_GUARDED_BY(mu_);

  // Owned by the strand (only Step and what it calls touch these).
  std::string stream_arn_;
  std::string only_shard_;  // kShard mode
  BatchingOptions options_;
  std::map<std::string, ShardState> shards_;  // ordered: stable tokens and round robin
  std::string last_read_shard_;
  // Events ready to write and the one being written (its hand-over to
  // OnWriteDone is under mu_, with write_in_flight_).
  EventQueue events_{env_->budget};
  // The records batched so far: references to their shared encoded bytes.
  WireBatch batch_;
  int64_t batch_bytes_ = 0;
  absl::Time batch_started_;
  absl::Time last_event_at_;
  absl::Time deadline_ = absl::InfiniteFuture();
  absl::Time start_time_ = absl::InfinitePast();
  absl::Time newest_seen_ = absl::InfinitePast();  // creation time of the last record read
  absl::Duration retry_delay_ = absl::ZeroDuration();
  // A backend call that asked to run later (an injected latency): the steps
  // that follow run it when due, and no worker waits for it. Rare, so on the
  // heap rather than in every session.
  std::unique_ptr<backends::CallDelay> delayed_call_;
  uint64_t seen_generation_ = 0;
  // Describe's pages so far, while a page's call is pending.
  std::unique_ptr<DescribeProgress> describe_progress_;
  // The session is ending (FinishTrimmed): no more steps.
  bool ending_ = false;
  bool has_watch_ = false;  // the backend has a wake-up hook
  // Held only while a readable shard is read on its own: attached shards
  // are woken by their reader, whose one hook serves every subscriber.
  std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> watch_;
};

// A backend call of a session has not completed yet: the step stops, and
// the completion runs the strand (or Start) again.
absl::Status CallPending();
bool IsCallPending(const absl::Status& status);

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SESSION_H_
