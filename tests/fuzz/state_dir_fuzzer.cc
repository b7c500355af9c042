// Fuzzes the simulator's state directory reader (backends/simulator/
// persistence/state_dir.h): what a crash, a full disk or a stray edit can
// leave in a journal segment.
//
// Input: the bytes of the one journal segment of a directory that already
// has its FORMAT and key. Checked: Open never crashes; it fails only with
// DataLoss (damage before the end); when it opens, the entries it returns
// are numbered 1, 2, ... without gaps, and appending the next entry then
// reopening gives back the same entries plus that one (the torn tail, if
// any, was cut off, not left in front of the new entry); a snapshot begun
// then, with an entry appended before it is completed, reopens as that
// snapshot followed by that entry alone.

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/simulator/persistence/state_dir.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using awsfacade::backends::simulator::StateDir;
using awsfacade::backends::simulator::StoredState;

void WriteFile(const std::string& path, absl::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  AWSFACADE_FUZZ_CHECK(fd >= 0, path);
  AWSFACADE_FUZZ_CHECK(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()),
                       path);
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    std::string tmpl = "/tmp/state_dir_fuzzer.XXXXXX";
    AWSFACADE_FUZZ_CHECK(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    return tmpl;
  }();
  const std::string segment = dir + "/journal-00000000000000000001.log";
  // A fresh directory each time: FORMAT and key as Open writes them.
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ::unlink(absl::StrCat(dir, "/", e->d_name).c_str());
    }
    ::closedir(d);
  }
  {
    StoredState fresh;
    AWSFACADE_FUZZ_CHECK(StateDir::Open({dir}, 7, &fresh).ok(), "a fresh directory does not open");
  }
  WriteFile(segment, awsfacade::fuzz::AsView(data, size));

  StoredState stored;
  auto opened = StateDir::Open({dir}, 7, &stored);
  if (!opened.ok()) {
    AWSFACADE_FUZZ_CHECK(opened.status().code() == absl::StatusCode::kDataLoss,
                         opened.status().ToString());
    return 0;
  }
  for (size_t i = 0; i < stored.entries.size(); ++i) {
    AWSFACADE_FUZZ_CHECK(stored.entries[i].index() == i + 1, "entries out of order");
  }
  awsfacade::simulator::state::JournalEntry next;
  next.set_index(stored.entries.size() + 1);
  next.set_method("fuzz/Next");
  AWSFACADE_FUZZ_CHECK((*opened)->Append(next).ok(), "append after open");
  opened->reset();
  StoredState again;
  auto reopened = StateDir::Open({dir}, 7, &again);
  AWSFACADE_FUZZ_CHECK(reopened.ok(), reopened.status().ToString());
  AWSFACADE_FUZZ_CHECK(
      again.entries.size() == stored.entries.size() + 1 && !again.dropped_torn_tail,
      "the appended entry is not the last one");
  AWSFACADE_FUZZ_CHECK(again.entries.back().method() == "fuzz/Next", "wrong last entry");

  absl::StatusOr<uint64_t> begun = (*reopened)->BeginSnapshot();
  AWSFACADE_FUZZ_CHECK(begun.ok() && *begun == next.index(),
                       "the snapshot begins after the last entry");
  awsfacade::simulator::state::JournalEntry after;
  after.set_index(next.index() + 1);
  after.set_method("fuzz/After");
  AWSFACADE_FUZZ_CHECK((*reopened)->Append(after).ok(), "append during a snapshot");
  awsfacade::simulator::state::Snapshot snapshot;
  snapshot.set_last_index(*begun);
  snapshot.set_seed(7);
  AWSFACADE_FUZZ_CHECK((*reopened)->CompleteSnapshot(snapshot).ok(), "complete the snapshot");
  reopened->reset();
  StoredState last;
  auto final_open = StateDir::Open({dir}, 7, &last);
  AWSFACADE_FUZZ_CHECK(final_open.ok(), final_open.status().ToString());
  AWSFACADE_FUZZ_CHECK(last.snapshot && last.snapshot->last_index() == *begun,
                       "the snapshot is back");
  AWSFACADE_FUZZ_CHECK(last.entries.size() == 1 && last.entries[0].method() == "fuzz/After",
                       "the entry appended during the snapshot, and only it, follows it");
  return 0;
}
