#include "backends/simulator/persistence/state_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "backends/simulator/state/state_bytes.h"
#include "openssl/rand.h"

namespace awsfacade::backends::simulator {
namespace {

constexpr char kFormatFile[] = "FORMAT";
constexpr char kKeyFile[] = "token.key";
constexpr char kSettingsFile[] = "SETTINGS";
constexpr char kFormatLine[] = "awsfacade-simulator-state 1";
constexpr char kSnapshotPrefix[] = "snapshot-";
constexpr char kSnapshotSuffix[] = ".pb";
constexpr char kSegmentPrefix[] = "journal-";
constexpr char kSegmentSuffix[] = ".log";
constexpr char kIndexFormat[] = "%020d";
constexpr size_t kHeaderBytes = 8;
// Far above any message the server accepts (--max_message_bytes) for a
// journal entry; snapshots may be larger.
constexpr uint32_t kMaxFrameBytes = 1u << 31;
constexpr size_t kTokenKeyBytes = 32;

absl::Status Errno(absl::string_view what, absl::string_view path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

uint32_t Crc(absl::string_view data) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32(absl::string_view data) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << (8 * i);
  return v;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot sync", dir);
  return absl::OkStatus();
}

// Writes a whole file atomically: a temporary beside it, synced, renamed.
absl::Status WriteFileAtomically(const std::string& dir, const std::string& name,
                                 absl::string_view data) {
  const std::string path = absl::StrCat(dir, "/", name);
  const std::string tmp = absl::StrCat(path, ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", tmp);
  absl::Status s = WriteAll(fd, data, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("cannot sync", tmp);
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = Errno("cannot rename", tmp);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDir(dir);
}

// "<prefix><20 digits><suffix>" -> the number.
std::optional<uint64_t> IndexOf(absl::string_view name, absl::string_view prefix,
                                absl::string_view suffix) {
  if (!absl::ConsumePrefix(&name, prefix) || !absl::ConsumeSuffix(&name, suffix))
    return std::nullopt;
  if (name.size() != 20) return std::nullopt;
  uint64_t v = 0;
  if (!absl::SimpleAtoi(name, &v)) return std::nullopt;
  return v;
}

std::string SegmentName(uint64_t first_index) {
  return absl::StrCat(kSegmentPrefix, absl::StrFormat(kIndexFormat, first_index), kSegmentSuffix);
}

std::string SnapshotName(uint64_t last_index) {
  return absl::StrCat(kSnapshotPrefix, absl::StrFormat(kIndexFormat, last_index), kSnapshotSuffix);
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Errno("cannot list", dir);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status Corrupt(absl::string_view path, size_t offset, absl::string_view why) {
  return absl::DataLossError(absl::StrCat(path, " at byte ", offset, ": ", why,
                                          "; the state directory is left untouched"));
}

// A file that should be there is not (or one is where none should be).
absl::Status Gap(absl::string_view dir, absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat(dir, ": ", why, "; the state directory is left untouched"));
}

// "entry 3 is missing" or "entries 1 to 2 are missing".
std::string MissingEntries(uint64_t first, uint64_t last) {
  return first == last ? absl::StrCat("entry ", first, " is missing")
                       : absl::StrCat("entries ", first, " to ", last, " are missing");
}

}  // namespace

std::string Frame(absl::string_view payload) {
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  PutU32(static_cast<uint32_t>(payload.size()), &out);
  PutU32(Crc(payload), &out);
  out.append(payload.data(), payload.size());
  return out;
}

absl::StatusOr<std::optional<Unframed>> Unframe(absl::string_view data) {
  if (data.size() < kHeaderBytes) return std::nullopt;
  const uint32_t length = GetU32(data);
  if (length > kMaxFrameBytes) return absl::DataLossError("frame length out of range");
  if (data.size() - kHeaderBytes < length) return std::nullopt;
  absl::string_view payload = data.substr(kHeaderBytes, length);
  if (Crc(payload) != GetU32(data.substr(4))) return absl::DataLossError("checksum mismatch");
  return Unframed{payload, kHeaderBytes + length};
}

namespace {

// "name=value" lines, in order.
std::vector<std::pair<std::string, std::string>> SettingLines(absl::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    out.push_back(std::move(kv));
  }
  return out;
}

absl::Status CheckSettings(const std::string& dir, const std::string& given) {
  if (given.empty()) return absl::OkStatus();
  const std::string path = absl::StrCat(dir, "/", kSettingsFile);
  if (::access(path.c_str(), F_OK) != 0) return WriteFileAtomically(dir, kSettingsFile, given);
  absl::StatusOr<std::string> saved = ReadFile(path);
  if (!saved.ok()) return saved.status();
  if (*saved == given) return absl::OkStatus();
  const auto before = SettingLines(*saved);
  const auto now = SettingLines(given);
  std::vector<std::string> differences;
  for (const auto& [name, value] : now) {
    const auto& key = name;  // C++17 lambdas cannot capture a structured binding
    auto it =
        std::find_if(before.begin(), before.end(), [&](const auto& kv) { return kv.first == key; });
    const std::string was = it == before.end() ? std::string("unset") : it->second;
    if (was != value)
      differences.push_back(absl::StrCat(name, ": ", was, " there, ", value, " now"));
  }
  for (const auto& [name, value] : before) {
    const auto& key = name;
    auto it = std::find_if(now.begin(), now.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == now.end())
      differences.push_back(absl::StrCat(name, ": ", value, " there, unset now"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      dir, " holds state made with other settings (", absl::StrJoin(differences, "; "),
      "): its journal replayed under these would build a different state. Start with the same "
      "settings, or with another state directory"));
}

}  // namespace

StateDir::~StateDir() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<StateDir>> StateDir::Open(StateDirOptions options, uint64_t new_seed,
                                                         StoredState* stored) {
  const std::string dir = options.path;
  if (dir.empty()) return absl::InvalidArgumentError("the state directory path is empty");
  // Like mkdir -p: missing parents too (0755), the directory itself 0700.
  for (size_t slash = dir.find('/', 1); slash != std::string::npos;
       slash = dir.find('/', slash + 1)) {
    const std::string parent = dir.substr(0, slash);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST)
      return Errno("cannot create", parent);
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Errno("cannot create", dir);
  auto self = std::unique_ptr<StateDir>(new StateDir(std::move(options)));
  *stored = StoredState();

  // FORMAT: written once, before anything else, so a directory without it
  // holds no state (a crash during initialization leaves nothing to lose).
  const std::string format_path = absl::StrCat(dir, "/", kFormatFile);
  const std::string key_path = absl::StrCat(dir, "/", kKeyFile);
  if (::access(format_path.c_str(), F_OK) != 0) {
    absl::StatusOr<std::vector<std::string>> names = ListDir(dir);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      if (name != "." && name != ".." && !absl::EndsWith(name, ".tmp") && name != kKeyFile &&
          name != kSettingsFile && name != SegmentName(1)) {
        return absl::FailedPreconditionError(
            absl::StrCat(dir, " is not empty and has no ", kFormatFile,
                         " file: not a simulator state directory (refusing to write into it)"));
      }
    }
    std::string key(kTokenKeyBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) !=
        1) {
      return absl::InternalError("no random bytes for the token key");
    }
    if (absl::Status s = WriteFileAtomically(dir, kKeyFile, key); !s.ok()) return s;
    // The first (empty) journal segment exists before FORMAT does, so a
    // directory with FORMAT but no segment has lost one (see below).
    const std::string first_segment = absl::StrCat(dir, "/", SegmentName(1));
    const int fd = ::open(first_segment.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Errno("cannot create", first_segment);
    ::close(fd);
    if (absl::Status s = WriteFileAtomically(dir, kFormatFile,
                                             absl::StrCat(kFormatLine, "\nseed ", new_seed, "\n"));
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::string> format = ReadFile(format_path);
  if (!format.ok()) return format.status();
  std::vector<absl::string_view> lines = absl::StrSplit(*format, '\n', absl::SkipEmpty());
  if (lines.size() != 2 || lines[0] != kFormatLine ||
      !absl::SimpleAtoi(absl::StripPrefix(lines[1], "seed "), &stored->seed) ||
      !absl::StartsWith(lines[1], "seed ")) {
    return absl::FailedPreconditionError(
        absl::StrCat(format_path, ": not a format this server reads (expected \"", kFormatLine,
                     "\" and a seed line)"));
  }
  absl::StatusOr<std::string> key = ReadFile(key_path);
  if (!key.ok()) return key.status();
  if (key->size() < kTokenKeyBytes) {
    return absl::DataLossError(
        absl::StrCat(key_path, " is shorter than ", kTokenKeyBytes, " bytes"));
  }
  stored->token_key = *std::move(key);

  absl::StatusOr<std::vector<std::string>> names = ListDir(dir);
  if (!names.ok()) return names.status();
  std::optional<uint64_t> snapshot_index;
  std::vector<std::pair<uint64_t, std::string>> segments;
  for (const std::string& name : *names) {
    if (auto i = IndexOf(name, kSnapshotPrefix, kSnapshotSuffix)) {
      snapshot_index = std::max(snapshot_index.value_or(0), *i);
    } else if (auto j = IndexOf(name, kSegmentPrefix, kSegmentSuffix)) {
      segments.emplace_back(*j, name);
    }
  }
  uint64_t next = 1;  // the index the next entry must have
  if (snapshot_index) {
    const std::string path = absl::StrCat(dir, "/", SnapshotName(*snapshot_index));
    absl::StatusOr<std::string> data = ReadFile(path);
    if (!data.ok()) return data.status();
    absl::StatusOr<std::optional<Unframed>> frame = Unframe(*data);
    if (!frame.ok()) return Corrupt(path, 0, frame.status().message());
    if (!frame->has_value() || (*frame)->used != data->size()) {
      return Corrupt(path, 0, "not exactly one frame");
    }
    state::Snapshot snapshot;
    if (!snapshot.ParseFromArray((*frame)->payload.data(),
                                 static_cast<int>((*frame)->payload.size())) ||
        snapshot.last_index() != *snapshot_index) {
      return Corrupt(path, 0, "not a snapshot of this index");
    }
    if (snapshot.seed() != stored->seed) return Corrupt(path, 0, "written with another seed");
    self->snapshot_bytes_ = static_cast<int64_t>(data->size());
    next = *snapshot_index + 1;
    stored->snapshot = std::move(snapshot);
  }
  // Segments the snapshot covers (left by a crash before they were deleted)
  // are not read. The others must continue it, and each other, without a
  // gap: every segment is named by the index of its first entry, an empty
  // one included (a snapshot always starts the segment after it, and a new
  // directory starts with journal-1), so a missing snapshot or segment shows
  // as a name that does not follow.
  segments.erase(std::remove_if(segments.begin(), segments.end(),
                                [&](const auto& s) { return s.first < next; }),
                 segments.end());
  const std::string before_journal = snapshot_index
                                         ? SnapshotName(*snapshot_index)
                                         : std::string("the start of the journal (no snapshot)");
  if (segments.empty()) {
    return Gap(dir, absl::StrCat(SegmentName(next), ", the journal after ", before_journal,
                                 ", is missing: any entries from ", next, " on are lost"));
  }
  // Segments are named by their first index, so sorted names are in order.
  size_t keep_bytes = 0;  // of the last segment: all but a torn tail
  for (size_t s = 0; s < segments.size(); ++s) {
    const bool last = s + 1 == segments.size();
    if (const uint64_t first = segments[s].first; first != next) {
      const std::string after =
          s == 0 ? before_journal
                 : absl::StrCat(segments[s - 1].second, " (which ends at entry ", next - 1, ")");
      return Gap(dir, first > next ? absl::StrCat(MissingEntries(next, first - 1), ": ", after,
                                                  " is followed by ", segments[s].second)
                                   : absl::StrCat(segments[s].second, " overlaps ", after));
    }
    const std::string path = absl::StrCat(dir, "/", segments[s].second);
    absl::StatusOr<std::string> data = ReadFile(path);
    if (!data.ok()) return data.status();
    size_t offset = 0;
    std::optional<size_t> last_frame;  // where this segment's last entry starts
    while (offset < data->size()) {
      absl::string_view rest = absl::string_view(*data).substr(offset);
      if (last && rest.find_first_not_of('\0') == absl::string_view::npos) {
        // Zeros to the end: a file extended but never written (a power
        // loss without --state_fsync on some file systems).
        stored->dropped_torn_tail = true;
        break;
      }
      absl::StatusOr<std::optional<Unframed>> frame = Unframe(rest);
      const bool frame_ends_at_eof =
          rest.size() >= kHeaderBytes && rest.size() - kHeaderBytes == GetU32(rest);
      if (!frame.ok() || !frame->has_value()) {
        // A crash mid-write leaves the last frame cut short (or, after a
        // power loss without --state_fsync, garbage up to the end).
        const bool torn = last && (frame.ok() || frame_ends_at_eof);
        if (!torn)
          return Corrupt(path, offset, frame.ok() ? "frame cut short" : frame.status().message());
        stored->dropped_torn_tail = true;
        break;
      }
      state::JournalEntry entry;
      if (!entry.ParseFromArray((*frame)->payload.data(),
                                static_cast<int>((*frame)->payload.size())) ||
          entry.index() == 0) {
        return Corrupt(path, offset, "not a journal entry");
      }
      if (entry.index() != next) {
        return Corrupt(path, offset,
                       absl::StrCat("entry ", entry.index(), " where ", next, " was expected"));
      }
      last_frame = offset;
      offset += (*frame)->used;
      ++next;
      self->journal_bytes_ += static_cast<int64_t>((*frame)->used);
      stored->entries.push_back(std::move(entry));
    }
    if (last) {
      keep_bytes = offset;
      if (last_frame) self->last_frame_ = Extent{*last_frame, offset - *last_frame};
    }
  }
  self->last_index_ = next - 1;
  // Only now that it is known to be whole may the directory change.
  if (absl::Status s = CheckSettings(dir, self->options_.settings); !s.ok()) return s;
  // Keep appending to the last segment, minus any torn tail.
  self->segment_path_ = absl::StrCat(dir, "/", segments.back().second);
  self->fd_ = ::open(self->segment_path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (self->fd_ < 0) return Errno("cannot open", self->segment_path_);
  if (::ftruncate(self->fd_, static_cast<off_t>(keep_bytes)) != 0) {
    return Errno("cannot truncate", self->segment_path_);
  }
  return self;
}

absl::Status StateDir::OpenSegment(uint64_t first_index) {
  const std::string path = absl::StrCat(options_.path, "/", SegmentName(first_index));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", path);
  if (absl::Status s = SyncDir(options_.path); !s.ok()) {
    ::close(fd);
    return s;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_path_ = path;
  return absl::OkStatus();
}

absl::Status StateDir::TruncateTo(off_t size) {
  if (::ftruncate(fd_, size) != 0) {
    // Bytes that should not be there may stay in front of the next entry.
    damaged_ = Errno("cannot truncate", segment_path_);
    return damaged_;
  }
  return absl::OkStatus();
}

absl::Status StateDir::Append(const state::JournalEntry& entry) {
  if (!damaged_.ok()) return damaged_;
  if (entry.index() != last_index_ + 1) {
    return absl::InternalError(
        absl::StrCat("journal entry ", entry.index(), " does not follow ", last_index_));
  }
  const std::string frame = Frame(entry.SerializeAsString());
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  if (before < 0) return Errno("cannot seek", segment_path_);
  absl::Status s = WriteAll(fd_, frame, segment_path_);
  if (s.ok() && options_.fsync && ::fdatasync(fd_) != 0) s = Errno("cannot sync", segment_path_);
  if (!s.ok()) {
    // Leave no partial (or unsynced) frame behind for the next one to follow.
    (void)TruncateTo(before);
    return s;
  }
  last_index_ = entry.index();
  journal_bytes_ += static_cast<int64_t>(frame.size());
  last_frame_ = Extent{static_cast<size_t>(before), frame.size()};
  return absl::OkStatus();
}

absl::Status StateDir::DropLastEntry() {
  if (!damaged_.ok()) return damaged_;
  if (!last_frame_) {
    return absl::InternalError(absl::StrCat("entry ", last_index_, " is not in ", segment_path_));
  }
  if (absl::Status s = TruncateTo(static_cast<off_t>(last_frame_->offset)); !s.ok()) return s;
  --last_index_;
  journal_bytes_ -= static_cast<int64_t>(last_frame_->size);
  last_frame_.reset();
  return absl::OkStatus();
}

absl::Status StateDir::ProbeAppend(size_t bytes) {
  if (!damaged_.ok()) return damaged_;
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) return Errno("cannot seek", segment_path_);
  // Zeros: should a crash keep them, they read as a torn tail and are dropped.
  absl::Status s = WriteAll(fd_, std::string(bytes, '\0'), segment_path_);
  if (absl::Status t = TruncateTo(end); !t.ok()) return t;
  return s;
}

absl::StatusOr<uint64_t> StateDir::BeginSnapshot() {
  // The segment that is about to stop being the last one must not lose a
  // tail later (after a power loss without --state_fsync): only the last
  // segment may be torn.
  if (!options_.fsync && ::fdatasync(fd_) != 0) return Errno("cannot sync", segment_path_);
  // (Reopened if it is already the segment after the last entry.)
  if (absl::Status s = OpenSegment(last_index_ + 1); !s.ok()) return s;
  journal_bytes_ = 0;
  last_frame_.reset();
  begun_index_ = last_index_;
  return last_index_;
}

absl::Status StateDir::CompleteSnapshot(const state::Snapshot& snapshot) {
  if (snapshot.last_index() != begun_index_) {
    return absl::InternalError(absl::StrCat("snapshot of entry ", snapshot.last_index(),
                                            " but the snapshot begun is of ", begun_index_.load()));
  }
  const std::string frame = Frame(DeterministicBytes(snapshot));
  const std::string name = SnapshotName(snapshot.last_index());
  if (absl::Status s = WriteFileAtomically(options_.path, name, frame); !s.ok()) return s;
  snapshot_bytes_ = static_cast<int64_t>(frame.size());
  // The snapshot is durable: what it covers may go. Appends go to a segment
  // that starts after it, which this leaves alone.
  absl::StatusOr<std::vector<std::string>> names = ListDir(options_.path);
  if (!names.ok()) return names.status();
  for (const std::string& old : *names) {
    auto snap = IndexOf(old, kSnapshotPrefix, kSnapshotSuffix);
    auto seg = IndexOf(old, kSegmentPrefix, kSegmentSuffix);
    if ((snap && *snap < snapshot.last_index()) || (seg && *seg <= snapshot.last_index())) {
      ::unlink(absl::StrCat(options_.path, "/", old).c_str());
    }
  }
  return absl::OkStatus();
}

absl::Status StateDir::WriteSnapshot(const state::Snapshot& snapshot) {
  if (snapshot.last_index() != last_index_) {
    return absl::InternalError(absl::StrCat("snapshot of entry ", snapshot.last_index(),
                                            " but the journal is at ", last_index_));
  }
  if (absl::StatusOr<uint64_t> begun = BeginSnapshot(); !begun.ok()) return begun.status();
  return CompleteSnapshot(snapshot);
}

}  // namespace awsfacade::backends::simulator
