#ifndef AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_STATE_KEEPER_H_
#define AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_STATE_KEEPER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"
#include "backends/simulator/persistence/state_dir.h"
#include "google/protobuf/message.h"
#include "google/protobuf/message_lite.h"

namespace awsfacade::backends::simulator {

struct PersistenceOptions {
  StateDirOptions dir;
  // A snapshot is taken once the journal has grown by this many bytes and by
  // as much as the last snapshot took, so snapshotting costs O(1) per
  // journaled byte and a restart replays at most about a snapshot's worth.
  int64_t snapshot_min_bytes = 64 << 20;
  // While journal writes fail (a full disk), how often to try whether they
  // would succeed again, so writability comes back without a write.
  absl::Duration retry_interval = absl::Seconds(1);
};

// The clock the simulators read when persistence is on: the server's
// OffsetClock in whole microseconds (all the journal keeps), never running
// backwards, except that inside a journaled call every reading on that
// thread returns the one time the call is journaled with, so replaying the
// call at that time repeats it exactly. Because readings never run
// backwards, a write is journaled at or after every time a read before it
// saw: whatever time-driven housekeeping a read did (a shard rollover that
// fell due, say), the write's replay does too, before the write.
class JournalClock final : public Clock {
 public:
  explicit JournalClock(std::shared_ptr<OffsetClock> base) : base_(std::move(base)) {}
  absl::Time Now() const override;
  OffsetClock& base() const { return *base_; }
  // The latest time Now() has returned outside a journaled call.
  absl::Time high_water() const { return absl::FromUnixMicros(high_water_micros_.load()); }

  // While alive, Now() on this thread returns `t`.
  class Freeze {
   public:
    Freeze(const JournalClock* clock, absl::Time t);
    ~Freeze();
    Freeze(const Freeze&) = delete;
    Freeze& operator=(const Freeze&) = delete;

   private:
    const JournalClock* previous_clock_;
    absl::Time previous_time_;
  };

 private:
  std::shared_ptr<OffsetClock> base_;
  mutable std::atomic<int64_t> high_water_micros_{std::numeric_limits<int64_t>::min()};
};

// Makes the simulator's state durable (--state_dir): a write-ahead journal
// of every acknowledged call that changes state, plus snapshots.
//
// * Write(): runs a state-changing call alone (an exclusive lock over the
//   whole simulator), with the clock frozen at one time. The call is
//   journaled first and run only once its entry is written, so a change
//   that cannot be saved (a full disk) is never made: the caller gets
//   UNAVAILABLE (ServiceUnavailable), safe to retry, and no read ever sees
//   it. A call that fails takes its entry back: the simulators change
//   nothing on an error (their housekeeping is a function of time alone, so
//   whatever a failed call tidied up, the next call would have too). Should
//   a crash come in between, recovery drops that last entry, which fails on
//   replay. Journal order is execution order.
// * Read(): runs a call that changes no saved state, beside other reads.
// * Recover(): loads the newest snapshot and replays the journal after it,
//   each entry at its time: the simulators derive every ID from their seed
//   and state, never at random, so this rebuilds the same state: sequence
//   numbers, shard IDs, ARNs, and (with the key kept in the directory)
//   iterators and page tokens stay valid across the restart.
// Writability: while journal writes fail, writes fail and the keeper tries
// every retry_interval whether they would succeed; the observer hears of
// each change (health).
class StateKeeper {
 public:
  ~StateKeeper();
  static absl::StatusOr<std::unique_ptr<StateKeeper>> Open(PersistenceOptions options,
                                                           std::shared_ptr<OffsetClock> clock,
                                                           uint64_t new_seed);

  // For SimulatorOptions: the seed, the clock, the token key.
  uint64_t seed() const { return stored_.seed; }
  std::shared_ptr<Clock> clock() const { return clock_; }
  const std::string& token_key() const { return stored_.token_key; }

  // How to save the whole state into a snapshot and load it back.
  void SetStateHooks(std::function<absl::Status(state::Snapshot*)> save,
                     std::function<absl::Status(const state::Snapshot&)> load);

