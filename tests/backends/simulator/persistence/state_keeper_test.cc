#include "backends/simulator/persistence/state_keeper.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "awsfacade/simulator/v1/simulator.pb.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends::simulator {
namespace {

using ::awsfacade::simulator::v1::ForceShardRolloverRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string NewDir() {
  std::string tmpl = absl::StrCat(::testing::TempDir(), "/state_keeper_test.XXXXXX");
  EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
  return absl::StrCat(tmpl, "/state");
}

// A stand-in simulator: remembers each key written and the time it saw.
struct FakeStore {
  std::vector<std::string> keys;
  std::vector<absl::Time> times;
  absl::Status Put(const Clock& clock, const ForceShardRolloverRequest& r) {
    if (r.stream_arn() == "bad") return absl::InvalidArgumentError("bad key");
    const absl::Time first = clock.Now();
    absl::SleepFor(absl::Milliseconds(2));
    if (clock.Now() != first) return absl::InternalError("the clock moved inside a write");
    keys.push_back(r.stream_arn());
    times.push_back(first);
    return absl::OkStatus();
  }
};

struct Harness {
  std::shared_ptr<OffsetClock> clock = std::make_shared<OffsetClock>();
  std::shared_ptr<StateKeeper> keeper;
  FakeStore store;
  int loads = 0;
  uint64_t loaded_index = 0;

