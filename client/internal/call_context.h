#ifndef AWSFACADE_CLIENT_INTERNAL_CALL_CONTEXT_H_
#define AWSFACADE_CLIENT_INTERNAL_CALL_CONTEXT_H_

#include <optional>

#include "absl/time/time.h"
#include "client/options.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::client::internal {

// What a client call passes down the decorator stack without widening every
// connection method's signature (the google-cloud-cpp OptionsSpan idea): the
// merged per-client and per-call options, and the absolute deadline once the
// outermost decorator has fixed it.
struct CallState {
  CallOptions options;
  std::optional<absl::Time> deadline;
};

// The state installed by the innermost live CallStateSpan on this thread
// (empty when none).
const CallState& CurrentCallState();

// Installs `state` for the current thread until destroyed (then restores the
// previous one). Not movable: a scope guard.
class CallStateSpan {
 public:
  explicit CallStateSpan(CallState state);
  ~CallStateSpan();
  CallStateSpan(const CallStateSpan&) = delete;
  CallStateSpan& operator=(const CallStateSpan&) = delete;

 private:
  CallState previous_;
};

// `over` on top of `base`: set members of `over` win.
CallOptions MergeCallOptions(const CallOptions& base, const CallOptions& over);

// The retry policy in force: per call/client, else the connection's.
RetryPolicy EffectiveRetryPolicy(const ConnectionOptions& connection);

// The absolute deadline in force: the one fixed by an outer decorator, else
// now + the per-call/client timeout, else now + the connection's timeout for
// this kind of call.
absl::Time EffectiveDeadline(const ConnectionOptions& connection, bool streaming);

// Applies the deadline to a gRPC context (none for an infinite one).
void ConfigureContext(grpc::ClientContext& context, absl::Time deadline);

// Creates the channel for a connection (or returns options.channel).
std::shared_ptr<grpc::Channel> MakeChannel(const ConnectionOptions& options);

}  // namespace awsfacade::client::internal

#endif  // AWSFACADE_CLIENT_INTERNAL_CALL_CONTEXT_H_
