#ifndef AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_STATE_DIR_H_
#define AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_STATE_DIR_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/simulator/state/journal.pb.h"

namespace awsfacade::backends::simulator {

namespace state = ::awsfacade::simulator::state;

struct StateDirOptions {
  // The directory; created (one level) if missing.
  std::string path;
  // fdatasync() after every journal entry, so acknowledged writes survive a
  // power loss too. Without it an entry is written with write(2) before the
  // call is acknowledged, which survives the process dying (kill -9) but not
  // the machine.
  bool fsync = false;
  // What the state depends on besides the journal, one "name=value" line
  // each (SimulatorSettings()). Kept in SETTINGS; opening a directory whose
  // SETTINGS differ is refused (FailedPrecondition naming each difference):
  // replaying its journal under other settings would build another state.
  // A directory without SETTINGS takes these. Empty: not checked.
  std::string settings;
};

// What a state directory holds when it is opened.
struct StoredState {
  uint64_t seed = 0;
  std::string token_key;  // the simulator's token sealing key
  std::optional<state::Snapshot> snapshot;
  // Entries after the snapshot (or all of them), in order, gap-free.
  std::vector<state::JournalEntry> entries;
  // A torn last entry (a write cut short) that was dropped, if any.
  bool dropped_torn_tail = false;
};

// The files of a simulator state directory (--state_dir):
//   FORMAT                     format version and the simulator seed
//   SETTINGS                   the options the state was made with
//   token.key                  the key that seals iterators and page tokens
//   snapshot-<index>.pb        the whole state after journal entry <index>
//   journal-<first index>.log  journal entries, appended one by one
// Journal entries are numbered 1, 2, ... and a segment is named by the
// index of its first entry, so that the snapshot and the segments must
// continue each other without a gap (an empty segment says where the next
// entry would go): a missing snapshot or segment, a first segment that
// does not start at 1 without a snapshot, or a segment that starts past
// where the one before ended is DataLoss, naming the entries missing.
// Every snapshot and journal entry is framed as
// [u32 length][u32 CRC-32 of the payload][payload], little-endian, so a torn
// or corrupted write is detected. Only the last entry of the last journal
// segment may be torn (a crash mid-write); it was never acknowledged and is
// dropped. Anything else that does not check out is DataLoss, and the
// directory is left as it is for a human to look at.
//
// Not thread-safe, except that CompleteSnapshot() may run beside the other
// calls: the StateKeeper serializes the rest.
class StateDir {
 public:
  // Opens (or initializes, with `new_seed` and a fresh key) the directory
  // and reads everything in it.
  static absl::StatusOr<std::unique_ptr<StateDir>> Open(StateDirOptions options, uint64_t new_seed,
                                                        StoredState* stored);

  ~StateDir();
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;

  // Appends one entry (its index must follow the last one) and returns once
  // the bytes are written (and synced with `fsync`). On an error (a full
  // disk: Internal with the errno text) nothing of the entry is left and
  // the next Append() may try again.
  absl::Status Append(const state::JournalEntry& entry);
  // Takes back the last entry appended (or read by Open()) when it is in the
  // segment being appended to; Internal otherwise.
  absl::Status DropLastEntry();
  // Whether `bytes` more fit in the journal now: writes that many zeros at
  // its end and takes them back (a crash in between leaves a tail of zeros,
  // which Open() drops like a torn entry). The write's error, if any.
  absl::Status ProbeAppend(size_t bytes);

  // A snapshot in two steps, so that only the first holds up the journal:
  // BeginSnapshot() makes the segment being appended to durable and starts a
  // new one after the last entry, whose index it returns (the snapshot's
  // last_index); CompleteSnapshot() then writes the snapshot (atomically:
  // temporary file, sync, rename) and deletes the older snapshots and the
  // segments it covers. Between the two, Append() may run on another thread
  // (never two CompleteSnapshot() at once). A crash before the snapshot is
  // durable leaves the previous snapshot and every segment: nothing is lost.
  absl::StatusOr<uint64_t> BeginSnapshot();
  absl::Status CompleteSnapshot(const state::Snapshot& snapshot);
  // Both steps at once (the snapshot must cover the last entry).
  absl::Status WriteSnapshot(const state::Snapshot& snapshot);

  // Journal bytes written since the last BeginSnapshot(), and the last
  // snapshot's size.
  int64_t journal_bytes() const { return journal_bytes_; }
  int64_t snapshot_bytes() const { return snapshot_bytes_.load(); }
  uint64_t last_index() const { return last_index_; }

 private:
  explicit StateDir(StateDirOptions options) : options_(std::move(options)) {}
  absl::Status OpenSegment(uint64_t first_index);
  // Cuts the segment being appended to back to `size`. Should that fail,
  // every later write fails too (damaged_).
  absl::Status TruncateTo(off_t size);

  struct Extent {
    size_t offset = 0;
    size_t size = 0;
  };

  const StateDirOptions options_;
  int fd_ = -1;  // the journal segment being appended to
  std::string segment_path_;
  uint64_t last_index_ = 0;
  int64_t journal_bytes_ = 0;
  // The last entry's frame, when it is in the segment being appended to.
  std::optional<Extent> last_frame_;
  absl::Status damaged_;
  std::atomic<int64_t> snapshot_bytes_{0};
  // The index of the last BeginSnapshot(), which CompleteSnapshot() expects.
  std::atomic<uint64_t> begun_index_{0};
};

// The framing, exposed for tests and the fuzz target: Frame() wraps a
// payload; Unframe() reads the frame at the start of `data` and returns the
// payload and how many bytes it used, nullopt for a frame cut short, or
// DataLoss for a bad length or checksum.
std::string Frame(absl::string_view payload);
struct Unframed {
  absl::string_view payload;
  size_t used = 0;
};
absl::StatusOr<std::optional<Unframed>> Unframe(absl::string_view data);

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_STATE_DIR_H_
