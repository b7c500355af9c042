#ifndef AWSFACADE_SERVICE_REACTORS_H_
#define AWSFACADE_SERVICE_REACTORS_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/call_deadline.h"
#include "grpcpp/grpcpp.h"
#include "service/authorizer.h"
#include "service/executor.h"
#include "service/status_conversion.h"

namespace awsfacade::service {

// What every handler of one AWS service shares: where backend calls run and
// the ErrorInfo domain (the service's endpoint prefix).
struct HandlerContext {
  Executor* executor;
  std::string domain;
  // Optional authorization (--authz_policy_file); nullptr: every call allowed.
  const Authorizer* authz = nullptr;
};

// OK when no authorizer is set or it allows the call.
inline absl::Status Authorize(const HandlerContext& handler, const grpc::ServerContextBase& context,
                              const google::protobuf::Message& request) {
  return handler.authz == nullptr ? absl::OkStatus() : handler.authz->Check(context, request);
}

// Serves a unary RPC: runs `call` (returning absl::StatusOr<Response>) on the
// executor, with the caller's deadline visible to the backend
// (backends/common/call_deadline.h), then finishes with the response or the
// converted error.
template <typename Response, typename Call>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     const google::protobuf::Message& request, Response* response,
                                     const HandlerContext& handler, Call call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status allowed = Authorize(handler, *context, request); !allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed, handler.domain));
    return reactor;
  }
  const absl::Time deadline = context->deadline() == std::chrono::system_clock::time_point::max()
                                  ? absl::InfiniteFuture()
                                  : absl::FromChrono(context->deadline());
  handler.executor->Run(
      [reactor, response, deadline, call = std::move(call), domain = handler.domain]() mutable {
        backends::CallDeadlineScope scope(deadline);
        absl::StatusOr<Response> result = call();
        if (result.ok()) *response = *std::move(result);
        reactor->Finish(ToGrpcStatus(result.status(), domain));
      });
  return reactor;
}

// A server stream of pages. `next` yields the next page, std::nullopt when
// the run is over, or an error; it runs on the executor, one call at a time,
// and the next call starts only after the previous page was written (so a
// slow reader slows the producer: gRPC flow control, one write in flight).
template <typename Page>
class PageStreamReactor final : public grpc::ServerWriteReactor<Page> {
 public:
  using NextFn = absl::AnyInvocable<absl::StatusOr<std::optional<Page>>()>;

  PageStreamReactor(const HandlerContext& handler, NextFn next)
      : executor_(handler.executor), domain_(handler.domain), next_(std::move(next)) {
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
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

  void OnDone() override { delete this; }

 private:
  void Fetch() {
    executor_->Run([this] {
      {
        absl::MutexLock lock(&mu_);
        if (cancelled_) {
          this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
          return;
        }
      }
      absl::StatusOr<std::optional<Page>> page = next_();
      if (!page.ok()) {
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