  // Declares a journaled call and how to replay it; returns true (so a
  // decorator can register from a member initializer). `prototype` is a
  // default instance of the request type (the operation chain's journal
  // knows it by its descriptor alone), parsed into a new message of its type
  // for each replay.
  bool RegisterReplay(absl::string_view service, absl::string_view method,
                      const google::protobuf::Message& prototype,
                      std::function<absl::Status(const google::protobuf::Message&)> replay) {
    replayers_[absl::StrCat(service, "/", method)] =
        [&prototype, replay = std::move(replay)](const std::string& bytes) {
          std::unique_ptr<google::protobuf::Message> request(prototype.New());
          if (!request->ParseFromString(bytes)) {
            return absl::DataLossError("the request does not parse");
          }
          return replay(*request);
        };
    return true;
  }
  // The same for a request type known at compile time.
  template <typename Request>
  bool RegisterReplay(absl::string_view service, absl::string_view method,
                      std::function<absl::Status(const Request&)> replay) {
    return RegisterReplay(service, method, Request::default_instance(),
                          [replay = std::move(replay)](const google::protobuf::Message& request) {
                            return replay(static_cast<const Request&>(request));
                          });
  }

  struct Recovery {
    uint64_t snapshot_index = 0;  // 0: no snapshot
    int64_t replayed = 0;         // journal entries replayed after it
    bool dropped_torn_tail = false;
    // The last entry was a call that failed and a crash came before its
    // entry was taken back.
    bool dropped_failed_call = false;
    absl::Duration took;
  };
  // Once, before serving.
  absl::StatusOr<Recovery> Recover();

  template <typename Fn>
  auto Write(absl::string_view service, absl::string_view method,
             const google::protobuf::MessageLite& request, Fn&& call) -> decltype(call()) {
    if (in_write_) return call();  // nested: the outer call journals
    std::optional<state::Snapshot> due;
    auto result = [&]() -> decltype(call()) {
      absl::WriterMutexLock lock(&gate_);
      const absl::Time t = NextTimeLocked();
      if (absl::Status s = JournalLocked(service, method, request, t); !s.ok()) return s;
      auto out = [&] {
        JournalClock::Freeze freeze(clock_.get(), t);
        InWrite in_write;
        return call();
      }();
      if (OkOf(out)) {
        MaybeBeginSnapshotLocked(&due);
      } else {
        // Should this fail, later writes fail too: the entry may not stay
        // in front of them.
        if (absl::Status s = dir_->DropLastEntry(); !s.ok()) CannotSaveLocked(s, 0);
      }
      return out;
    }();
    NotifyWritability();
    // The snapshot this call made due is written with the gate open, so
    // other calls go on meanwhile. It can fail: the journal keeps everything.
    CompleteDueSnapshot(due);
    return result;
  }

  template <typename Fn>
  auto Read(Fn&& call) -> decltype(call()) {
    if (in_write_) return call();
    absl::ReaderMutexLock lock(&gate_);
    return call();
  }

  // SimulatorService.AdvanceClock, journaled.
  absl::Status AdvanceClock(absl::Duration by);

  // Takes a snapshot now (also done at shutdown, so a restart is quick),
  // after any snapshot being written.
  absl::Status Snapshot();

  // Whether writes can be saved now (the last journal write, or retry,
  // succeeded).
  bool writable() const { return writable_.load(); }
  // Called with each change of writable() (false with the error that made
  // it so, then true once a retry succeeds), once per change, not per
  // write; one call at a time, holding no lock of the keeper but the
  // observer's own, so once SetWritabilityObserver() returns the previous
  // observer is not running and never runs again. Null: none.
  void SetWritabilityObserver(
      std::function<void(bool writable, const absl::Status& cause)> observer);

  // For tests: called as a snapshot starts being written, with the gate
  // open (a test can hold it there and watch other calls go on).
  void SetSnapshotWriteHookForTesting(std::function<void(const state::Snapshot&)> hook) {
    snapshot_write_hook_ = std::move(hook);
  }

 private:
  StateKeeper(std::unique_ptr<StateDir> dir, StoredState stored, PersistenceOptions options,
              std::shared_ptr<JournalClock> clock)
      : options_(std::move(options)),
        dir_(std::move(dir)),
        stored_(std::move(stored)),
        clock_(std::move(clock)) {}

