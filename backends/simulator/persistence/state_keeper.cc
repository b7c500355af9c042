#include "backends/simulator/persistence/state_keeper.h"

#include <algorithm>

#include "awsfacade/simulator/v1/simulator.pb.h"
#include "backends/common/aws_error.h"

namespace awsfacade::backends::simulator {
namespace {

// The frozen time of this thread, and the clock it belongs to.
thread_local const JournalClock* frozen_clock = nullptr;
thread_local absl::Time frozen_time;

}  // namespace

thread_local bool StateKeeper::in_write_ = false;

absl::Time JournalClock::Now() const {
  if (frozen_clock == this) return frozen_time;
  const int64_t now = absl::ToUnixMicros(base_->Now());
  int64_t seen = high_water_micros_.load(std::memory_order_relaxed);
  while (seen < now && !high_water_micros_.compare_exchange_weak(seen, now)) {
  }
  return absl::FromUnixMicros(std::max(seen, now));
}

JournalClock::Freeze::Freeze(const JournalClock* clock, absl::Time t)
    : previous_clock_(frozen_clock), previous_time_(frozen_time) {
  frozen_clock = clock;
  frozen_time = t;
}

JournalClock::Freeze::~Freeze() {
  frozen_clock = previous_clock_;
  frozen_time = previous_time_;
}

absl::StatusOr<std::unique_ptr<StateKeeper>> StateKeeper::Open(PersistenceOptions options,
                                                               std::shared_ptr<OffsetClock> clock,
                                                               uint64_t new_seed) {
  StoredState stored;
  absl::StatusOr<std::unique_ptr<StateDir>> dir = StateDir::Open(options.dir, new_seed, &stored);
  if (!dir.ok()) return dir.status();
  auto journal_clock = std::make_shared<JournalClock>(std::move(clock));
  auto keeper = std::unique_ptr<StateKeeper>(new StateKeeper(
      *std::move(dir), std::move(stored), std::move(options), std::move(journal_clock)));
  // The simulator service's own calls.
  keeper->RegisterReplay<::awsfacade::simulator::v1::AdvanceClockRequest>(
      "simulator", "AdvanceClock", [raw = keeper.get()](const auto& request) {
        raw->clock_->base().Advance(absl::Seconds(request.by().seconds()) +
                                    absl::Nanoseconds(request.by().nanos()));
        return absl::OkStatus();
      });
  return keeper;
}

void StateKeeper::SetStateHooks(std::function<absl::Status(state::Snapshot*)> save,
                                std::function<absl::Status(const state::Snapshot&)> load) {
  save_ = std::move(save);
  load_ = std::move(load);
}

absl::StatusOr<StateKeeper::Recovery> StateKeeper::Recover() {
  absl::WriterMutexLock lock(&gate_);
  const absl::Time start = absl::Now();
  Recovery out;
  out.dropped_torn_tail = stored_.dropped_torn_tail;
  if (stored_.snapshot) {
    const state::Snapshot& snapshot = *stored_.snapshot;
    clock_->base().set_offset(absl::Microseconds(snapshot.clock_offset_micros()));
    if (!load_) return absl::FailedPreconditionError("no way to load a snapshot was set");
    if (absl::Status s = load_(snapshot); !s.ok()) {
      return absl::DataLossError(
          absl::StrCat("snapshot ", snapshot.last_index(), " does not load: ", s.message()));
    }
    last_time_ = absl::FromUnixMicros(snapshot.time_unix_micros());
    out.snapshot_index = snapshot.last_index();
  }
  for (const state::JournalEntry& entry : stored_.entries) {
    auto replayer = replayers_.find(entry.method());
    if (replayer == replayers_.end()) {
      return absl::DataLossError(absl::StrCat("journal entry ", entry.index(), " is a call to ",
                                              entry.method(), ", which this server cannot replay"));
    }
    const absl::Time t = absl::FromUnixMicros(entry.time_unix_micros());
    absl::Status s;
    {
      JournalClock::Freeze freeze(clock_.get(), t);
      InWrite in_write;
      s = replayer->second(entry.request());
    }
    if (!s.ok() && &entry == &stored_.entries.back() && dir_->DropLastEntry().ok()) {
      // A call journaled before it ran, which failed, and a crash came
      // before its entry was taken back (StateKeeper::Write()). It was never
      // acknowledged and changed nothing.
      out.dropped_failed_call = true;
      break;
    }
    if (!s.ok()) {
      // It succeeded when it was journaled: the state has diverged.
      return absl::DataLossError(absl::StrCat("journal entry ", entry.index(), " (", entry.method(),
                                              ") failed on replay: ", s.ToString()));
    }
    last_time_ = std::max(last_time_, t);
    ++out.replayed;
  }
  stored_.entries.clear();
  stored_.entries.shrink_to_fit();
  stored_.snapshot.reset();
  // Simulated time never runs backwards across a restart.
  if (const absl::Time now = clock_->base().Now(); now < last_time_) {
    clock_->base().Advance(last_time_ - now);
  }
  out.took = absl::Now() - start;
  return out;
}

absl::Time StateKeeper::NextTimeLocked() {
  // Whole microseconds, at or after every reading a read took before.
  last_time_ = std::max(last_time_, clock_->Now());
  return last_time_;
}

absl::Status StateKeeper::JournalLocked(absl::string_view service, absl::string_view method,
                                        const google::protobuf::MessageLite& request,
                                        absl::Time t) {
  state::JournalEntry entry;
  entry.set_index(dir_->last_index() + 1);
  entry.set_time_unix_micros(absl::ToUnixMicros(t));
  entry.set_method(absl::StrCat(service, "/", method));
  if (!request.SerializeToString(entry.mutable_request())) {
    return absl::InternalError("a request does not serialize");
  }
  if (absl::Status s = dir_->Append(entry); !s.ok()) {
    CannotSaveLocked(s, entry.ByteSizeLong() + 8);
    // UNAVAILABLE: nothing was changed, so retrying (what clients do with
    // it) is safe.
    return AwsError("ServiceUnavailable",
                    absl::StrCat("the simulator state cannot be saved (", s.message(),
                                 "): nothing was changed; retry later"));
  }
  writable_ = true;
  return absl::OkStatus();
}

void StateKeeper::CannotSaveLocked(const absl::Status& cause, size_t bytes) {
  writable_ = false;
  unwritable_cause_ = cause;
  retry_bytes_ = std::max(bytes, retry_bytes_);
}

void StateKeeper::MaybeBeginSnapshotLocked(std::optional<state::Snapshot>* due) {
  // Never waits for a snapshot being written: the next write looks again.
  if (dir_->journal_bytes() >= std::max(options_.snapshot_min_bytes, dir_->snapshot_bytes()) &&
      snapshot_mu_.TryLock()) {
    absl::StatusOr<state::Snapshot> begun = BeginSnapshotLocked();
    if (begun.ok()) {
      *due = *std::move(begun);
    } else {
      // The journal still has everything: carry on, and try again later.
      snapshot_mu_.Unlock();
    }
  }
}

void StateKeeper::SetWritabilityObserver(
    std::function<void(bool writable, const absl::Status& cause)> observer) {
  absl::MutexLock lock(&observer_mu_);
  observer_ = std::move(observer);
}

void StateKeeper::NotifyWritability() {
  if (writable_.load() == reported_writable_.load()) return;  // the common case
  absl::MutexLock lock(&observer_mu_);
  const bool writable = writable_.load();
  if (writable == reported_writable_) return;
  reported_writable_ = writable;
  absl::Status cause;
  if (!writable) {
    absl::ReaderMutexLock gate(&gate_);
    cause = unwritable_cause_;
  }
  {
    absl::MutexLock retry(&retry_mu_);
    retrying_ = !writable;
    if (retrying_ && !retry_thread_.joinable())
      retry_thread_ = std::thread([this] { RetryLoop(); });
  }
  if (observer_) observer_(writable, cause);
}

void StateKeeper::RetryLoop() {
  absl::MutexLock lock(&retry_mu_);
  while (true) {
    retry_mu_.Await(absl::Condition(
        +[](StateKeeper* k)
             ABSL_EXCLUSIVE_LOCKS_REQUIRED(k->retry_mu_) { return k->retrying_ || k->stopping_; },
        this));
    // One interval after the failure (or the last retry), unless stopped.
    if (stopping_ ||
        retry_mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.retry_interval)) {
      return;
    }
    retry_mu_.Unlock();
    {
      absl::WriterMutexLock gate(&gate_);
      if (!writable_) {
        if (absl::Status s = dir_->ProbeAppend(retry_bytes_); s.ok()) {
          writable_ = true;
        } else {
          unwritable_cause_ = s;
        }
      }
    }
    NotifyWritability();
    retry_mu_.Lock();
  }
}

