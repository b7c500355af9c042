#include "backends/common/call_delay.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "backends/common/aws_error.h"

namespace awsfacade::backends {
namespace {

constexpr char kDelayedCallUrl[] = "type.awsfacade.dev/delayed-call";

thread_local const CallDelay* current_delay = nullptr;
thread_local bool current_taken = false;

}  // namespace

absl::Status DelayedCallError(const CallDelay& delay, absl::Time now) {
  absl::Status status = absl::UnavailableError(absl::StrCat(
      delay.service, ".", delay.operation, " is delayed by an injected latency fault"));
  // "service\noperation\nready_at in Unix nanoseconds": names never hold a newline.
  status.SetPayload(kDelayedCallUrl,
                    absl::Cord(absl::StrCat(delay.service, "\n", delay.operation, "\n",
                                            absl::ToUnixNanos(delay.ready_at))));
  SetRetryDelay(status, std::max(delay.ready_at - now, absl::ZeroDuration()));
  return status;
}

std::optional<CallDelay> DelayedCallOf(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnavailable) return std::nullopt;
  auto payload = status.GetPayload(kDelayedCallUrl);
  if (!payload) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), '\n');
  int64_t nanos = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &nanos)) return std::nullopt;
  return CallDelay{std::move(parts[0]), std::move(parts[1]), absl::FromUnixNanos(nanos)};
}

DelayedCallScope::DelayedCallScope(std::optional<CallDelay> delay)
    : delay_(std::move(delay)), previous_(current_delay), previous_taken_(current_taken) {
  if (delay_) {
    current_delay = &*delay_;
    current_taken = false;
  }
}

DelayedCallScope::~DelayedCallScope() {
  if (!delay_) return;  // an empty scope changed nothing
  current_delay = previous_;
  current_taken = previous_taken_;
}

bool DelayedCallScope::taken() const { return delay_.has_value() && current_taken; }

std::optional<absl::Time> TakeDelayedCall(absl::string_view service, absl::string_view operation) {
  if (current_delay == nullptr || current_taken || current_delay->service != service ||
      current_delay->operation != operation) {
    return std::nullopt;
  }
  current_taken = true;
  return current_delay->ready_at;
}

}  // namespace awsfacade::backends
