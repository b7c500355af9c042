#ifndef AWSFACADE_CLIENT_INTERNAL_RETRY_H_
#define AWSFACADE_CLIENT_INTERNAL_RETRY_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/internal/call_context.h"
#include "client/options.h"
#include "client/status.h"
#include "client/stream_range.h"

namespace awsfacade::client::internal {

// True when `policy` allows another attempt after `status`.
bool IsRetryable(const RetryPolicy& policy, const absl::Status& status);

// The wait before the attempt after `failures` consecutive failures: the
// server's RetryInfo delay if `status` has one, else the policy's backoff.
absl::Duration BackoffDelay(const RetryPolicy& policy, int failures, const absl::Status& status);

// Sleeps `delay` unless that would pass `deadline`; false = no time left.
bool SleepBefore(absl::Duration delay, absl::Time deadline);

// Runs `attempt` until it succeeds, fails with a code the policy does not
// retry, runs out of attempts, or the next attempt would start after the
// deadline. Every attempt sees the same absolute deadline.
template <typename T>
absl::StatusOr<T> RetryLoop(const ConnectionOptions& options,
                            const std::function<absl::StatusOr<T>()>& attempt) {
  const RetryPolicy policy = EffectiveRetryPolicy(options);
  CallState state = CurrentCallState();
  state.deadline = EffectiveDeadline(options, /*streaming=*/false);
  CallStateSpan span(state);
  for (int failures = 1;; ++failures) {
    absl::StatusOr<T> result = attempt();
    if (result.ok() || !IsRetryable(policy, result.status()) || failures >= policy.max_attempts)
      return result;
    if (!SleepBefore(BackoffDelay(policy, failures, result.status()), *state.deadline))
      return result;
  }
}

// The continuation token an event of SubscribeToShard/SubscribeToStream
// carries (every event kind has one).
template <typename Event>
std::string EventContinuationToken(const Event& event) {
  switch (event.event_case()) {
    case Event::kRecords:
      return event.records().continuation_token();
    case Event::kHeartbeat:
      return event.heartbeat().continuation_token();
    case Event::kShardEnd:
      return event.shard_end().continuation_token();
    default:
      return "";
  }
}

// A subscription that survives disconnects: when the call fails with a code
// the retry policy allows (UNAVAILABLE when the server restarts or the
// connection drops), it starts again from the last continuation token (the
// failed call's final token from its trailers, else the last event's), so no
// record is lost or delivered twice. Consecutive failures without an event
// count against max_attempts; any event resets the count.
template <typename Request, typename Event>
StreamRange<Event> ResumingSubscription(const ConnectionOptions& options, Request request,
                                        std::function<StreamRange<Event>(const Request&)> start) {
  struct State {
    Request request;
    std::function<StreamRange<Event>(const Request&)> start;
    std::unique_ptr<StreamRange<Event>> call;
    std::string token;
    int failures = 0;
    RetryPolicy policy;
    CallState call_state;
  };
  auto state = std::make_shared<State>();
  state->request = std::move(request);
  state->start = std::move(start);
  state->policy = EffectiveRetryPolicy(options);
  state->call_state = CurrentCallState();
  state->call_state.deadline = EffectiveDeadline(options, /*streaming=*/true);
  return StreamRange<Event>([state]() -> absl::variant<absl::Status, Event> {
    CallStateSpan span(state->call_state);
    for (;;) {
      if (!state->call)
        state->call = std::make_unique<StreamRange<Event>>(state->start(state->request));
      auto next = StreamRangeAccess::Read(*state->call);
      if (auto* event = absl::get_if<Event>(&next)) {
        std::string token = EventContinuationToken(*event);
        if (!token.empty()) state->token = std::move(token);
        state->failures = 0;
        return std::move(*event);
      }
      absl::Status status = absl::get<absl::Status>(std::move(next));
      state->call.reset();
      // This range cancels a call only by being destroyed, so a CANCELLED
      // read here came from the other side: a server that is stopping
      // cancels the calls that reach it meanwhile. To a subscription that is
      // the same as UNAVAILABLE.
      const absl::Status as_seen = status.code() == absl::StatusCode::kCancelled
                                       ? absl::UnavailableError(status.message())
                                       : status;
      if (status.ok() || !IsRetryable(state->policy, as_seen) ||
          ++state->failures >= state->policy.max_attempts) {
        return status;
      }
      if (auto final_token = ContinuationToken(status); final_token && !final_token->empty()) {
        state->token = *final_token;
      }
      if (!state->token.empty()) {
        auto* position = state->request.mutable_starting_position();
        position->Clear();
        position->set_type("CONTINUATION");
        position->set_continuation_token(state->token);
      }
      if (!SleepBefore(BackoffDelay(state->policy, state->failures, status),
                       *state->call_state.deadline)) {
        return status;
      }
    }
  });
}

}  // namespace awsfacade::client::internal

#endif  // AWSFACADE_CLIENT_INTERNAL_RETRY_H_