StateKeeper::~StateKeeper() {
  {
    absl::MutexLock lock(&retry_mu_);
    stopping_ = true;
  }
  if (retry_thread_.joinable()) retry_thread_.join();
}

absl::Status StateKeeper::AdvanceClock(absl::Duration by) {
  ::awsfacade::simulator::v1::AdvanceClockRequest request;
  request.mutable_by()->set_seconds(absl::IDivDuration(by, absl::Seconds(1), &by));
  request.mutable_by()->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(by)));
  return Write("simulator", "AdvanceClock", request, [&] {
    clock_->base().Advance(absl::Seconds(request.by().seconds()) +
                           absl::Nanoseconds(request.by().nanos()));
    return absl::OkStatus();
  });
}

absl::Status StateKeeper::Snapshot() {
  snapshot_mu_.Lock();
  absl::StatusOr<state::Snapshot> begun;
  {
    absl::WriterMutexLock lock(&gate_);
    begun = BeginSnapshotLocked();
  }
  if (!begun.ok()) {
    snapshot_mu_.Unlock();
    return begun.status();
  }
  return CompleteSnapshot(*begun);
}

absl::StatusOr<state::Snapshot> StateKeeper::BeginSnapshotLocked() {
  if (!save_) return absl::FailedPreconditionError("no way to save a snapshot was set");
  state::Snapshot snapshot;
  snapshot.set_time_unix_micros(absl::ToUnixMicros(std::max(last_time_, clock_->Now())));
  snapshot.set_clock_offset_micros(absl::ToInt64Microseconds(clock_->base().offset()));
  snapshot.set_seed(stored_.seed);
  if (absl::Status s = save_(&snapshot); !s.ok()) return s;
  absl::StatusOr<uint64_t> index = dir_->BeginSnapshot();
  if (!index.ok()) return index.status();
  snapshot.set_last_index(*index);
  return snapshot;
}

absl::Status StateKeeper::CompleteSnapshot(const state::Snapshot& snapshot) {
  if (snapshot_write_hook_) snapshot_write_hook_(snapshot);
  // dir_ is guarded by the gate, but CompleteSnapshot() is the one call it
  // allows beside the others (StateDir), and snapshot_mu_ keeps it single.
  absl::Status s = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return dir_->CompleteSnapshot(snapshot);
  }();
  snapshot_mu_.Unlock();
  return s;
}

}  // namespace awsfacade::backends::simulator
