#ifndef AWSFACADE_BACKENDS_COMMON_CALL_CONTEXT_H_
#define AWSFACADE_BACKENDS_COMMON_CALL_CONTEXT_H_

#include <optional>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "backends/common/call_delay.h"

namespace awsfacade::backends {

// What a caller tells an asynchronous backend call, explicitly rather than
// through thread-locals (the call may finish on another thread, and the
// thread that started it goes on with other work).
struct CallContext {
  // The call never works past it (the gRPC caller's deadline, or a
  // subscription's own bound). InfiniteFuture: the backend's own timeout.
  absl::Time deadline = absl::InfiniteFuture();
  // False: one attempt, no backend retries. The subscription engine rides
  // out throttling and transient errors on its own schedule, so retries
  // happen at exactly one layer.
  bool may_retry = true;
  // This call is the run, after the wait, of a call a latency fault delayed
  // (backends/common/call_delay.h).
  std::optional<CallDelay> delayed;
};

// Completion of an asynchronous backend call. Called exactly once, either
// before the call that was given it returns (on the calling thread) or
// later on a backend thread. It must not block, and the caller must not
// hold a lock the callback takes while it starts the call.
template <typename Response>
using AsyncDone = absl::AnyInvocable<void(absl::StatusOr<Response>) &&>;

// Runs a blocking backend method with the thread-local scopes `context`
// describes (for backends whose calls do not block on I/O: the
// simulator and its decorators), then completes `done` on this thread.
class CallContextScope {
 public:
  explicit CallContextScope(const CallContext& context);
  ~CallContextScope();
  CallContextScope(const CallContextScope&) = delete;
  CallContextScope& operator=(const CallContextScope&) = delete;
  // Whether the call took `context.delayed`.
  bool delay_taken() const;

 private:
  struct Scopes;
  Scopes* scopes_;
};

// The default asynchronous form of a blocking backend method: runs `call`
// under the scopes `context` describes, then completes `done` on this
// thread.
template <typename Response, typename Call>
void RunBlockingInline(const CallContext& context, Call&& call, AsyncDone<Response> done) {
  absl::StatusOr<Response> result = [&] {
    const CallContextScope scope(context);
    return call();
  }();
  std::move(done)(std::move(result));
}

}  // namespace awsfacade::backends

// Inside a backend interface: declares Async<Op>, the asynchronous form of
// its blocking method <Op> (request and response types in namespace `ns`),
// with RunBlockingInline as the default. A backend that does I/O overrides
// it (and IsAsynchronous); a decorator forwards it to its child.
#define AWSFACADE_ASYNC_FORM(ns, Op)                                                \
  virtual void Async##Op(const ::awsfacade::backends::CallContext& context,         \
                         ns::Op##Request request,                                   \
                         ::awsfacade::backends::AsyncDone<ns::Op##Response> done) { \
    ::awsfacade::backends::RunBlockingInline<ns::Op##Response>(                     \
        context, [&] { return Op(request); }, std::move(done));                     \
  }

#endif  // AWSFACADE_BACKENDS_COMMON_CALL_CONTEXT_H_