  explicit Harness(const std::string& dir, int64_t snapshot_min_bytes = 64 << 20,
                   absl::Duration retry_interval = absl::Seconds(1)) {
    PersistenceOptions options;
    options.dir.path = dir;
    options.snapshot_min_bytes = snapshot_min_bytes;
    options.retry_interval = retry_interval;
    auto k = StateKeeper::Open(options, clock, 99);
    EXPECT_TRUE(k.ok()) << k.status();
    keeper = *std::move(k);
    keeper->RegisterReplay<ForceShardRolloverRequest>(
        "fake", "Put",
        [this](const ForceShardRolloverRequest& r) { return store.Put(*keeper->clock(), r); });
    keeper->SetStateHooks([](state::Snapshot*) { return absl::OkStatus(); },
                          [this](const state::Snapshot& s) {
                            ++loads;
                            loaded_index = s.last_index();
                            return absl::OkStatus();
                          });
  }
  absl::Status Put(absl::string_view key) {
    ForceShardRolloverRequest r;
    r.set_stream_arn(std::string(key));
    return keeper->Write("fake", "Put", r, [&] { return store.Put(*keeper->clock(), r); });
  }
};

TEST(StateKeeperTest, ReplayRepeatsEachWriteAtTheTimeItRan) {
  const std::string dir = NewDir();
  std::vector<absl::Time> original;
  {
    Harness h(dir);
    ASSERT_TRUE(h.keeper->Recover().ok());
    ASSERT_TRUE(h.Put("a").ok());
    ASSERT_TRUE(h.Put("b").ok());
    ASSERT_TRUE(h.Put("c").ok());
    original = h.store.times;
  }
  Harness h(dir);
  auto recovery = h.keeper->Recover();
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  EXPECT_EQ(recovery->replayed, 3);
  EXPECT_THAT(h.store.keys, ElementsAre("a", "b", "c"));
  EXPECT_EQ(h.store.times, original);
  EXPECT_GE(h.keeper->clock()->Now(), original.back());
}

TEST(StateKeeperTest, AWriteIsJournaledNoEarlierThanAnyReadBeforeItSaw) {
  // Housekeeping a read did (a rollover that fell due by the time it saw)
  // must also happen before the next write on replay, so that write's time
  // may not be earlier than the read's, even when the wall clock steps back.
  Harness h(NewDir());
  ASSERT_TRUE(h.keeper->Recover().ok());
  const absl::Time read_time = h.keeper->Read([&] { return h.keeper->clock()->Now(); });
  EXPECT_EQ(read_time, absl::FromUnixMicros(absl::ToUnixMicros(read_time)))
      << "readings are whole microseconds, as the journal keeps them";
  h.clock->set_offset(-absl::Hours(1));
  ASSERT_TRUE(h.Put("a").ok());
  ASSERT_EQ(h.store.times.size(), 1u);
  EXPECT_GE(h.store.times[0], read_time);
  EXPECT_GE(h.keeper->clock()->Now(), read_time) << "readings never run backwards";
}

TEST(StateKeeperTest, FailedWritesAreNotJournaled) {
  const std::string dir = NewDir();
  {
    Harness h(dir);
    ASSERT_TRUE(h.keeper->Recover().ok());
    ASSERT_TRUE(h.Put("a").ok());
    EXPECT_EQ(h.Put("bad").code(), absl::StatusCode::kInvalidArgument);
    ASSERT_TRUE(h.Put("b").ok());
  }
  Harness h(dir);
  auto recovery = h.keeper->Recover();
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  EXPECT_EQ(recovery->replayed, 2);
  EXPECT_THAT(h.store.keys, ElementsAre("a", "b"));
}

TEST(StateKeeperTest, RecoveryStartsFromTheSnapshotAndReplaysOnlyWhatFollows) {
  const std::string dir = NewDir();
  {
    Harness h(dir);
    ASSERT_TRUE(h.keeper->Recover().ok());
    ASSERT_TRUE(h.Put("a").ok());
    ASSERT_TRUE(h.Put("b").ok());
    ASSERT_TRUE(h.keeper->Snapshot().ok());
    ASSERT_TRUE(h.Put("c").ok());
  }
  Harness h(dir);
  auto recovery = h.keeper->Recover();
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  EXPECT_EQ(h.loads, 1);
  EXPECT_EQ(recovery->snapshot_index, 2u);
  EXPECT_EQ(h.loaded_index, 2u);
  EXPECT_EQ(recovery->replayed, 1);
  EXPECT_THAT(h.store.keys, ElementsAre("c"));
}

TEST(StateKeeperTest, SnapshotsAreTakenOnceTheJournalOutgrowsTheThreshold) {
  const std::string dir = NewDir();
  {
    Harness h(dir, /*snapshot_min_bytes=*/200);
    ASSERT_TRUE(h.keeper->Recover().ok());
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(h.Put(absl::StrCat("key-", i)).ok());
  }
  Harness h(dir, 200);
  auto recovery = h.keeper->Recover();
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  EXPECT_GT(recovery->snapshot_index, 0u);
  EXPECT_EQ(recovery->snapshot_index + recovery->replayed, 40u);
  EXPECT_LT(recovery->replayed, 40);
}

// The snapshot a write makes due is written with the gate open: other
// writes and reads go on meanwhile, and what they journal comes back after
// the snapshot.
TEST(StateKeeperTest, CallsGoOnWhileASnapshotIsWritten) {
  const std::string dir = NewDir();
  uint64_t snapshot_index = 0;
  {
    Harness h(dir, /*snapshot_min_bytes=*/200);
    ASSERT_TRUE(h.keeper->Recover().ok());
    absl::Notification writing, release;
    std::atomic<bool> hooked{false};
    h.keeper->SetSnapshotWriteHookForTesting([&](const state::Snapshot& s) {
      if (hooked.exchange(true)) return;  // only the first one waits
      snapshot_index = s.last_index();
      writing.Notify();
      release.WaitForNotification();
    });
    std::thread writer([&] {
      for (int i = 0; !hooked && i < 100; ++i) ASSERT_TRUE(h.Put(absl::StrCat("k", i)).ok());
    });
    writing.WaitForNotification();
    absl::Notification done;
    std::thread other([&] {
      EXPECT_TRUE(h.Put("during").ok());
      EXPECT_EQ(h.keeper->Read([&] { return h.store.keys.back(); }), "during");
      done.Notify();
    });
    // A gate held through the snapshot write would keep `other` waiting.
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    release.Notify();
    other.join();
    writer.join();
  }
  ASSERT_GT(snapshot_index, 0u);
  Harness h(dir, /*snapshot_min_bytes=*/200);
  auto recovery = h.keeper->Recover();
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  EXPECT_EQ(recovery->snapshot_index, snapshot_index);
  EXPECT_EQ(h.loaded_index, snapshot_index);
  // The snapshot hooks keep nothing: what is back is what followed it.
  EXPECT_THAT(h.store.keys, ElementsAre("during"));
}

TEST(StateKeeperTest, AdvanceClockIsJournaledAndComesBack) {
  const std::string dir = NewDir();
  {
    Harness h(dir);
    ASSERT_TRUE(h.keeper->Recover().ok());
    ASSERT_TRUE(h.keeper->AdvanceClock(absl::Hours(5)).ok());
    ASSERT_TRUE(h.Put("after").ok());
    EXPECT_EQ(h.clock->offset(), absl::Hours(5));
  }
  Harness h(dir);
  ASSERT_TRUE(h.keeper->Recover().ok());
  EXPECT_EQ(h.clock->offset(), absl::Hours(5));
  EXPECT_GE(h.keeper->clock()->Now(), absl::Now() + absl::Hours(5) - absl::Minutes(1));
}

TEST(StateKeeperTest, ReadsInsideAWriteDoNotDeadlockAndReadsRunTogether) {
  const std::string dir = NewDir();
  Harness h(dir);
  ASSERT_TRUE(h.keeper->Recover().ok());
  ForceShardRolloverRequest r;
  r.set_stream_arn("x");
  absl::Status s = h.keeper->Write("fake", "Put", r,
                                   [&] { return h.keeper->Read([] { return absl::OkStatus(); }); });
  EXPECT_TRUE(s.ok());
  // Two reads overlap: the second starts while the first is still inside.
  absl::Notification inside, second_done;
  std::thread first([&] {
    EXPECT_TRUE(h.keeper
                    ->Read([&] {
                      inside.Notify();
                      // Reads that excluded each other would keep the second
                      // one waiting until this gives up.
                      EXPECT_TRUE(second_done.WaitForNotificationWithTimeout(absl::Seconds(30)));
                      return absl::OkStatus();
                    })
                    .ok());
  });
  inside.WaitForNotification();
  EXPECT_TRUE(h.keeper->Read([] { return absl::OkStatus(); }).ok());
  second_done.Notify();
  first.join();
}

TEST(StateKeeperTest, AnUnknownJournaledCallStopsRecovery) {
  const std::string dir = NewDir();
  {
    Harness h(dir);
    ASSERT_TRUE(h.keeper->Recover().ok());
    ForceShardRolloverRequest r;
    ASSERT_TRUE(h.keeper->Write("other", "Thing", r, [] { return absl::OkStatus(); }).ok());
  }
  Harness h(dir);
  auto recovery = h.keeper->Recover();
  ASSERT_FALSE(recovery.ok());
  EXPECT_EQ(recovery.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(recovery.status().message(), HasSubstr("other/Thing"));
}

// A full disk, without root: RLIMIT_FSIZE caps the size of any file this
// process writes (write(2) then fails with EFBIG, SIGXFSZ ignored), as
// ENOSPC would. Lifted when it goes out of scope.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::signal(SIGXFSZ, SIG_IGN);
    EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &saved_), 0);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  ~FileSizeLimit() { Lift(); }
  void Lift() { EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &saved_), 0); }

 private:
  rlimit saved_{};
};

