#include "client/internal/call_context.h"

#include <utility>

namespace awsfacade::client::internal {
namespace {
CallState& ThreadCallState() {
  thread_local CallState state;
  return state;
}
}  // namespace

const CallState& CurrentCallState() { return ThreadCallState(); }

CallStateSpan::CallStateSpan(CallState state)
    : previous_(std::exchange(ThreadCallState(), std::move(state))) {}

CallStateSpan::~CallStateSpan() { ThreadCallState() = std::move(previous_); }

CallOptions MergeCallOptions(const CallOptions& base, const CallOptions& over) {
  CallOptions merged = base;
  if (over.timeout) merged.timeout = over.timeout;
  if (over.retry_policy) merged.retry_policy = over.retry_policy;
  return merged;
}

RetryPolicy EffectiveRetryPolicy(const ConnectionOptions& connection) {
  const auto& current = CurrentCallState().options.retry_policy;
  return current ? *current : connection.retry_policy;
}

absl::Time EffectiveDeadline(const ConnectionOptions& connection, bool streaming) {
  const CallState& state = CurrentCallState();
  if (state.deadline) return *state.deadline;
  absl::Duration timeout =
      state.options.timeout.value_or(streaming ? connection.stream_timeout : connection.timeout);
  return timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + timeout;
}

void ConfigureContext(grpc::ClientContext& context, absl::Time deadline) {
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
}

std::shared_ptr<grpc::Channel> MakeChannel(const ConnectionOptions& options) {
  if (options.channel) return options.channel;
  auto credentials = options.credentials ? options.credentials : grpc::InsecureChannelCredentials();
  return grpc::CreateChannel(options.endpoint, credentials);
}

}  // namespace awsfacade::client::internal
