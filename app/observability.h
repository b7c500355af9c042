#ifndef AWSFACADE_APP_OBSERVABILITY_H_
#define AWSFACADE_APP_OBSERVABILITY_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "observability/json_log.h"
#include "observability/metrics.h"

namespace awsfacade::service {
struct SubscriptionEngineOptions;
}  // namespace awsfacade::service

namespace awsfacade::app {

struct BackendOptions;

// Where the server reports: either may be null (then nothing is recorded
// or logged). main.cc creates them; the server and the backends only call
// the observer interfaces adapted below.
struct ObservabilityOptions {
  std::shared_ptr<observability::FacadeMetrics> metrics;
  std::shared_ptr<observability::JsonLogger> logger;
};

// The `outcome` label of awsfacade_backend_calls_total: "ok", "throttled"
// (an AWS throttling error), "client_error" (the request was refused:
// invalid, missing, conflicting, not allowed) or "server_error" (the backend
// failed: unavailable, internal, timed out).
absl::string_view BackendOutcome(const absl::Status& status);

// Points the backends' and the subscription engine's observer hooks at
// `observability.metrics` (nothing when it is null).
void ObserveBackends(const ObservabilityOptions& observability, BackendOptions& backends,
                     service::SubscriptionEngineOptions& subscriptions);

// The gRPC server interceptors: per-RPC metrics, request ids and the
// per-RPC log line. Empty when both are null.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> RpcInterceptors(
    const ObservabilityOptions& observability);

// Sends gRPC's own log lines (gpr_log: errors only, unless GRPC_VERBOSITY
// says otherwise) and protobuf's (e.g. a request string with invalid UTF-8)
// through `logger`, as JSON lines with "source":"grpc" or "protobuf", so
// that nothing on stderr is plain text. For the process's lifetime: the
// logger is kept alive for gRPC threads that log late.
void RouteLibraryLogs(std::shared_ptr<observability::JsonLogger> logger);

}  // namespace awsfacade::app

#endif  // AWSFACADE_APP_OBSERVABILITY_H_
