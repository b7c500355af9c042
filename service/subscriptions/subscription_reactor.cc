#include "service/subscriptions/subscription_reactor.h"

#include <utility>

#include "service/caller_identity.h"
#include "service/status_conversion.h"
#include "service/subscriptions/transient_errors.h"

namespace awsfacade::service::subscriptions {

void SubscriptionReactor::Begin(std::shared_ptr<SubscriptionSession> session,
                                absl::AnyInvocable<absl::Status()> start) {
  session_ = std::move(session);
  session_->Attach(this);
  if (absl::Status admitted = env_->admit(session_, CallerIdentity(*context_)); !admitted.ok()) {
    admitted_ = false;
    FinishDirect(grpc::Status(static_cast<grpc::StatusCode>(admitted.code()),
                              std::string(admitted.message())));
    return;
  }
  start_ = std::move(start);
  session_->SetResumeStart([this] { RunStart(std::nullopt); });
  RunStart(std::nullopt);
}

void SubscriptionReactor::Finish(grpc::Status status, const std::string& final_token) {
  if (finished_.exchange(true)) return;
  if (!final_token.empty()) context_->AddTrailingMetadata(kTokenMetadataKey, final_token);
  grpc::ServerWriteReactor<grpc::ByteBuffer>::Finish(std::move(status));
}

void SubscriptionReactor::OnCancel() {
  session_->Cancel();
  if (start_wait_.Cancel()) {
    FinishDirect(grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled"));
  }
}

void SubscriptionReactor::OnDone() {
  session_->Detached();
  if (admitted_) env_->release(session_.get());
  delete this;
}

// Runs `start_` on a worker; when it meets a delayed backend call, again
// once that is due, from a timer; when a call completes late, again from
// its completion; a transient error, again after a short backoff. No
// worker waits meanwhile.
void SubscriptionReactor::RunStart(std::optional<backends::CallDelay> delayed,
                                   absl::Duration retry) {
  env_->strand.executor->Run([this, delayed = std::move(delayed), retry]() mutable {
    session_->SetDelayedCall(std::move(delayed));
    absl::Status status = start_();
    AfterStart(status, retry);
  });
}

void SubscriptionReactor::AfterStart(const absl::Status& status, absl::Duration retry) {
  if (IsCallPending(status)) return;  // the completion runs Start again
  std::optional<absl::Time> again_at;
  std::optional<backends::CallDelay> delay = backends::DelayedCallOf(status);
  if (delay) {
    again_at = delay->ready_at;
  } else if (IsTransient(status) && retry < kStartRetryMax) {
    // Throttling at the start must not fail the subscription at once.
    again_at = env_->strand.clock->Now() + retry;
  }
  if (again_at) {
    if (!start_wait_.Arm(*again_at,
                         [this, delay, retry] { RunStart(delay, delay ? retry : retry * 2); })) {
      FinishDirect(grpc::Status(grpc::StatusCode::CANCELLED, "subscription cancelled"));
    }
    return;
  }
  if (!status.ok()) {
    FinishDirect(ToGrpcStatus(status, kStreamsErrorDomain));
    return;
  }
  // Started: the request (captured by start_) is not needed again, and an
  // idle subscription should not keep it.
  start_ = nullptr;
  session_->Started();
}

void SubscriptionReactor::FinishDirect(grpc::Status status) {
  if (finished_.exchange(true)) return;
  grpc::ServerWriteReactor<grpc::ByteBuffer>::Finish(std::move(status));
}

}  // namespace awsfacade::service::subscriptions
