// The session's start, tokens, lifecycle and ending. The step is in
// session_step.cc, reading in session_read.cc.
#include "service/subscriptions/session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"
#include "service/status_conversion.h"
#include "service/subscriptions/event_wire.h"
#include "service/subscriptions/session_internal.h"

namespace awsfacade::service::subscriptions {
namespace v1 = ::aws::dynamodbstreams::v1;
using backends::AwsError;

namespace {

// A backend call of the strand has not completed yet: the step stops, and
// the completion runs the strand again (SubscriptionSession::Call).
constexpr char kCallPendingPayload[] = "awsfacade.subscription/call-pending";

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return AwsError("ValidationException", message, field);
}

// The position every shard starts at, for a StartingPosition other than
// CONTINUATION; `now` is when the subscription started.
absl::StatusOr<Position> ParseStartingPosition(const v1::StartingPosition& start, TokenMode mode,
                                               absl::Time now) {
  const std::string& type = start.type();
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
    pos.time = TimestampToTime(start.timestamp());
  } else if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
    if (mode == TokenMode::kStream) {
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
  return pos;
}

}  // namespace

absl::Status CallPending() {
  absl::Status status(absl::StatusCode::kAborted, "backend call in flight");
  status.SetPayload(kCallPendingPayload, absl::Cord());
  return status;
}

bool IsCallPending(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         status.GetPayload(kCallPendingPayload).has_value();
}

SubscriptionSession::SubscriptionSession(const SessionEnvironment* env, Mode mode)
    : env_(env), mode_(mode), strand_(&env->strand, [this] { return Step(); }) {
  last_event_at_ = Now();
}

SubscriptionSession::~SubscriptionSession() {
  env_->budget->Release(batch_.records(), batch_bytes_);  // events_ gives back its own
}

// ---------------------------------------------------------------------------
// Start-up.

absl::Status SubscriptionSession::Start(const std::string& stream_arn, const std::string& shard_id,
                                        const v1::StartingPosition& start,
                                        const v1::SubscriptionOptions& options) {
  if (stream_arn.empty()) return Invalid("StreamArn", "StreamArn is required");
  if (mode_ == Mode::kShard && shard_id.empty()) return Invalid("ShardId", "ShardId is required");
  auto parsed = ParseBatchingOptions(options);
  if (!parsed.ok()) return parsed.status();
  options_ = *std::move(parsed);
  stream_arn_ = stream_arn;
  only_shard_ = shard_id;
  // Start runs again when a call it made completes late: from scratch, but
  // with the time of its first run.
  shards_.clear();
  if (start_time_ == absl::InfinitePast()) start_time_ = Now();
  const absl::Time now = start_time_;
  if (options_.lifetime > absl::ZeroDuration()) deadline_ = now + options_.lifetime;

  if (start.type() == "CONTINUATION") {
    if (absl::Status s = DecodeToken(start.continuation_token()); !s.ok()) return s;
  } else {
    absl::StatusOr<Position> pos = ParseStartingPosition(start, mode_, now);
    if (!pos.ok()) return pos.status();
    if (absl::Status s = SetStartingShards(*pos); !s.ok()) return s;
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

absl::Status SubscriptionSession::SetStartingShards(const Position& pos) {
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
  return absl::OkStatus();
}

void SubscriptionSession::Started() {
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
  }
  strand_.Open(weak_from_this());
}

std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> SubscriptionSession::NewWatch() {
  std::weak_ptr<SubscriptionSession> weak = weak_from_this();
  return backend()->WatchStream(stream_arn_, [weak] {
    if (auto self = weak.lock()) self->strand_.Wake();
  });
}

void SubscriptionSession::UpdateWatch() {
  if (!has_watch_) return;
  bool on_own = false;
  for (const auto& [id, shard] : shards_) on_own |= Readable(shard) && !shard.cursor;
  if (on_own && watch_ == nullptr) {
    watch_ = NewWatch();
  } else if (!on_own && watch_ != nullptr) {
    watch_.reset();
  }
}

// ---------------------------------------------------------------------------
// Continuation tokens: every shard's position, sealed (continuation_token.h).

std::string SubscriptionSession::Token() const {
  std::string text = TokenTextHeader(mode_, stream_arn_);
  for (const auto& [id, shard] : shards_) AppendTokenShard(&text, id, shard.parent, shard.pos);
  return env_->tokens->Seal(text);
}

absl::Status SubscriptionSession::DecodeToken(absl::string_view token) {
  absl::StatusOr<TokenContents> contents =
      env_->tokens->Open(token, mode_, stream_arn_, only_shard_);
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

// ---------------------------------------------------------------------------
// Signals from gRPC and the registry.

void SubscriptionSession::OnWriteDone(bool ok) {
  OutEvent written;
  {
    absl::MutexLock lock(&mu_);
    // Taken in the same critical section that ends the write: the strand
    // starts the next one once it sees no write in flight.
    written = events_.FinishWrite();
    write_in_flight_ = false;
    if (!ok) {
      cancelled_ = true;
    } else {
      last_sent_token_ = std::move(written.continuation_token);
      if (written.records > 0 && env_->observer) {
        env_->observer->OnRecordsDelivered(written.records, written.millis_behind_latest);
      }
    }
  }
  strand_.Kick();
}

void SubscriptionSession::Cancel() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  strand_.Kick();
}

void SubscriptionSession::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  strand_.Kick();
}

void SubscriptionSession::Detached() {
  {
    absl::MutexLock lock(&mu_);
    sink_ = nullptr;
    finished_ = true;
  }
  strand_.Close();
}

// ---------------------------------------------------------------------------
// The end.

void SubscriptionSession::FinishNow(grpc::Status status) {
  EventSink* sink = nullptr;
  std::string token;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    sink = sink_;
    token = last_sent_token_;
  }
  strand_.Close();
  watch_.reset();
  if (sink != nullptr) sink->Finish(std::move(status), token);
}

void SubscriptionSession::FinishWith(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (write_in_flight_) {
      if (!finish_pending_) finish_pending_ = status;
      return;
    }
  }
  FinishNow(ToGrpcStatus(status, kStreamsErrorDomain));
}

void SubscriptionSession::FinishTrimmed(const std::string& shard_id, absl::string_view message) {
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
      [backend = env_->backend, context,
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

}  // namespace awsfacade::service::subscriptions
