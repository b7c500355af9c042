#ifndef AWSFACADE_OBSERVABILITY_JSON_LOG_H_
#define AWSFACADE_OBSERVABILITY_JSON_LOG_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace awsfacade::observability {

// Appends `"key":"value"` (with a leading comma unless *out is empty), the
// value escaped for JSON. Bytes outside ASCII become '?': the callers log
// identifiers, never text.
void AppendJsonMember(std::string* out, absl::string_view key, absl::string_view value);
// Appends `"key":number`.
void AppendJsonMember(std::string* out, absl::string_view key, double number);

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// "debug" | "info" | "warning" | "error"; InvalidArgument otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);
absl::string_view LogLevelName(LogLevel level);

struct JsonLoggerOptions {
  LogLevel level = LogLevel::kInfo;
  int fd = 2;  // stderr
  // Lines waiting for the writer thread; past it new lines are dropped
  // (and counted) rather than blocking the caller.
  size_t max_queued_lines = 10000;
  // Called as lines are lost, with how many: by the caller whose line found
  // the queue full (at once, even while the writer is stuck on a blocked
  // stderr), or by the writer when stderr is closed or broken. Must be
  // cheap and thread-safe (a metric's counter).
  std::function<void(int64_t)> on_dropped;
  // Applied to every line on the writer thread, just before it is written
  // (the server passes backends::RedactCredentials): whatever a caller put
  // in a line, at any level, credentials never reach the log. Null: lines
  // are written as they are.
  std::function<std::string(absl::string_view)> redact;
};

// Structured logs: one JSON object per line,
//   {"ts":"2026-11-23T18:00:00.123456Z","level":"info","msg":"...", ...fields}
// A background thread does the writing, so a slow or full stderr (a pipe
// nobody reads) never blocks a gRPC thread: lines are dropped instead, and
// counted (dropped(), on_dropped) as they are.
// Callers decide what goes in a line; at info and above that must never be
// a credential or request/record data (see RpcLogFields), and
// JsonLoggerOptions::redact catches credentials that slip through anyway.
class JsonLogger {
 public:
  explicit JsonLogger(JsonLoggerOptions options = {});
  // Writes what is queued, then stops the writer.
  ~JsonLogger();

  bool Enabled(LogLevel level) const { return level >= options_.level; }
  // Queues one line (nothing when `level` is below the logger's level).
  // `fields` must be a JSON object (or null); "ts", "level" and "msg" win
  // over fields of the same name.
  void Log(LogLevel level, absl::string_view msg, nlohmann::json fields = nullptr);
  // Like Log, with the fields already rendered as JSON object members
  // (`"code":"OK","duration_ms":0.4`, no braces; see AppendJsonMember): the
  // per-RPC line's cheap path, no JSON tree built.
  void LogRendered(LogLevel level, absl::string_view msg, absl::string_view members);
  // An info line written whatever the level: the server's lifecycle
  // ("listening on port N", shutdown), which scripts wait for.
  void Announce(absl::string_view msg, nlohmann::json fields = nullptr);
  // Returns true once every line queued before the call is written, false
  // when `timeout` passes first (stderr not draining: a full pipe).
  bool Flush(absl::Duration timeout = absl::InfiniteDuration());
  int64_t dropped() const { return dropped_.load(); }

 private:
  void Enqueue(LogLevel level, absl::string_view msg, nlohmann::json fields);
  void Push(std::string line);
  void Dropped(int64_t lines);
  void WriterLoop();

  const JsonLoggerOptions options_;
  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  int64_t queued_total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t written_total_ ABSL_GUARDED_BY(mu_) = 0;  // written or given up on
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace awsfacade::observability

#endif  // AWSFACADE_OBSERVABILITY_JSON_LOG_H_
