// The session's backend calls, its reading of shards (from their readers'
// windows or on its own) and its batching. Runs on the session's strand
// (and Start), except call completions.
#include <algorithm>
#include <utility>

#include "backends/common/aws_error.h"
#include "service/subscriptions/sequence_number.h"
#include "service/subscriptions/session.h"
#include "service/subscriptions/session_internal.h"
#include "service/subscriptions/shard_lineage.h"

namespace awsfacade::service::subscriptions {
namespace v1 = ::aws::dynamodbstreams::v1;

// ---------------------------------------------------------------------------
// Backend calls.

absl::Status SubscriptionSession::Describe(std::vector<v1::Shard>* out,
                                           const std::string& children_of,
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
absl::StatusOr<Response> SubscriptionSession::Call(
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
  context.may_retry = false;  // the session retries (Backoff), so retries happen at one layer
  if (delayed_call_ && delayed_call_->operation == operation) {
    context.delayed = std::move(*delayed_call_);
    delayed_call_.reset();
  }
  // Whether the call returned before it completed, and the result when it
  // completed first; under mu_, as the completion may run on another thread.
  struct Inline {
    bool returned = false;
    std::optional<absl::StatusOr<Response>> result;
  };
  auto state = std::make_shared<Inline>();
  env_->call_started();
  std::shared_ptr<SubscriptionSession> self = shared_from_this();
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
        const SessionEnvironment* env = self->env_;
        self.reset();  // the environment outlives every session's last reference
        env->call_ended();
      });
  absl::MutexLock lock(&mu_);
  state->returned = true;
  if (!state->result) return CallPending();
  call_in_flight_ = false;
  env_->call_ended();
  return *std::move(state->result);
}

absl::StatusOr<v1::DescribeStreamResponse> SubscriptionSession::CallDescribeStream(
    const v1::DescribeStreamRequest& r) {
  return Call(&backends::DynamoDbStreamsBackend::AsyncDescribeStream, &LateResults::describe,
              "DescribeStream", r);
}

absl::StatusOr<v1::GetShardIteratorResponse> SubscriptionSession::CallGetShardIterator(
    const v1::GetShardIteratorRequest& r) {
  return Call(&backends::DynamoDbStreamsBackend::AsyncGetShardIterator, &LateResults::iterator,
              "GetShardIterator", r);
}

absl::StatusOr<v1::GetRecordsResponse> SubscriptionSession::CallGetRecords(
    const v1::GetRecordsRequest& r) {
  return Call(&backends::DynamoDbStreamsBackend::AsyncGetRecords, &LateResults::records,
              "GetRecords", r);
}

void SubscriptionSession::OnLateCompletion() {
  std::function<void()> resume;
  {
    absl::MutexLock lock(&mu_);
    if (!started_) resume = resume_start_;
  }
  if (resume) {
    resume();
  } else {
    strand_.Wake();
  }
}

