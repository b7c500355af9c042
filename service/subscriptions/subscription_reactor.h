#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_REACTOR_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_REACTOR_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "backends/common/call_delay.h"
#include "grpcpp/grpcpp.h"
#include "service/scheduler.h"
#include "service/subscriptions/registry.h"
#include "service/subscriptions/session.h"
#include "service/subscriptions/strand.h"

namespace awsfacade::service::subscriptions {

// The trailing-metadata key of a subscription's final continuation token.
inline constexpr char kTokenMetadataKey[] = "awsfacade-continuation-token";

// What reactors need from the engine. Owned by it; outlives every reactor.
struct ReactorEnvironment {
  StrandEnvironment strand;  // workers, timers, clock
  // Opens the session for `caller` (ResourceExhausted past a cap,
  // Unavailable after shutdown); every admitted session is Released once.
  std::function<absl::Status(std::shared_ptr<Stoppable> session, const std::string& caller)> admit;
  std::function<void(Stoppable* session)> release;
};

// gRPC's side of one subscription (SubscribeToShard / SubscribeToStream),
// served from a raw callback method: events are written as bytes
// (event_wire.h), so a records batch is not serialized again per
// subscriber.
//
// Owns: the call (until OnDone deletes it) and the session's start-up:
// admission, then the session's Start on a worker, again when a delayed
// backend call is due, when a call completes late, or after a short
// backoff on a transient error, without a worker waiting meanwhile.
// Guarantees: one write in flight (the session sends the next after
// OnWriteDone); Finish exactly once, whoever asks first (the session, a
// failed start, a cancel during a start wait); the final continuation token
// goes in the trailing metadata (kTokenMetadataKey); a session that was
// admitted is released exactly once, in OnDone; `delete this` only there.
class SubscriptionReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                                  public EventSink {
 public:
  // A transient error while a session starts is retried after these
  // (doubling), then returned to the client.
  static constexpr absl::Duration kStartRetryMin = absl::Milliseconds(5);
  static constexpr absl::Duration kStartRetryMax = absl::Milliseconds(500);

  SubscriptionReactor(grpc::CallbackServerContext* context, const ReactorEnvironment* env)
      : context_(context), env_(env), start_wait_(env->strand.scheduler) {}

  // Admits `session`, then runs `start` (the session's Start with the
  // request) until it succeeds or fails for good.
  void Begin(std::shared_ptr<SubscriptionSession> session,
             absl::AnyInvocable<absl::Status()> start);

  // EventSink.
  void Write(const grpc::ByteBuffer& event) override { StartWrite(&event); }
  void Finish(grpc::Status status, const std::string& final_token) override;

  // grpc::ServerWriteReactor.
  void OnWriteDone(bool ok) override { session_->OnWriteDone(ok); }
  void OnCancel() override;
  void OnDone() override;

 private:
  void RunStart(std::optional<backends::CallDelay> delayed, absl::Duration retry = kStartRetryMin);
  // After one run of `start_`: done, again later, or finished.
  void AfterStart(const absl::Status& status, absl::Duration retry);
  void FinishDirect(grpc::Status status);

  grpc::CallbackServerContext* const context_;
  const ReactorEnvironment* const env_;
  std::shared_ptr<SubscriptionSession> session_;
  absl::AnyInvocable<absl::Status()> start_;
  CancellableTimer start_wait_;
  bool admitted_ = true;
  std::atomic<bool> finished_{false};
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_REACTOR_H_
