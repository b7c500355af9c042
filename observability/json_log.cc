#include "observability/json_log.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace awsfacade::observability {
namespace {
constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";

// Writes `data` and returns how many bytes went out: all of them, unless
// `fd` is closed or broken.
size_t WriteAll(int fd, absl::string_view data) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking stderr: wait as for a blocking one (this thread is
      // there to wait; the queue keeps callers from waiting).
      pollfd ready{fd, POLLOUT, 0};
      if (poll(&ready, 1, -1) < 0 && errno != EINTR) break;
      continue;
    }
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  return written;
}
}  // namespace

namespace {
void AppendJsonString(std::string* out, absl::string_view value) {
  out->push_back('"');
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (byte < 0x20) {
      absl::StrAppend(out, "\\u", absl::Hex(byte, absl::kZeroPad4));
    } else if (byte >= 0x80) {
      out->push_back('?');
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}
}  // namespace

void AppendJsonMember(std::string* out, absl::string_view key, absl::string_view value) {
  if (!out->empty()) out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
  AppendJsonString(out, value);
}

void AppendJsonMember(std::string* out, absl::string_view key, double number) {
  if (!out->empty()) out->push_back(',');
  AppendJsonString(out, key);
  absl::StrAppend(out, ":", number);
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level '", name, "': expected debug, info, warning or error"));
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

JsonLogger::JsonLogger(JsonLoggerOptions options)
    : options_(std::move(options)), writer_([this] { WriterLoop(); }) {}

JsonLogger::~JsonLogger() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

void JsonLogger::Log(LogLevel level, absl::string_view msg, nlohmann::json fields) {
  if (Enabled(level)) Enqueue(level, msg, std::move(fields));
}

void JsonLogger::Announce(absl::string_view msg, nlohmann::json fields) {
  Enqueue(LogLevel::kInfo, msg, std::move(fields));
}

void JsonLogger::LogRendered(LogLevel level, absl::string_view msg, absl::string_view members) {
  if (!Enabled(level)) return;
  std::string text;
  AppendJsonMember(&text, "ts", absl::FormatTime(kTimeFormat, absl::Now(), absl::UTCTimeZone()));
  AppendJsonMember(&text, "level", LogLevelName(level));
  AppendJsonMember(&text, "msg", msg);
  text = absl::StrCat("{", text, members.empty() ? "" : ",", members, "}\n");
  Push(std::move(text));
}

void JsonLogger::Enqueue(LogLevel level, absl::string_view msg, nlohmann::json fields) {
  // Ordered, so every line starts with ts, level and msg.
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  line["ts"] = absl::FormatTime(kTimeFormat, absl::Now(), absl::UTCTimeZone());
  line["level"] = LogLevelName(level);
  line["msg"] = msg;
  if (fields.is_object()) {
    for (auto& [key, value] : fields.items()) {
      if (!line.contains(key)) line[key] = std::move(value);
    }
  }
  // Invalid UTF-8 (e.g. a caller-supplied id) is replaced, never thrown on.
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  text.push_back('\n');
  Push(std::move(text));
}

void JsonLogger::Push(std::string text) {
  {
    absl::MutexLock lock(&mu_);
    if (queue_.size() < options_.max_queued_lines) {
      queue_.push_back(std::move(text));
      ++queued_total_;
      return;
    }
  }
  // Counted now, not when the writer next gets to it: while stderr blocks,
  // the writer is stuck in write().
  Dropped(1);
}

void JsonLogger::Dropped(int64_t lines) {
  dropped_.fetch_add(lines);
  if (options_.on_dropped) options_.on_dropped(lines);
}

bool JsonLogger::Flush(absl::Duration timeout) {
  struct Target {
    const int64_t* written;
    int64_t wanted;
  };
  absl::MutexLock lock(&mu_);
  Target target{&written_total_, queued_total_};
  return mu_.AwaitWithTimeout(absl::Condition(
                                  +[](Target* t) { return *t->written >= t->wanted; }, &target),
                              timeout);
}

void JsonLogger::WriterLoop() {
  while (true) {
    std::deque<std::string> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](JsonLogger* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return !self->queue_.empty() || self->stopping_;
          },
          this));
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    std::string out;
    std::vector<size_t> ends;  // where each line ends in `out`
    ends.reserve(batch.size());
    for (const std::string& text : batch) {
      out += options_.redact ? options_.redact(text) : text;
      ends.push_back(out.size());
    }
    const size_t written = WriteAll(options_.fd, out);
    if (written < out.size()) {
      // stderr is closed or broken: every line not wholly written is lost.
      const int64_t lost =
          std::count_if(ends.begin(), ends.end(), [written](size_t end) { return end > written; });
      Dropped(lost);
    }
    absl::MutexLock lock(&mu_);
    written_total_ += static_cast<int64_t>(batch.size());
  }
}

}  // namespace awsfacade::observability
