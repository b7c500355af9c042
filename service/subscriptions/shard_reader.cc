#include "service/subscriptions/shard_reader.h"

#include <algorithm>
#include <utility>

#include "backends/common/aws_error.h"
#include "backends/common/call_delay.h"
#include "service/subscriptions/sequence_number.h"
#include "service/subscriptions/transient_errors.h"

namespace awsfacade::service::subscriptions {
namespace v1 = ::aws::dynamodbstreams::v1;
namespace {

constexpr int kReadLimit = 1000;

const std::string& SeqOf(const ShardReader::Entry& r) { return r.meta.sequence_number; }

}  // namespace

ShardReader::ShardReader(ShardReaderEnvironment env, std::string stream_arn, std::string shard_id,
                         ShardReaderOptions options)
    : env_(std::move(env)),
      stream_arn_(std::move(stream_arn)),
      shard_id_(std::move(shard_id)),
      options_(options),
      budget_(env_.clock, options.reads_per_second) {}

// Timers and tasks hold weak references: nothing to cancel here.
ShardReader::~ShardReader() = default;

void ShardReader::Begin(const Position& pos) {
  std::weak_ptr<ShardReader> weak = weak_from_this();
  std::unique_ptr<backends::DynamoDbStreamsBackend::Subscription> watch =
      env_.backend->WatchStream(stream_arn_, [weak] {
        if (auto self = weak.lock()) self->Notify();
      });
  v1::GetShardIteratorRequest request;
  request.set_stream_arn(stream_arn_);
  request.set_shard_id(shard_id_);
  {
    absl::MutexLock lock(&mu_);
    has_watch_ = watch != nullptr;
    watch_ = std::move(watch);
    switch (pos.kind) {
      case Position::kFromStart:
        request.set_shard_iterator_type("TRIM_HORIZON");
        break;
      case Position::kAfter:
        request.set_shard_iterator_type("AFTER_SEQUENCE_NUMBER");
        request.set_sequence_number(pos.seq);
        break;
      case Position::kAt:
        request.set_shard_iterator_type("AT_SEQUENCE_NUMBER");
        request.set_sequence_number(pos.seq);
        break;
      default:
        return;  // no definite place: a subscription will Offer one
    }
    anchor_ = Position{pos.kind, pos.seq, {}};
    acquiring_ = true;
  }
  Acquire(std::move(request));
}

void ShardReader::Acquire(v1::GetShardIteratorRequest request) {
  backends::CallContext context;
  context.may_retry = false;
  env_.call_started();
  env_.backend->AsyncGetShardIterator(context, std::move(request),
                                      [self = shared_from_this(), ended = env_.call_ended](
                                          absl::StatusOr<v1::GetShardIteratorResponse> it) mutable {
                                        self->OnIterator(std::move(it));
                                        self.reset();
                                        ended();
                                      });
}

void ShardReader::OnIterator(absl::StatusOr<v1::GetShardIteratorResponse> it) {
  std::vector<std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    acquiring_ = false;
    if (it.ok() && !it->shard_iterator().empty()) {
      iterator_ = it->shard_iterator();
      dirty_ = true;
    } else {
      // Waiting subscriptions detach and read on their own; the first to
      // reach the tip offers its iterator.
      wake = TakeWaiters();
    }
  }
  for (auto& w : wake) w();
  MaybeRead();
}