// Shards the stream has that we do not know are newer than our state: read
// them from the start. Done shards that the stream no longer lists were
// trimmed away; forget them so tokens stay small.
absl::Status SubscriptionSession::AddNewShards(bool* stream_disabled) {
  std::vector<v1::Shard> all;
  std::string status;
  if (absl::Status s = Describe(&all, "", &status); !s.ok()) return s;
  *stream_disabled = status == "DISABLED" || status == "DISABLING";
  const ShardLineage lineage(all);
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
// Which shard, and how far behind.

bool SubscriptionSession::Readable(const ShardState& shard) const {
  if (shard.pos.kind == Position::kDone || shard.closing) return false;
  if (mode_ == Mode::kShard || shard.parent.empty()) return true;
  auto parent = shards_.find(shard.parent);
  const bool parent_done = parent != shards_.end() && parent->second.pos.kind == Position::kDone;
  return ParentAllowsReading(shard.parent, parent == shards_.end() ? nullptr : &parent_done);
}

std::optional<std::string> SubscriptionSession::PickShard() {
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

bool SubscriptionSession::CaughtUp() const {
  for (const auto& [id, shard] : shards_) {
    if (Readable(shard) && !shard.idle) return false;
  }
  return true;
}

int64_t SubscriptionSession::MillisBehind() const {
  if (CaughtUp() || newest_seen_ == absl::InfinitePast()) return 0;
  return std::max<int64_t>(0, absl::ToInt64Milliseconds(Now() - newest_seen_));
}

// ---------------------------------------------------------------------------
// Reading.

absl::Status SubscriptionSession::EnsureIterator(const std::string& shard_id, ShardState& shard) {
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

absl::Status SubscriptionSession::ReadShard(const std::string& shard_id) {
  ShardState& shard = shards_.at(shard_id);
  last_read_shard_ = shard_id;
  if (shard.reader == nullptr) shard.reader = env_->reader_for(stream_arn_, shard_id, shard.pos);
  const int limit = env_->budget->ReadRecords(std::max(1, options_.max_records - batch_.records()));
  if (std::optional<absl::Status> served = ServeFromReader(shard_id, shard, limit)) {
    return *std::move(served);
  }
  return ReadOnOwn(shard_id, shard, limit);
}

std::optional<absl::Status> SubscriptionSession::ServeFromReader(const std::string& shard_id,
                                                                 ShardState& shard, int limit) {
  if (!shard.cursor && !shard.read_taken) {
    shard.cursor = shard.reader->Attach(shard.pos);
    if (shard.cursor) {
      shard.iterator.clear();
      UpdateWatch();
    }
  }
  if (!shard.cursor) return std::nullopt;
  std::vector<std::shared_ptr<const EncodedRecord>> records;
  std::weak_ptr<SubscriptionSession> weak = weak_from_this();
  switch (shard.reader->Serve(&*shard.cursor, limit, &records, [weak] {
    if (auto self = weak.lock()) self->strand_.Wake();
  })) {
    case ShardReader::Served::kRecords:
      retry_delay_ = absl::ZeroDuration();
      for (const auto& record : records) TakeRecord(shard, *record);
      shard.idle = false;
      return absl::OkStatus();
    case ShardReader::Served::kWait:
      // The reader wakes us (Wake) when it has more.
      shard.idle = true;
      return absl::OkStatus();
    case ShardReader::Served::kEnded:
      // Closed and fully read: its records go out first, then its ShardEnd.
      SealBatch();
      shard.cursor.reset();
      shard.closing = true;
      return FinishShard(shard_id);
    case ShardReader::Served::kDetached:
      shard.cursor.reset();  // fell out of the window, or the reader lost its iterator
      UpdateWatch();
      break;
  }
  return std::nullopt;
}

absl::Status SubscriptionSession::ReadOnOwn(const std::string& shard_id, ShardState& shard,
                                            int limit) {
  if (!shard.read_taken) {
    if (const absl::Time at = shard.reader->TakeRead(); at != absl::InfinitePast()) {
      strand_.WakeAfter(at - Now());
      return CallPending();  // wait for the budget; the wake-up runs us
    }
    shard.read_taken = true;
  }
  if (absl::Status s = EnsureIterator(shard_id, shard); !s.ok()) {
    if (!IsCallPending(s)) shard.read_taken = false;
    return s;
  }
  UpdateWatch();  // before the read: a write after it wakes us
  const uint64_t generation = strand_.wake_generation();
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
  // Read for this session alone: encoded for it alone.
  if (page->records_size() > 0) {
    std::shared_ptr<const EncodedPage> encoded = EncodePage(shard_id, page->mutable_records());
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
  if (page->records_size() > 0) {
    shard.idle = false;
    shard.poll_delay = absl::ZeroDuration();
    return absl::OkStatus();
  }
  // At the tip: hand our iterator to the shard's reader if it has none,
  // and be served from its window from now on.
  if (std::optional<uint64_t> cursor = shard.reader->Offer(shard.iterator, shard.pos)) {
    shard.cursor = cursor;
    shard.iterator.clear();
    UpdateWatch();
    // Not idle: the next step asks the reader (Serve), which wakes us when
    // it has more; our own hook may be gone already.
    shard.idle = false;
    return absl::OkStatus();
  }
  // A write that woke us during the read may not be in this page.
  shard.idle = strand_.wake_generation() == generation;
  return absl::OkStatus();
}

// Emits the ShardEnd of a closing shard and adopts its children. Retried
// (from Step) until DescribeStream answers.
absl::Status SubscriptionSession::FinishShard(const std::string& shard_id) {
  std::vector<v1::Shard> children;
  if (absl::Status s = Describe(&children, shard_id); !s.ok()) return s;
  ShardState& shard = shards_.at(shard_id);
  shard.closing = false;
  shard.pos = Position{Position::kDone, "", {}};
  shard.reader.reset();  // the last session on a shard drops its reader
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
  // Its children carry on: forget it, so a session that lives through many
  // rollovers keeps a small state and a small token (AddNewShards knows it
  // is behind us by its descendants).
  // (A copy: shard_id may be the key of the node being erased.)
  if (mode_ == Mode::kStream && !children.empty()) shards_.erase(std::string(shard_id));
  OutEvent event;
  event.continuation_token = Token();
  end.mutable_shard_end()->set_continuation_token(event.continuation_token);
  event.bytes = SerializeEvent(end);
  events_.Push(std::move(event));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Batching.

void SubscriptionSession::SealBatch() {
  if (batch_.empty()) return;
  OutEvent event;
  event.continuation_token = Token();
  event.millis_behind_latest = MillisBehind();
  event.bytes = batch_.Seal(event.continuation_token, event.millis_behind_latest);
  event.records = batch_.records();
  event.record_bytes = batch_bytes_;
  events_.Push(std::move(event));
  batch_.Clear();
  batch_bytes_ = 0;
}

void SubscriptionSession::TakeRecord(ShardState& shard, const EncodedRecord& record) {
  const RecordMeta& meta = record.meta;
  // A session that attached ahead of the reader's tip (or resumed inside
  // the window) skips what it has had.
  if ((shard.pos.kind == Position::kAfter || shard.pos.kind == Position::kAt) &&
      CompareSequenceNumbers(meta.sequence_number, shard.pos.seq) <
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
  if (batch_.empty()) batch_started_ = Now();
  env_->budget->Hold(1, size);
  batch_.Add(record);
  batch_bytes_ += size;
  if (batch_.records() >= options_.max_records || batch_bytes_ >= BatchBytesLimit()) {
    SealBatch();
  }
}

}  // namespace awsfacade::service::subscriptions