  struct InWrite {
    InWrite() { in_write_ = true; }
    ~InWrite() { in_write_ = false; }
  };
  static bool OkOf(const absl::Status& s) { return s.ok(); }
  template <typename T>
  static bool OkOf(const absl::StatusOr<T>& s) {
    return s.ok();
  }

  absl::Time NextTimeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(gate_);
  // Journals the call, before it runs; ServiceUnavailable when that fails.
  absl::Status JournalLocked(absl::string_view service, absl::string_view method,
                             const google::protobuf::MessageLite& request, absl::Time t)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(gate_);
  // Records that writes cannot be saved; `bytes`: what a retry must fit.
  void CannotSaveLocked(const absl::Status& cause, size_t bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(gate_);
  // When the journal has grown enough and no snapshot is being written,
  // begins one and leaves it in `due` for CompleteSnapshot(), with
  // snapshot_mu_ held for it: a hand-off clang's analysis cannot follow
  // (held or not depending on `due`), so neither it nor
  // CompleteDueSnapshot() is analysed.
  void MaybeBeginSnapshotLocked(std::optional<state::Snapshot>* due)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(gate_) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // CompleteSnapshot(*due) when MaybeBeginSnapshotLocked() began one.
  void CompleteDueSnapshot(const std::optional<state::Snapshot>& due)
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (due) (void)CompleteSnapshot(*due);
  }
  // Tells the observer when writable() has changed since it last heard,
  // and starts or stops the retries.
  void NotifyWritability() ABSL_LOCKS_EXCLUDED(gate_, observer_mu_);
  // The retry thread: while not writable, tries every retry_interval.
  void RetryLoop();
  // The first step of a snapshot, with the gate closed: the state as of the
  // last journal entry, and a new journal segment after it. Needs
  // snapshot_mu_, which CompleteSnapshot() releases.
  absl::StatusOr<state::Snapshot> BeginSnapshotLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(gate_)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(snapshot_mu_);
  // The second, with the gate open: serializes and writes it, then releases
  // snapshot_mu_.
  absl::Status CompleteSnapshot(const state::Snapshot& snapshot) ABSL_UNLOCK_FUNCTION(snapshot_mu_);

  static thread_local bool in_write_;

  const PersistenceOptions options_;
  // Held from the start of a snapshot until it is written: one at a time.
  // Taken before gate_, or (TryLock) while holding it.
  absl::Mutex snapshot_mu_ ABSL_ACQUIRED_BEFORE(gate_);
  absl::Mutex gate_;
  std::unique_ptr<StateDir> dir_ ABSL_GUARDED_BY(gate_);
  StoredState stored_;  // entries and snapshot are dropped after Recover()
  std::shared_ptr<JournalClock> clock_;
  std::function<absl::Status(state::Snapshot*)> save_;
  std::function<absl::Status(const state::Snapshot&)> load_;
  absl::flat_hash_map<std::string, std::function<absl::Status(const std::string&)>> replayers_;
  absl::Time last_time_ ABSL_GUARDED_BY(gate_) = absl::InfinitePast();
  // Set with the gate held, read anywhere.
  std::atomic<bool> writable_{true};
  absl::Status unwritable_cause_ ABSL_GUARDED_BY(gate_);
  size_t retry_bytes_ ABSL_GUARDED_BY(gate_) = 0;  // the entry that did not fit
  absl::Mutex observer_mu_ ABSL_ACQUIRED_BEFORE(gate_);
  std::function<void(bool, const absl::Status&)> observer_ ABSL_GUARDED_BY(observer_mu_);
  // Written under observer_mu_; read without it to skip the lock.
  std::atomic<bool> reported_writable_{true};
  absl::Mutex retry_mu_ ABSL_ACQUIRED_AFTER(observer_mu_);
  bool retrying_ ABSL_GUARDED_BY(retry_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(retry_mu_) = false;
  std::thread retry_thread_;  // started at the first failure
  std::function<void(const state::Snapshot&)> snapshot_write_hook_;
};

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_STATE_KEEPER_H_