int64_t FileSize(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_size;
}

// What the writability observer heard, in order.
struct Transitions {
  absl::Mutex mu;
  std::vector<bool> seen ABSL_GUARDED_BY(mu);
  std::vector<std::string> causes ABSL_GUARDED_BY(mu);
  void Observe(StateKeeper& keeper) {
    keeper.SetWritabilityObserver([this](bool writable, const absl::Status& cause) {
      absl::MutexLock lock(&mu);
      seen.push_back(writable);
      causes.push_back(std::string(cause.message()));
    });
  }
  std::vector<bool> WaitFor(size_t n) {
    absl::MutexLock lock(&mu);
    std::pair<Transitions*, size_t> arg(this, n);
    mu.AwaitWithTimeout(absl::Condition(
                            +[](std::pair<Transitions*, size_t>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                              return a->first->seen.size() >= a->second;
                            },
                            &arg),
                        absl::Seconds(20));
    return seen;
  }
};

// A write whose journal entry cannot be written is never made: no read sees
// it, before or after a restart; the caller gets UNAVAILABLE, the observer
// hears once that writes cannot be saved, and once that they can again,
// without a write (the keeper retries).
TEST(StateKeeperTest, AWriteThatCannotBeJournaledIsNeverMade) {
  const std::string dir = NewDir();
  {
    Transitions transitions;  // outlives the keeper, which calls it
    Harness h(dir, 64 << 20, absl::Milliseconds(5));
    ASSERT_TRUE(h.keeper->Recover().ok());
    transitions.Observe(*h.keeper);
    ASSERT_TRUE(h.Put("a").ok());
    EXPECT_TRUE(h.keeper->writable());
    {
      FileSizeLimit full(FileSize(dir + "/journal-00000000000000000001.log") + 10);
      for (const char* key : {"b", "c"}) {
        absl::Status s = h.Put(key);
        EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
        EXPECT_EQ(AwsErrorName(s), "ServiceUnavailable");
        EXPECT_THAT(s.message(), HasSubstr("nothing was changed"));
      }
      EXPECT_FALSE(h.keeper->writable());
      EXPECT_THAT(h.keeper->Read([&] { return h.store.keys; }), ElementsAre("a"))
          << "a change that was not saved is not visible";
      EXPECT_THAT(transitions.WaitFor(1), ElementsAre(false)) << "once, not once per write";
      full.Lift();
      EXPECT_THAT(transitions.WaitFor(2), ElementsAre(false, true)) << "back without a write";
      absl::MutexLock lock(&transitions.mu);
      EXPECT_THAT(transitions.causes[0], HasSubstr("File too large"));
    }
    EXPECT_TRUE(h.keeper->writable());
    ASSERT_TRUE(h.Put("d").ok());
    EXPECT_THAT(h.store.keys, ElementsAre("a", "d"));
  }
  Harness h(dir);
  auto recovery = h.keeper->Recover();
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  EXPECT_THAT(h.store.keys, ElementsAre("a", "d"));
}

