#ifndef AWSFACADE_SERVICE_REACTORS_H_
#define AWSFACADE_SERVICE_REACTORS_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/call_context.h"
#include "backends/common/call_deadline.h"
#include "backends/common/call_delay.h"
#include "backends/operation_chain.h"
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

// One unary call, finished with its answer. `Call` is either
//  - blocking: absl::StatusOr<Response>(), run on the executor with the
//    caller's deadline visible to the backend (backends/common/call_deadline.h);
//  - asynchronous: void(const backends::CallContext&, backends::AsyncDone<Response>),
//    a backend's Async* form, started on the calling thread when
//    `start_inline` (the backend never blocks: asynchronous, so no executor
//    thread waits on it, or in memory like the simulators) and on the
//    executor otherwise (the backend's Async* runs its blocking form inline);
//  - in place: void(const backends::CallContext&, Response*, backends::OperationDone),
//    an operation chain's call, which writes gRPC's own response message on
//    success and then gives only the status; started as the asynchronous
//    form is.
// A call the backend delays (DelayedCallError) waits on a timer and runs
// again when due; meanwhile no thread is held, the client's cancellation
// finishes it at once, and a delay past the caller's deadline ends it with
// DEADLINE_EXCEEDED at the deadline, without running it.
template <typename Response, typename Call>
class UnaryCallReactor final : public grpc::ServerUnaryReactor {
 public:
  static constexpr bool kInPlace =
      std::is_invocable_v<Call&, const backends::CallContext&, Response*, backends::OperationDone>;
  static constexpr bool kAsync =
      kInPlace ||
      std::is_invocable_v<Call&, const backends::CallContext&, backends::AsyncDone<Response>>;

  UnaryCallReactor(const HandlerContext& handler, absl::Time deadline, Response* response,
                   Call call, bool start_inline = false)
      : executor_(handler.executor),
        wait_(handler.timers),
        domain_(handler.domain),
        deadline_(deadline),
        response_(response),
        call_(std::move(call)),
        start_inline_(start_inline) {}

  // Runs the call; `delayed`: this is its run after the wait.
  void Run(std::optional<backends::CallDelay> delayed = std::nullopt) {
    if constexpr (kAsync) {
      backends::CallContext context;
      context.deadline = deadline_;
      context.delayed = std::move(delayed);
      if (start_inline_) {
        Start(context);
        return;
      }
      executor_->Run([this, context = std::move(context)] { Start(context); });
    } else {
      executor_->Run([this, delayed = std::move(delayed)]() mutable {
        absl::StatusOr<Response> result;
        {
          backends::CallDeadlineScope deadline(deadline_);
          backends::DelayedCallScope rerun(std::move(delayed));
          result = call_();
        }
        Complete(std::move(result));
      });
    }
  }

  void OnCancel() override {
    if (wait_.Cancel())
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled while delayed"));
  }
  void OnDone() override { delete this; }

  // The end of an in-place call's run: the response is written when
  // `status` is OK; a delayed call waits and runs again. Also how a first
  // run made before this reactor existed hands its delay over.
  void CompleteInPlace(absl::Status status) {
    if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(status)) {
      Wait(*std::move(delay));
      return;
    }
    Finish(ToGrpcStatus(status, domain_));
  }

 private:
  void Start(const backends::CallContext& context) {
    if constexpr (kInPlace) {
      call_(context, response_,
            [this](absl::Status status) { CompleteInPlace(std::move(status)); });
    } else {
      call_(context, [this](absl::StatusOr<Response> result) { Complete(std::move(result)); });
    }
  }

  // On whichever thread the answer came (the executor's, or an asynchronous
  // backend's I/O thread): never blocks.
  void Complete(absl::StatusOr<Response> result) {
    if (std::optional<backends::CallDelay> delay = backends::DelayedCallOf(result.status())) {
      Wait(*std::move(delay));
      return;
    }
    if (result.ok()) *response_ = *std::move(result);
    Finish(ToGrpcStatus(result.status(), domain_));
  }

  void Wait(backends::CallDelay delay) {
    const bool past_deadline = delay.ready_at > deadline_;
    const bool armed =
        wait_.Arm(past_deadline ? deadline_ : delay.ready_at,
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
  const bool start_inline_;
};

// A call answered before any reactor of ours: gRPC's default reactor,
// finished with `status` (its OnDone runs inline).
inline grpc::ServerUnaryReactor* FinishedWith(grpc::CallbackServerContext* context,
                                              const absl::Status& status,
                                              const HandlerContext& handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status, handler.domain));
  return reactor;
}

// Serves a unary RPC: authorizes it, then runs `call` in a UnaryCallReactor.
// `call` returns absl::StatusOr<Response> (blocking, run on the executor), or
// is a backend's Async* form taking (CallContext, AsyncDone<Response>); then
// `start_inline` (the backend never blocks: !MayBlock()) starts it right
// here, on gRPC's thread, instead of on the executor.
template <typename Response, typename Call>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     const google::protobuf::Message& request, Response* response,
                                     const HandlerContext& handler, Call call,
                                     bool start_inline = false) {
  if (absl::Status allowed = Authorize(handler, *context, request); !allowed.ok()) {
    return FinishedWith(context, allowed, handler);
  }
  auto* reactor = new UnaryCallReactor<Response, Call>(handler, CallDeadline(*context), response,
                                                       std::move(call), start_inline);
  reactor->Run();
  return reactor;
}

// Serves a unary RPC through a backend's operation chain
// (backends/operation_chain.h), with gRPC's own request and response
// messages: `method` is the operation, `chain` a service's
// backends::ChainOf(backend) (the backend's own chain, or one over its typed
// methods). Started on gRPC's thread when the chain never blocks
// (!MayBlock(): asynchronous, or in memory like the simulators), on the
// executor otherwise. One function for every operation: the handlers are
// not a template each (reactors.cc).
grpc::ServerUnaryReactor* ServeChainUnary(grpc::CallbackServerContext* context,
                                          const google::protobuf::MethodDescriptor* method,
                                          const google::protobuf::Message* request,
                                          google::protobuf::Message* response,
                                          const HandlerContext& handler,
                                          const std::shared_ptr<backends::OperationInvoker>& chain);

// The unary handler of operation `Op` (request and response types in
// namespace `ns`), defined in a service class that has `chain_`
// (backends::ChainOf of its backend) and `handler_`: ServeChainUnary. A
// service's handlers are its operation list expanded
// (AWSFACADE_<SERVICE>_UNARY_RPCS(AWSFACADE_UNARY_HANDLER), generated from
// the proto into <stem>.rpcs.pb.h).
#define AWSFACADE_UNARY_HANDLER(ns, Op)                                                           \
  grpc::ServerUnaryReactor* Op(grpc::CallbackServerContext* context,                              \
                               const ns::Op##Request* request, ns::Op##Response* response)        \
      override {                                                                                  \
    return ::awsfacade::service::ServeChainUnary(                                                 \
        context, ::awsfacade::backends::MethodOf<ns::Op##Request>(), request, response, handler_, \
        chain_);                                                                                  \
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
      : executor_(handler.executor),
        wait_(handler.timers),
        domain_(handler.domain),
        next_(std::move(next)) {
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