std::optional<uint64_t> ShardReader::CursorFor(const Position& pos) const {
  if (iterator_.empty() && !acquiring_ && !ended_) return std::nullopt;
  auto index_of = [&](const std::string& seq, bool inclusive) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = std::partition_point(window_.begin(), window_.end(), [&](const auto& r) {
      const int c = CompareSequenceNumbers(SeqOf(*r), seq);
      return inclusive ? c < 0 : c <= 0;
    });
    return base_ + static_cast<uint64_t>(it - window_.begin());
  };
  const bool whole_shard = anchor_ && anchor_->kind == Position::kFromStart && base_ == 0;
  switch (pos.kind) {
    case Position::kFromStart:
    case Position::kSinceTime:
      if (whole_shard) return base_;
      return std::nullopt;
    case Position::kLatest:
      if (!iterator_.empty() && caught_up_) return end();
      return std::nullopt;
    case Position::kAfter:
    case Position::kAt: {
      const bool inclusive = pos.kind == Position::kAt;
      bool covered = whole_shard;
      if (!covered && !window_.empty())
        covered = CompareSequenceNumbers(pos.seq, SeqOf(*window_.front())) >= 0;
      if (!covered && anchor_ && anchor_->kind != Position::kFromStart) {
        const int c = CompareSequenceNumbers(pos.seq, anchor_->seq);
        // The window has what follows the anchor: records after `a` (kAfter)
        // or from `a` on (kAt).
        covered = anchor_->kind == Position::kAfter && inclusive ? c > 0 : c >= 0;
      }
      if (!covered) return std::nullopt;
      return index_of(pos.seq, inclusive);
    }
    case Position::kDone:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<uint64_t> ShardReader::Attach(const Position& pos) {
  absl::MutexLock lock(&mu_);
  return CursorFor(pos);
}

ShardReader::Served ShardReader::Serve(uint64_t* cursor, int limit,
                                       std::vector<std::shared_ptr<const Entry>>* out,
                                       std::function<void()> wake) {
  {
    absl::MutexLock lock(&mu_);
    if (*cursor < base_) return Served::kDetached;
    if (*cursor < end()) {
      const uint64_t n =
          std::min<uint64_t>(static_cast<uint64_t>(std::max(limit, 1)), end() - *cursor);
      for (uint64_t i = 0; i < n; ++i) out->push_back(window_[*cursor - base_ + i]);
      *cursor += n;
      return Served::kRecords;
    }
    if (ended_) return Served::kEnded;
    if (iterator_.empty() && !acquiring_) return Served::kDetached;
    waiters_.push_back(std::move(wake));
  }
  MaybeRead();
  return Served::kWait;
}

std::optional<uint64_t> ShardReader::Offer(const std::string& iterator, const Position& pos) {
  if (pos.kind != Position::kFromStart && pos.kind != Position::kAfter &&
      pos.kind != Position::kSinceTime) {
    return std::nullopt;
  }
  absl::MutexLock lock(&mu_);
  if (!iterator_.empty() || acquiring_ || ended_) return CursorFor(pos);
  const bool continues_window = pos.kind == Position::kAfter && !window_.empty() &&
                                CompareSequenceNumbers(SeqOf(*window_.back()), pos.seq) == 0;
  if (!continues_window) {
    base_ += window_.size();
    window_.clear();
    window_bytes_ = 0;
    // A subscription at a time (or LATEST) that has read nothing yet: its
    // iterator is a place without a sequence number; the window holds what
    // follows it, and only positions it covers attach (CursorFor).
    anchor_ = pos.kind == Position::kSinceTime
                  ? std::nullopt
                  : std::optional<Position>(Position{pos.kind, pos.seq, {}});
  }
  iterator_ = iterator;
  caught_up_ = true;
  return end();
}

void ShardReader::Notify() {
  {
    absl::MutexLock lock(&mu_);
    ++notify_generation_;
    dirty_ = true;
  }
  std::weak_ptr<ShardReader> weak = weak_from_this();
  env_.executor->Run([weak] {
    if (auto self = weak.lock()) self->MaybeRead();
  });
}

void ShardReader::ArmTimer(absl::Time at) {
  if (timer_ && timer_at_ <= at) return;
  if (timer_) env_.scheduler->Cancel(*timer_);
  std::weak_ptr<ShardReader> weak = weak_from_this();
  timer_at_ = at;
  timer_ = env_.scheduler->RunAt(at, [weak, executor = env_.executor] {
    auto self = weak.lock();
    if (!self) return;
    {
      absl::MutexLock lock(&self->mu_);
      self->timer_.reset();
      self->timer_at_ = absl::InfiniteFuture();
    }
    executor->Run([weak] {
      if (auto self = weak.lock()) self->MaybeRead();
    });
  });
}

void ShardReader::MaybeRead() {
  v1::GetRecordsRequest request;
  backends::CallContext context;
  context.may_retry = false;
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    if (reading_ || acquiring_ || ended_ || iterator_.empty() || waiters_.empty()) return;
    if (has_watch_ && !dirty_) return;  // the hook tells when there is more
    const absl::Time now = env_.clock->Now();
    const absl::Time due = std::max(not_before_, has_watch_ ? absl::InfinitePast() : next_poll_);
    if (now < due) {
      ArmTimer(due);
      return;
    }
    if (const absl::Time at = budget_.TryTake(); at != absl::InfinitePast()) {
      ArmTimer(at);
      return;
    }
    reading_ = true;
    generation = notify_generation_;
    request.set_shard_iterator(iterator_);
    request.set_limit(kReadLimit);
    context.delayed = std::exchange(delayed_, std::nullopt);
    ++upstream_reads_;
  }
  env_.call_started();
  env_.backend->AsyncGetRecords(context, std::move(request),
                                [self = shared_from_this(), generation, ended = env_.call_ended](
                                    absl::StatusOr<v1::GetRecordsResponse> page) mutable {
                                  self->OnRead(generation, std::move(page));
                                  self.reset();
                                  ended();
                                });
}