// A call is journaled before it runs and its entry taken back when it
// fails; a crash in between leaves that entry last, which recovery drops.
// Anywhere else an entry that fails on replay is divergence: DataLoss.
TEST(StateKeeperTest, AFailedCallsEntryLeftLastByACrashIsDropped) {
  const std::string dir = NewDir();
  auto failing_on_replay = [](Harness& h) {
    ForceShardRolloverRequest bad;
    bad.set_stream_arn("bad");  // fails on replay; here the call "succeeds"
    return h.keeper->Write("fake", "Put", bad, [] { return absl::OkStatus(); });
  };
  {
    Harness h(dir);
    ASSERT_TRUE(h.keeper->Recover().ok());
    ASSERT_TRUE(h.Put("a").ok());
    ASSERT_TRUE(failing_on_replay(h).ok());
  }
  {
    Harness h(dir);
    auto recovery = h.keeper->Recover();
    ASSERT_TRUE(recovery.ok()) << recovery.status();
    EXPECT_TRUE(recovery->dropped_failed_call);
    EXPECT_EQ(recovery->replayed, 1);
    ASSERT_TRUE(h.Put("b").ok());
  }
  {
    Harness h(dir);
    auto recovery = h.keeper->Recover();
    ASSERT_TRUE(recovery.ok()) << recovery.status();
    EXPECT_FALSE(recovery->dropped_failed_call);
    EXPECT_THAT(h.store.keys, ElementsAre("a", "b"))
        << "the dropped entry is gone from the journal";
    ASSERT_TRUE(failing_on_replay(h).ok());
    ASSERT_TRUE(h.Put("c").ok());
  }
  Harness h(dir);
  auto recovery = h.keeper->Recover();
  ASSERT_FALSE(recovery.ok());
  EXPECT_EQ(recovery.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace awsfacade::backends::simulator
