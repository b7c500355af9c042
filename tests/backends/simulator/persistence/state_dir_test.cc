#include "backends/simulator/persistence/state_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends::simulator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string NewDir() {
  std::string tmpl = absl::StrCat(::testing::TempDir(), "/state_dir_test.XXXXXX");
  EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
  return absl::StrCat(tmpl, "/state");  // Open() creates the last level
}

state::JournalEntry Entry(uint64_t index, absl::string_view method) {
  state::JournalEntry e;
  e.set_index(index);
  e.set_time_unix_micros(1000 * static_cast<int64_t>(index));
  e.set_method(std::string(method));
  e.set_request(absl::StrCat("request ", index));
  return e;
}

std::vector<uint64_t> Indexes(const StoredState& stored) {
  std::vector<uint64_t> out;
  for (const auto& e : stored.entries) out.push_back(e.index());
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string Segment(const std::string& dir, uint64_t first) {
  char name[64];
  snprintf(name, sizeof name, "/journal-%020llu.log", static_cast<unsigned long long>(first));
  return dir + name;
}

// Writes entries 1..3 into a fresh directory; returns the segment's bytes.
std::string JournalOfThree(const std::string& dir) {
  StoredState stored;
  auto d = StateDir::Open({dir}, 1, &stored);
  EXPECT_TRUE(d.ok()) << d.status();
  for (uint64_t i = 1; i <= 3; ++i) EXPECT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
  return ReadAll(Segment(dir, 1));
}

TEST(StateDirTest, FreshDirectoryKeepsItsSeedAndKeyAcrossOpens) {
  const std::string dir = NewDir();
  StoredState first, second;
  ASSERT_TRUE(StateDir::Open({dir}, 42, &first).ok());
  EXPECT_EQ(first.seed, 42u);
  EXPECT_EQ(first.token_key.size(), 32u);
  EXPECT_THAT(first.entries, IsEmpty());
  EXPECT_FALSE(first.snapshot.has_value());
  ASSERT_TRUE(StateDir::Open({dir}, 7, &second).ok());
  EXPECT_EQ(second.seed, 42u) << "an existing directory keeps the seed it was made with";
  EXPECT_EQ(second.token_key, first.token_key);
}

// --state_dir=a/b/c on a fresh machine: the missing parents are made too
// (before, "cannot create ...: No such file or directory").
TEST(StateDirTest, MissingParentsAreCreated) {
  const std::string dir = absl::StrCat(NewDir(), "/deeper/still");
  StoredState stored;
  auto d = StateDir::Open({dir}, 3, &stored);
  ASSERT_TRUE(d.ok()) << d.status();
  struct stat info;
  ASSERT_EQ(::stat(dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u) << "the state directory itself is private";
}

TEST(StateDirTest, EntriesComeBackInOrderAfterReopening) {
  const std::string dir = NewDir();
  StoredState stored;
  {
    auto d = StateDir::Open({dir}, 1, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
    EXPECT_FALSE((*d)->Append(Entry(9, "x/Put")).ok()) << "a gap is refused";
  }
  auto d = StateDir::Open({dir}, 1, &stored);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(stored.entries[2].request(), "request 3");
  EXPECT_FALSE(stored.dropped_torn_tail);
  // Appending goes on from where the journal ended.
  ASSERT_TRUE((*d)->Append(Entry(6, "x/Put")).ok());
  d->reset();
  ASSERT_TRUE(StateDir::Open({dir}, 1, &stored).ok());
  EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST(StateDirTest, TornLastEntryIsDroppedAndTheJournalContinuesAfterTheGoodOnes) {
  const std::string dir = NewDir();
  StoredState stored;
  std::string data = JournalOfThree(dir);
  const std::string seg = Segment(dir, 1);
  WriteAll(seg, data.substr(0, data.size() - 3));  // a write cut short by a crash
  {
    auto d = StateDir::Open({dir}, 1, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(stored.dropped_torn_tail);
    EXPECT_THAT(Indexes(stored), ElementsAre(1, 2));
    ASSERT_TRUE((*d)->Append(Entry(3, "x/Again")).ok());
  }
  ASSERT_TRUE(StateDir::Open({dir}, 1, &stored).ok());
  EXPECT_FALSE(stored.dropped_torn_tail);
  EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3));
  EXPECT_EQ(stored.entries[2].method(), "x/Again");
}

TEST(StateDirTest, CorruptionBeforeTheEndIsDataLossNotSilence) {
  const std::string dir = NewDir();
  StoredState stored;
  std::string data = JournalOfThree(dir);
  const std::string seg = Segment(dir, 1);
  data[12] ^= 0x40;  // inside the first entry's payload
  WriteAll(seg, data);
  auto d = StateDir::Open({dir}, 1, &stored);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(d.status().message(), HasSubstr("checksum"));
  EXPECT_EQ(ReadAll(seg), data) << "the directory is left for a human to look at";
}

TEST(StateDirTest, SnapshotReplacesTheJournalBeforeIt) {
  const std::string dir = NewDir();
  StoredState stored;
  {
    auto d = StateDir::Open({dir}, 5, &stored);
    for (uint64_t i = 1; i <= 4; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
    state::Snapshot snap;
    snap.set_last_index(4);
    snap.set_seed(5);
    snap.set_time_unix_micros(4000);
    ASSERT_TRUE((*d)->WriteSnapshot(snap).ok());
    EXPECT_EQ((*d)->journal_bytes(), 0);
    EXPECT_GT((*d)->snapshot_bytes(), 0);
    for (uint64_t i = 5; i <= 6; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
  }
  EXPECT_NE(::access(Segment(dir, 1).c_str(), F_OK), 0) << "the covered segment is gone";
  auto d = StateDir::Open({dir}, 5, &stored);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(stored.snapshot.has_value());
  EXPECT_EQ(stored.snapshot->last_index(), 4u);
  EXPECT_EQ(stored.snapshot->time_unix_micros(), 4000);
  EXPECT_THAT(Indexes(stored), ElementsAre(5, 6));
}

// Appends go on between the two steps of a snapshot, into a segment the
// snapshot does not cover; a crash before the snapshot is written loses
// nothing.
TEST(StateDirTest, AppendsBetweenBeginAndCompleteSurviveWithOrWithoutTheSnapshot) {
  for (bool complete : {false, true}) {
    SCOPED_TRACE(complete ? "snapshot written" : "crash before the snapshot is written");
    const std::string dir = NewDir();
    StoredState stored;
    {
      auto d = StateDir::Open({dir}, 5, &stored);
      for (uint64_t i = 1; i <= 4; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
      absl::StatusOr<uint64_t> begun = (*d)->BeginSnapshot();
      ASSERT_TRUE(begun.ok()) << begun.status();
      EXPECT_EQ(*begun, 4u);
      EXPECT_EQ((*d)->journal_bytes(), 0);
      for (uint64_t i = 5; i <= 6; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
      EXPECT_EQ(::access(Segment(dir, 5).c_str(), F_OK), 0)
          << "appends after the begin start a segment";
      if (complete) {
        state::Snapshot snap;
        snap.set_last_index(4);
        snap.set_seed(5);
        ASSERT_TRUE((*d)->CompleteSnapshot(snap).ok());
        EXPECT_NE(::access(Segment(dir, 1).c_str(), F_OK), 0) << "the covered segment is gone";
        for (uint64_t i = 7; i <= 8; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
      }
    }
    auto d = StateDir::Open({dir}, 5, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    if (complete) {
      ASSERT_TRUE(stored.snapshot.has_value());
      EXPECT_EQ(stored.snapshot->last_index(), 4u);
      EXPECT_THAT(Indexes(stored), ElementsAre(5, 6, 7, 8));
    } else {
      EXPECT_FALSE(stored.snapshot.has_value());
      EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3, 4, 5, 6));
    }
  }
}

TEST(StateDirTest, CompletingASnapshotOtherThanTheOneBegunIsRefused) {
  const std::string dir = NewDir();
  StoredState stored;
  auto d = StateDir::Open({dir}, 5, &stored);
  for (uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
  ASSERT_TRUE((*d)->BeginSnapshot().ok());
  ASSERT_TRUE((*d)->Append(Entry(4, "x/Put")).ok());
  state::Snapshot snap;
  snap.set_last_index(4);
  snap.set_seed(5);
  absl::Status s = (*d)->CompleteSnapshot(snap);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_NE(::access(Segment(dir, 1).c_str(), F_OK), -1) << "nothing was deleted";
}

TEST(StateDirTest, OtherSettingsAreRefusedNamingEachDifference) {
  const std::string dir = NewDir();
  const std::string settings = "region=us-east-1\nretention=24h\nmax_tables=2500\n";
  StoredState stored;
  {
    auto d = StateDir::Open({dir, false, settings}, 5, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_TRUE((*d)->Append(Entry(1, "x/Put")).ok());
  }
  EXPECT_EQ(ReadAll(dir + "/SETTINGS"), settings);
  ASSERT_TRUE(StateDir::Open({dir, false, settings}, 5, &stored).ok()) << "the same settings";
  ASSERT_TRUE(StateDir::Open({dir}, 5, &stored).ok()) << "no settings given: not checked";

  auto d = StateDir::Open({dir, false, "region=eu-west-1\nretention=24h\nttl=0s\n"}, 5, &stored);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.status().message(), HasSubstr("region: us-east-1 there, eu-west-1 now"));
  EXPECT_THAT(d.status().message(), HasSubstr("ttl: unset there, 0s now"));
  EXPECT_THAT(d.status().message(), HasSubstr("max_tables: 2500 there, unset now"));
  EXPECT_THAT(d.status().message(), Not(HasSubstr("retention")));
  EXPECT_EQ(ReadAll(dir + "/SETTINGS"), settings) << "the directory is left as it was";
}

TEST(StateDirTest, ADirectoryWithoutSettingsTakesTheGivenOnes) {
  const std::string dir = NewDir();
  StoredState stored;
  {
    auto d = StateDir::Open({dir}, 5, &stored);  // as before SETTINGS existed
    ASSERT_TRUE((*d)->Append(Entry(1, "x/Put")).ok());
  }
  ASSERT_NE(::access((dir + "/SETTINGS").c_str(), F_OK), 0);
  auto d = StateDir::Open({dir, false, "region=us-east-1\n"}, 5, &stored);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Indexes(stored), ElementsAre(1));
  EXPECT_EQ(ReadAll(dir + "/SETTINGS"), "region=us-east-1\n");
}

TEST(StateDirTest, RefusesADirectoryThatIsNotAStateDirectory) {
  const std::string dir = NewDir();
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  WriteAll(dir + "/notes.txt", "mine");
  StoredState stored;
  auto d = StateDir::Open({dir}, 1, &stored);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadAll(dir + "/notes.txt"), "mine");
}

TEST(StateDirTest, MissingSegmentIsDataLoss) {
  const std::string dir = NewDir();
  StoredState stored;
  {
    auto d = StateDir::Open({dir}, 1, &stored);
    for (uint64_t i = 1; i <= 2; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
    state::Snapshot snap;
    snap.set_last_index(2);
    snap.set_seed(1);
    ASSERT_TRUE((*d)->WriteSnapshot(snap).ok());
    for (uint64_t i = 3; i <= 4; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
  }
  // Lose the snapshot: the journal now starts at 3 with nothing before it.
  ASSERT_EQ(::unlink((dir + "/snapshot-00000000000000000002.pb").c_str()), 0);
  auto d = StateDir::Open({dir}, 1, &stored);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(d.status().message(), HasSubstr("missing"));
}

// Every file of a directory and its bytes.
std::map<std::string, std::string> Contents(const std::string& dir) {
  std::map<std::string, std::string> out;
  DIR* d = ::opendir(dir.c_str());
  EXPECT_NE(d, nullptr) << dir;
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') out[e->d_name] = ReadAll(absl::StrCat(dir, "/", e->d_name));
  }
  ::closedir(d);
  return out;
}

state::Snapshot SnapshotOf(uint64_t last_index, uint64_t seed) {
  state::Snapshot snap;
  snap.set_last_index(last_index);
  snap.set_seed(seed);
  return snap;
}

// Opening `dir` fails with DataLoss saying `what`, and changes no file.
void ExpectRefused(const std::string& dir, absl::string_view what) {
  const auto before = Contents(dir);
  StoredState stored;
  auto d = StateDir::Open({dir, false, "region=us-east-1\n"}, 1, &stored);
  ASSERT_FALSE(d.ok()) << "opened with " << stored.entries.size() << " entries";
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss) << d.status();
  EXPECT_THAT(d.status().message(), HasSubstr(what));
  EXPECT_THAT(d.status().message(), HasSubstr("left untouched"));
  EXPECT_EQ(Contents(dir), before) << "the directory is left as it was";
}

// What a graceful stop leaves: entries 1..2 in a snapshot, and the empty
// segment where entry 3 would go.
void GracefulStopAfterTwo(const std::string& dir) {
  StoredState stored;
  auto d = StateDir::Open({dir, false, "region=us-east-1\n"}, 1, &stored);
  ASSERT_TRUE(d.ok()) << d.status();
  for (uint64_t i = 1; i <= 2; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
  ASSERT_TRUE((*d)->WriteSnapshot(SnapshotOf(2, 1)).ok());
  ASSERT_EQ(ReadAll(Segment(dir, 3)), "");
}

TEST(StateDirTest, TheSnapshotBeforeAnEmptySegmentMissingIsDataLoss) {
  const std::string dir = NewDir();
  GracefulStopAfterTwo(dir);
  ASSERT_EQ(::unlink((dir + "/snapshot-00000000000000000002.pb").c_str()), 0);
  ExpectRefused(dir, "entries 1 to 2 are missing");
}

TEST(StateDirTest, TheSegmentAfterTheSnapshotMissingIsDataLoss) {
  const std::string dir = NewDir();
  GracefulStopAfterTwo(dir);
  ASSERT_EQ(::unlink(Segment(dir, 3).c_str()), 0);
  ExpectRefused(
      dir,
      "journal-00000000000000000003.log, the journal after snapshot-00000000000000000002.pb, "
      "is missing");
}

TEST(StateDirTest, AFreshDirectoryWithoutItsFirstSegmentIsDataLoss) {
  const std::string dir = NewDir();
  {
    StoredState stored;
    ASSERT_TRUE(StateDir::Open({dir}, 1, &stored).ok());
  }
  ASSERT_EQ(::unlink(Segment(dir, 1).c_str()), 0);
  ExpectRefused(dir, "journal-00000000000000000001.log, the journal after the start");
}

TEST(StateDirTest, AMissingMiddleSegmentIsDataLossEvenWhenTheNextIsEmpty) {
  const std::string dir = NewDir();
  {
    StoredState stored;
    auto d = StateDir::Open({dir}, 1, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_TRUE((*d)->Append(Entry(1, "x/Put")).ok());
    ASSERT_TRUE((*d)->BeginSnapshot().ok());  // never completed: a crash
    for (uint64_t i = 2; i <= 3; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
    ASSERT_TRUE((*d)->BeginSnapshot().ok());  // journal-4, empty
  }
  ASSERT_EQ(ReadAll(Segment(dir, 4)), "");
  ASSERT_EQ(::unlink(Segment(dir, 2).c_str()), 0);
  ExpectRefused(
      dir, "entries 2 to 3 are missing: journal-00000000000000000001.log (which ends at entry 1)");
}

TEST(StateDirTest, ASegmentStartingPastTheEndOfTheOneBeforeIsDataLoss) {
  const std::string dir = NewDir();
  JournalOfThree(dir);
  // An empty segment named as if entries 4 and 5 were somewhere.
  WriteAll(Segment(dir, 6), "");
  ExpectRefused(dir, "entries 4 to 5 are missing");
}

TEST(StateDirTest, SegmentsTheSnapshotCoversAreSkippedWhenACrashLeftThem) {
  const std::string dir = NewDir();
  std::string covered;
  {
    StoredState stored;
    auto d = StateDir::Open({dir}, 1, &stored);
    for (uint64_t i = 1; i <= 2; ++i) ASSERT_TRUE((*d)->Append(Entry(i, "x/Put")).ok());
    covered = ReadAll(Segment(dir, 1));
    ASSERT_TRUE((*d)->WriteSnapshot(SnapshotOf(2, 1)).ok());
    ASSERT_TRUE((*d)->Append(Entry(3, "x/Put")).ok());
  }
  WriteAll(Segment(dir, 1), covered);  // the crash came before it was deleted
  StoredState stored;
  auto d = StateDir::Open({dir}, 1, &stored);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(stored.snapshot.has_value());
  EXPECT_THAT(Indexes(stored), ElementsAre(3));
}

// After a power loss without --state_fsync a file may have grown without
// its data: zeros to the end, which is a torn tail, not damage.
TEST(StateDirTest, ATailOfZerosIsDroppedLikeATornEntry) {
  const std::string dir = NewDir();
  const std::string data = JournalOfThree(dir);
  WriteAll(Segment(dir, 1), data + std::string(4096, '\0'));
  {
    StoredState stored;
    auto d = StateDir::Open({dir}, 1, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(stored.dropped_torn_tail);
    EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3));
    ASSERT_TRUE((*d)->Append(Entry(4, "x/Put")).ok());
  }
  StoredState stored;
  ASSERT_TRUE(StateDir::Open({dir}, 1, &stored).ok());
  EXPECT_FALSE(stored.dropped_torn_tail) << "the zeros were cut off, not left before entry 4";
  EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3, 4));
}

// A whole frame's length with garbage in it, up to the end of the last
// segment: a power loss mid-write, dropped. Anywhere else it is damage.
TEST(StateDirTest, GarbageToTheEndOfTheLastSegmentIsDroppedLikeATornEntry) {
  const std::string dir = NewDir();
  const std::string data = JournalOfThree(dir);
  std::string garbage = Frame(Entry(4, "x/Put").SerializeAsString());
  garbage[garbage.size() - 2] ^= 0x55;
  WriteAll(Segment(dir, 1), data + garbage);
  {
    StoredState stored;
    auto d = StateDir::Open({dir}, 1, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(stored.dropped_torn_tail);
    EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3));
    ASSERT_TRUE((*d)->Append(Entry(4, "x/Again")).ok());
  }
  StoredState stored;
  ASSERT_TRUE(StateDir::Open({dir}, 1, &stored).ok());
  EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(stored.entries[3].method(), "x/Again");

  // Followed by anything, the same frame is damage.
  WriteAll(Segment(dir, 1), data + garbage + Frame(Entry(5, "x/Put").SerializeAsString()));
  ExpectRefused(dir, "checksum");
}

TEST(StateDirTest, ZerosOrGarbageInASegmentBeforeTheLastAreDataLoss) {
  for (const bool zeros : {true, false}) {
    SCOPED_TRACE(zeros ? "zeros" : "garbage");
    const std::string dir = NewDir();
    const std::string data = JournalOfThree(dir);
    std::string tail = std::string(64, '\0');
    if (!zeros) {
      tail = Frame(Entry(4, "x/Put").SerializeAsString());
      tail.back() ^= 1;
    }
    WriteAll(Segment(dir, 1), data + tail);
    WriteAll(Segment(dir, 4), "");
    ExpectRefused(dir, "journal-00000000000000000001.log at byte");
  }
}

TEST(StateDirTest, TheLastEntryCanBeTakenBackAndAProbeLeavesNothing) {
  const std::string dir = NewDir();
  const std::string data = JournalOfThree(dir);
  StoredState stored;
  {
    auto d = StateDir::Open({dir}, 1, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_TRUE((*d)->Append(Entry(4, "x/Put")).ok());
    ASSERT_TRUE((*d)->DropLastEntry().ok());
    EXPECT_EQ(ReadAll(Segment(dir, 1)), data);
    EXPECT_EQ((*d)->last_index(), 3u);
    EXPECT_FALSE((*d)->DropLastEntry().ok()) << "only the one appended last";
    ASSERT_TRUE((*d)->ProbeAppend(1000).ok());
    EXPECT_EQ(ReadAll(Segment(dir, 1)), data);
  }
  {
    auto d = StateDir::Open({dir}, 1, &stored);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3));
    ASSERT_TRUE((*d)->DropLastEntry().ok()) << "the last entry Open() read";
    EXPECT_EQ((*d)->last_index(), 2u);
    EXPECT_LT(ReadAll(Segment(dir, 1)).size(), data.size());
    ASSERT_TRUE((*d)->Append(Entry(3, "x/Again")).ok());
  }
  ASSERT_TRUE(StateDir::Open({dir}, 1, &stored).ok());
  EXPECT_THAT(Indexes(stored), ElementsAre(1, 2, 3));
  EXPECT_EQ(stored.entries[2].method(), "x/Again");
}

TEST(StateDirTest, FramesRoundTripAndRejectDamage) {
  const std::string framed = Frame("hello");
  auto ok = Unframe(framed);
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(ok->has_value());
  EXPECT_EQ((*ok)->payload, "hello");
  EXPECT_EQ((*ok)->used, framed.size());
  auto cut = Unframe(absl::string_view(framed).substr(0, framed.size() - 1));
  ASSERT_TRUE(cut.ok());
  EXPECT_FALSE(cut->has_value());
  std::string flipped = framed;
  flipped.back() ^= 1;
  EXPECT_EQ(Unframe(flipped).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace awsfacade::backends::simulator