void ShardReader::OnRead(uint64_t generation, absl::StatusOr<v1::GetRecordsResponse> page) {
  std::vector<std::function<void()>> wake;
  std::optional<v1::GetShardIteratorRequest> reacquire;
  // Encoded once, here and outside the lock, for every subscriber the
  // page goes to.
  std::vector<std::shared_ptr<const Entry>> entries;
  if (page.ok()) entries = RecordsOf(EncodePage(shard_id_, page->mutable_records()));
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    const absl::Time now = env_.clock->Now();
    if (page.ok()) {
      if (TakePage(generation, *page, std::move(entries), now)) wake = TakeWaiters();
    } else if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(page.status())) {
      not_before_ = delay->ready_at;  // an injected latency: run it when due
      delayed_ = *std::move(delay);
    } else if (IsTransient(page.status())) {
      retry_delay_ = retry_delay_ == absl::ZeroDuration()
                         ? options_.retry_min
                         : std::min(retry_delay_ * 2, options_.retry_max);
      not_before_ =
          now + std::max(retry_delay_,
                         backends::RetryDelay(page.status()).value_or(absl::ZeroDuration()));
    } else if (backends::AwsErrorName(page.status()).value_or("") == "ExpiredIteratorException") {
      iterator_.clear();
      reacquire = ReacquireRequest();
      if (reacquire) {
        acquiring_ = true;
      } else {
        wake = TakeWaiters();
      }
    } else {
      // Trimmed or worse: waiting subscriptions read on their own, where
      // the error reaches them as it would without a shared reader.
      iterator_.clear();
      wake = TakeWaiters();
    }
  }
  for (auto& w : wake) w();
  if (reacquire) {
    Acquire(*std::move(reacquire));
  } else {
    MaybeRead();
  }
}

bool ShardReader::TakePage(uint64_t generation, const v1::GetRecordsResponse& page,
                           std::vector<std::shared_ptr<const Entry>> entries, absl::Time now) {
  retry_delay_ = absl::ZeroDuration();
  not_before_ = absl::InfinitePast();
  for (auto& entry : entries) {
    window_bytes_ += entry->meta.size_bytes;
    window_.push_back(std::move(entry));
  }
  // Evict the oldest; the anchor moves past them. Subscriptions whose
  // cursor falls out read on their own until they catch up.
  while (!window_.empty() && (static_cast<int64_t>(window_.size()) > options_.window_records ||
                              window_bytes_ > options_.window_bytes)) {
    window_bytes_ -= window_.front()->meta.size_bytes;
    anchor_ = Position{Position::kAfter, SeqOf(*window_.front()), {}};
    window_.pop_front();
    ++base_;
  }
  if (page.next_shard_iterator().empty()) {
    ended_ = true;
    iterator_.clear();
  } else {
    iterator_ = page.next_shard_iterator();
  }
  if (page.records_size() > 0) {
    caught_up_ = false;
    dirty_ = true;  // there may be more
    poll_delay_ = absl::ZeroDuration();
    next_poll_ = absl::InfinitePast();
  } else {
    caught_up_ = true;
    dirty_ = notify_generation_ != generation;  // a write during the read
    poll_delay_ = poll_delay_ == absl::ZeroDuration()
                      ? options_.poll_min
                      : std::min(poll_delay_ * 2, options_.poll_max);
    next_poll_ = now + poll_delay_;
  }
  return page.records_size() > 0 || ended_;
}

std::optional<v1::GetShardIteratorRequest> ShardReader::ReacquireRequest() const {
  v1::GetShardIteratorRequest request;
  request.set_stream_arn(stream_arn_);
  request.set_shard_id(shard_id_);
  if (!window_.empty()) {
    request.set_shard_iterator_type("AFTER_SEQUENCE_NUMBER");
    request.set_sequence_number(SeqOf(*window_.back()));
  } else if (anchor_ && anchor_->kind != Position::kFromStart) {
    request.set_shard_iterator_type(anchor_->kind == Position::kAt ? "AT_SEQUENCE_NUMBER"
                                                                   : "AFTER_SEQUENCE_NUMBER");
    request.set_sequence_number(anchor_->seq);
  } else if (anchor_) {
    request.set_shard_iterator_type("TRIM_HORIZON");
  } else {
    return std::nullopt;  // nowhere definite to go back to
  }
  return request;
}

std::vector<std::function<void()>> ShardReader::TakeWaiters() {
  std::vector<std::function<void()>> out;
  out.swap(waiters_);
  return out;
}

int64_t ShardReader::upstream_reads() const {
  absl::MutexLock lock(&mu_);
  return upstream_reads_;
}

}  // namespace awsfacade::service::subscriptions
