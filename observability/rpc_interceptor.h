#ifndef AWSFACADE_OBSERVABILITY_RPC_INTERCEPTOR_H_
#define AWSFACADE_OBSERVABILITY_RPC_INTERCEPTOR_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "observability/json_log.h"
#include "observability/metrics.h"

namespace awsfacade::observability {

// The metadata key of the request id: read from the caller (when it is a
// plausible id) and sent back in the response's initial metadata.
inline constexpr char kRequestIdMetadataKey[] = "x-request-id";

// A caller-supplied request id is used as is when it has 1..128 characters
// from [A-Za-z0-9._:/+=-]; anything else is replaced by a fresh one.
bool IsAcceptableRequestId(absl::string_view id);
// 32 random lowercase hex digits.
std::string NewRequestId();

// What the per-RPC log line says about a finished call's status: the AWS
// error name (google.rpc.ErrorInfo.reason) and the AWS request id
// (ErrorInfo.metadata["awsRequestId"]) from grpc-status-details-bin. Never the
// status message, which may quote request data.
struct StatusFacts {
  std::string aws_error;
  std::string aws_request_id;
};
StatusFacts FactsOf(const grpc::Status& status);

// Sees every RPC the server handles (gRPC's experimental server
// interceptors, stable enough in 1.51 to be what OpenCensus used): gives it
// a request id, and when it ends records awsfacade_grpc_server_* metrics
// and logs one line ("rpc": method, code, duration, request id, AWS error,
// AWS request id) at info, or at debug for grpc.health and reflection, which
// probes call every few seconds. Either of `metrics` and `logger` may be null.
class RpcObservabilityFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RpcObservabilityFactory(std::shared_ptr<FacadeMetrics> metrics,
                          std::shared_ptr<JsonLogger> logger)
      : metrics_(std::move(metrics)), logger_(std::move(logger)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::shared_ptr<FacadeMetrics> metrics_;
  std::shared_ptr<JsonLogger> logger_;
};

}  // namespace awsfacade::observability

#endif  // AWSFACADE_OBSERVABILITY_RPC_INTERCEPTOR_H_
