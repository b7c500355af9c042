// The session's step: what to do next, in order of priority. Runs only on
// the session's strand.
#include <algorithm>
#include <utility>

#include "backends/common/aws_error.h"
#include "backends/common/call_delay.h"
#include "service/status_conversion.h"
#include "service/subscriptions/session.h"
#include "service/subscriptions/session_internal.h"
#include "service/subscriptions/transient_errors.h"

namespace awsfacade::service::subscriptions {
namespace v1 = ::aws::dynamodbstreams::v1;

bool SubscriptionSession::Step() {
  bool writing;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    writing = write_in_flight_;
  }
  if (ending_) return false;
  if (writing) return ReadAhead();
  if (FinishIfAsked()) return false;
  if (const uint64_t generation = strand_.wake_generation(); generation != seen_generation_) {
    seen_generation_ = generation;
    for (auto& [id, shard] : shards_) shard.idle = false;
  }
  const absl::Time now = Now();
  // 1. Send what is ready, one write at a time.
  if (std::optional<bool> more = SendReady(now)) return *more;
  // 2. The end of the road.
  if (std::optional<bool> more = CheckEnd(now)) return *more;
  // 3. Finish closed shards, then read.
  if (std::optional<bool> more = ReadNext()) return *more;
  // 4. Caught up everywhere: flush, heartbeat, then wait.
  return Idle(now);
}

// While a write is in flight, prepare the next batch (read ahead), up to
// one full batch: the buffer stays bounded, and the next write can start
// the moment this one completes.
bool SubscriptionSession::ReadAhead() {
  if (!events_.empty() || batch_.records() >= options_.max_records ||
      batch_bytes_ >= BatchBytesLimit() || env_->budget->Over()) {
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

bool SubscriptionSession::FinishIfAsked() {
  std::optional<grpc::Status> end;
  {
    absl::MutexLock lock(&mu_);
    if (finish_pending_) {
      end = ToGrpcStatus(*finish_pending_, kStreamsErrorDomain);
    } else if (cancelled_) {
      end = grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled");
    } else if (stopping_) {
      end = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                         "the server is shutting down; resume from the continuation token in "
                         "the trailing metadata");
    }
  }
  if (!end) return false;
  FinishNow(*std::move(end));
  return true;
}

std::optional<bool> SubscriptionSession::SendReady(absl::Time now) {
  if (events_.empty() && !batch_.empty()) {
    bool full = batch_.records() >= options_.max_records || batch_bytes_ >= BatchBytesLimit();
    bool delay_over = now >= batch_started_ + options_.batching_delay;
    if (full || (CaughtUp() && delay_over) ||
        (options_.batching_delay > absl::ZeroDuration() && delay_over)) {
      SealBatch();
    }
  }
  if (events_.empty()) return std::nullopt;
  EventSink* sink;
  {
    absl::MutexLock lock(&mu_);
    sink = sink_;
    if (sink == nullptr) return false;
    write_in_flight_ = true;
  }
  last_event_at_ = now;
  sink->Write(events_.StartWrite());
  return false;  // OnWriteDone kicks
}

std::optional<bool> SubscriptionSession::CheckEnd(absl::Time now) {
  if (now >= deadline_) {
    FinishWith(absl::OkStatus());
    return false;
  }
  bool any_open = false;
  for (const auto& [id, shard] : shards_) any_open |= shard.pos.kind != Position::kDone;
  if (any_open) return std::nullopt;
  if (mode_ == Mode::kShard) {
    FinishWith(absl::OkStatus());
    return false;
  }
  bool disabled = false;
  if (absl::Status s = AddNewShards(&disabled); !s.ok()) {
    Fail(s);
    return false;
  }
  bool any_new = false;
  for (const auto& [id, shard] : shards_) any_new |= shard.pos.kind != Position::kDone;
  if (!any_new) {
    if (disabled) {
      FinishWith(absl::OkStatus());  // the stream is over and fully read
      return false;
    }
    strand_.WakeAfter(env_->pacing.poll_max);  // children not visible yet
  }
  return any_new;
}

std::optional<bool> SubscriptionSession::ReadNext() {
  for (const auto& [id, shard] : shards_) {
    if (!shard.closing) continue;
    absl::Status s = FinishShard(id);
    if (s.ok()) return true;
    Fail(s);
    return false;
  }
  std::optional<std::string> next = PickShard();
  if (!next) return std::nullopt;
  absl::Status s = ReadShard(*next);
  if (s.ok()) return true;
  if (IsCallPending(s)) return false;
  if (IsAwsError(s, "ExpiredIteratorException")) {
    shards_.at(*next).iterator.clear();
    return true;
  }
  if (IsAwsError(s, "TrimmedDataAccessException")) {
    SealBatch();
    FinishTrimmed(*next, s.message());
    return false;
  }
  if (!IsTransient(s)) SealBatch();  // what was read goes out before the error
  Fail(s);
  return false;
}

bool SubscriptionSession::Idle(absl::Time now) {
  if (!batch_.empty()) {
    if (now >= batch_started_ + options_.batching_delay) return true;  // flush on the next step
    strand_.WakeAfter(batch_started_ + options_.batching_delay - now);
  }
  if (now >= last_event_at_ + options_.heartbeat && batch_.empty()) {
    OutEvent event;
    event.continuation_token = Token();
    v1::SubscribeToStreamResponse beat;
    beat.mutable_heartbeat()->set_continuation_token(event.continuation_token);
    beat.mutable_heartbeat()->set_millis_behind_latest(0);
    event.bytes = SerializeEvent(beat);
    events_.Push(std::move(event));
    return true;
  }
  strand_.WakeAfter(last_event_at_ + options_.heartbeat - now);
  if (deadline_ != absl::InfiniteFuture()) strand_.WakeAfter(deadline_ - now);
  if (!has_watch_) {
    // Polling backend: look again after an adaptive delay per idle shard.
    const SessionPacing& pacing = env_->pacing;
    absl::Duration delay = pacing.poll_max;
    for (auto& [id, shard] : shards_) {
      if (!Readable(shard)) continue;
      shard.poll_delay = shard.poll_delay == absl::ZeroDuration()
                             ? pacing.poll_min
                             : std::min(shard.poll_delay * 2, pacing.poll_max);
      delay = std::min(delay, shard.poll_delay);
    }
    strand_.WakeAfter(delay);
  }
  return false;
}

void SubscriptionSession::Fail(const absl::Status& status) {
  if (IsCallPending(status)) return;  // the completion runs the strand again
  if (IsTransient(status)) {
    Backoff(status);
    return;
  }
  FinishWith(status);
}

void SubscriptionSession::Backoff(const absl::Status& status) {
  if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(status)) {
    // Not a failure: the call runs when due (the strand), no backoff grows.
    strand_.WakeAfter(delay->ready_at - Now());
    delayed_call_ = std::make_unique<backends::CallDelay>(*std::move(delay));
    return;
  }
  const SessionPacing& pacing = env_->pacing;
  retry_delay_ = retry_delay_ == absl::ZeroDuration()
                     ? pacing.retry_min
                     : std::min(retry_delay_ * 2, pacing.retry_max);
  absl::Duration delay =
      std::max(retry_delay_, backends::RetryDelay(status).value_or(absl::ZeroDuration()));
  strand_.WakeAfter(delay);
}

}  // namespace awsfacade::service::subscriptions
