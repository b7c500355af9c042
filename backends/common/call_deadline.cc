#include "backends/common/call_deadline.h"

namespace awsfacade::backends {
namespace {
thread_local absl::Time current_deadline = absl::InfiniteFuture();
}  // namespace

absl::Time CurrentCallDeadline() { return current_deadline; }

CallDeadlineScope::CallDeadlineScope(absl::Time deadline) : previous_(current_deadline) {
  current_deadline = deadline;
}

CallDeadlineScope::~CallDeadlineScope() { current_deadline = previous_; }

}  // namespace awsfacade::backends
