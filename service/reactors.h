#ifndef AWSFACADE_SERVICE_REACTORS_H_
#define AWSFACADE_SERVICE_REACTORS_H_

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/call_deadline.h"
#include "backends/common/call_delay.h"
#include "grpcpp/grpcpp.h"
#include "service/authorizer.h"
#include "service/executor.h"
#include "service/scheduler.h"
#include "service/status_conversion.h"

namespace awsfacade::service {

// What every handler of one AWS service shares: where backend calls run,
// the timers delayed calls wait on, and the ErrorInfo domain (the service's
// endpoint prefix).
struct HandlerContext {
  Executor* executor;
  // A backend call that asks to run later (backends/common/call_delay.h:
  // the simulator's latency faults) waits here, holding no thread.
  Scheduler* timers;
  std::string domain;
  // Optional authorization (--authz_policy_file); nullptr: every call allowed.
  const Authorizer* authz = nullptr;
};

// OK when no authorizer is set or it allows the call.
inline absl::Status Authorize(const HandlerContext& handler, const grpc::ServerContextBase& context,
                              const google::protobuf::Message& request) {
  return handler.authz == nullptr ? absl::OkStatus() : handler.authz->Check(context, request);
}

// The deadline of `context`'s call; absl::InfiniteFuture() when none.
inline absl::Time CallDeadline(const grpc::CallbackServerContext& context) {
  return context.deadline() == std::chrono::system_clock::time_point::max()
             ? absl::InfiniteFuture()
             : absl::FromChrono(context.deadline());
}

// One unary call: runs `call` on the executor with the caller's deadline
// visible to the backend (backends/common/call_deadline.h) and finishes
// with its answer. A call the backend delays (DelayedCallError) waits on a
// timer and runs again when due; meanwhile no thread is held, the client's
// cancellation finishes it at once, and a delay past the caller's deadline
// ends it with DEADLINE_EXCEEDED at the deadline, without running it.
template <typename Response, typename Call>
class UnaryCallReactor final : public grpc::ServerUnaryReactor {
 public:
  UnaryCallReactor(const HandlerContext& handler, absl::Time deadline, Response* response, Call call)
      : executor_(handler.executor),
        wait_(handler.timers),
        domain_(handler.domain),
        deadline_(deadline),
        response_(response),
        call_(std::move(call)) {}

  // Runs the call; `delayed`: this is its run after the wait.
  void Run(std::optional<backends::CallDelay> delayed = std::nullopt) {
    executor_->Run([this, delayed = std::move(delayed)]() mutable {
      absl::StatusOr<Response> result;
      {
        backends::CallDeadlineScope deadline(deadline_);
        backends::DelayedCallScope rerun(std::move(delayed));
        result = call_();
      }
      if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(result.status())) {
        Wait(*std::move(delay));
        return;
      }
      if (result.ok()) *response_ = *std::move(result);
      Finish(ToGrpcStatus(result.status(), domain_));
    });
  }

  void OnCancel() override {
    if (wait_.Cancel()) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled while delayed"));
  }
  void OnDone() override { delete this; }

 private:
  void Wait(backends::CallDelay delay) {
    const bool past_deadline = delay.ready_at > deadline_;
    const bool armed = wait_.Arm(past_deadline ? deadline_ : delay.ready_at,
                                 [this, past_deadline, delay = std::move(delay)] {
                                   if (!past_deadline) {
                                     Run(delay);
                                     return;
                                   }
                                   Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                                       "deadline exceeded while the call was delayed"));
                                 });
    if (!armed) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
  }

  Executor* const executor_;
  CancellableTimer wait_;
  const std::string domain_;
  const absl::Time deadline_;
  Response* const response_;
  Call call_;
};

// Serves a unary RPC: authorizes it, then runs `call` (returning
// absl::StatusOr<Response>) in a UnaryCallReactor.
template <typename Response, typename Call>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     const google::protobuf::Message& request, Response* response,
                                     const HandlerContext& handler, Call call) {
  if (absl::Status allowed = Authorize(handler, *context, request); !allowed.ok()) {
    grpc::ServerUnaryReactor* refused = context->DefaultReactor();
    refused->Finish(ToGrpcStatus(allowed, handler.domain));
    return refused;
  }
  auto* reactor = new UnaryCallReactor<Response, Call>(handler, CallDeadline(*context), response,
                                                       std::move(call));
  reactor->Run();
  return reactor;
}

// A server stream of pages. `next` yields the next page, std::nullopt when
// the run is over, or an error; it runs on the executor, one call at a time,
// and the next call starts only after the previous page was written (so a
// slow reader slows the producer: gRPC flow control, one write in flight).
// An error leaves `next`'s state as it was: a page whose backend call was
// delayed (backends/common/call_delay.h) is asked for again when due, on a
// timer, holding no thread meanwhile.
template <typename Page>
class PageStreamReactor final : public grpc::ServerWriteReactor<Page> {
 public:
  using NextFn = absl::AnyInvocable<absl::StatusOr<std::optional<Page>>()>;

  PageStreamReactor(const HandlerContext& handler, NextFn next)
      : executor_(handler.executor), wait_(handler.timers), domain_(handler.domain), next_(std::move(next)) {
    Fetch();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
      return;
    }
    Fetch();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
    }
    if (wait_.Cancel()) this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
  }

  void OnDone() override { delete this; }

 private:
  void Fetch(std::optional<backends::CallDelay> delayed = std::nullopt) {
    executor_->Run([this, delayed = std::move(delayed)]() mutable {
      {
        absl::MutexLock lock(&mu_);
        if (cancelled_) {
          this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
          return;
        }
      }
      absl::StatusOr<std::optional<Page>> page;
      {
        backends::DelayedCallScope rerun(std::move(delayed));
        page = next_();
      }
      if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(page.status())) {
        if (!wait_.Arm(delay->ready_at, [this, delay = *delay] { Fetch(delay); })) {
          this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
        }
      } else if (!page.ok()) {
        this->Finish(ToGrpcStatus(page.status(), domain_));
      } else if (!page->has_value()) {
        this->Finish(grpc::Status::OK);
      } else {
        page_ = std::move(**page);
        this->StartWrite(&page_);
      }
    });
  }

  Executor* executor_;
  CancellableTimer wait_;
  std::string domain_;
  NextFn next_;
  Page page_;
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// A server stream that ends at once with `status` (e.g. an authorization
// refusal), before anything is written.
template <typename Message>
class RefusedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  explicit RefusedStream(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_REACTORS_H_
