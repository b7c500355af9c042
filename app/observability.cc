#include "app/observability.h"

#include <atomic>
#include <utility>

#include "app/backend_factory.h"
#include "backends/aws/aws_backends.h"
#include "backends/common/aws_error.h"
#include "backends/instrumented_backends.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "observability/rpc_interceptor.h"
#include "service/subscription_engine.h"

namespace awsfacade::app {
namespace {

// One adapter from the three observer interfaces to FacadeMetrics.
class MetricsObserver final : public backends::BackendCallObserver,
                              public backends::aws::AwsRetryObserver,
                              public service::SubscriptionObserver {
 public:
  explicit MetricsObserver(std::shared_ptr<observability::FacadeMetrics> metrics)
      : metrics_(std::move(metrics)) {}

  void OnBackendCall(absl::string_view service, absl::string_view operation,
                     absl::string_view backend, const absl::Status& status,
                     absl::Duration duration) override {
    metrics_->BackendCall(service, operation, backend, BackendOutcome(status), duration);
  }
  void OnThrottled(absl::string_view service, absl::string_view operation) override {
    metrics_->AwsThrottle(service, operation);
  }
  void OnRetry(absl::string_view service, absl::string_view operation) override {
    metrics_->AwsRetry(service, operation);
  }
  void OnOpened() override { metrics_->SubscriptionOpened(); }
  void OnClosed() override { metrics_->SubscriptionClosed(); }
  void OnRecordsDelivered(int64_t records, int64_t millis_behind_latest) override {
    metrics_->RecordsDelivered(records, millis_behind_latest);
  }

 private:
  std::shared_ptr<observability::FacadeMetrics> metrics_;
};

}  // namespace

absl::string_view BackendOutcome(const absl::Status& status) {
  if (status.ok()) return "ok";
  if (auto name = backends::AwsErrorName(status)) {
    const backends::AwsErrorSpec* spec = backends::FindAwsErrorSpec(*name);
    if (spec != nullptr && spec->throttling) return "throttled";
  }
  switch (status.code()) {
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kDataLoss:
      return "server_error";
    default:
      return "client_error";
  }
}

void ObserveBackends(const ObservabilityOptions& observability, BackendOptions& backends,
                     service::SubscriptionEngineOptions& subscriptions) {
  if (observability.metrics == nullptr) return;
  auto observer = std::make_shared<MetricsObserver>(observability.metrics);
  backends.call_observer = observer;
  backends.aws.retry_observer = observer;
  subscriptions.observer = observer;
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> RpcInterceptors(
    const ObservabilityOptions& observability) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  if (observability.metrics != nullptr || observability.logger != nullptr) {
    out.push_back(std::make_unique<observability::RpcObservabilityFactory>(observability.metrics,
                                                                           observability.logger));
  }
  return out;
}

namespace {
std::atomic<observability::JsonLogger*> grpc_log_target{nullptr};

void LogGrpcLine(gpr_log_func_args* args) {
  observability::JsonLogger* logger = grpc_log_target.load();
  if (logger == nullptr) return;
  const observability::LogLevel level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? observability::LogLevel::kError
      : args->severity == GPR_LOG_SEVERITY_INFO ? observability::LogLevel::kInfo
                                                : observability::LogLevel::kDebug;
  logger->Log(level, args->message,
              {{"source", "grpc"},
               {"file", args->file != nullptr ? args->file : ""},
               {"line", args->line}});
}
// Protobuf logs, e.g., each request string with invalid UTF-8 it is asked to
// parse: any client can cause such lines.
void LogProtobufLine(google::protobuf::LogLevel severity, const char* file, int line,
                     const std::string& message) {
  observability::JsonLogger* logger = grpc_log_target.load();
  if (logger == nullptr) return;
  const observability::LogLevel level =
      severity >= google::protobuf::LOGLEVEL_ERROR     ? observability::LogLevel::kError
      : severity == google::protobuf::LOGLEVEL_WARNING ? observability::LogLevel::kWarning
                                                       : observability::LogLevel::kInfo;
  logger->Log(level, message,
              {{"source", "protobuf"}, {"file", file != nullptr ? file : ""}, {"line", line}});
}
}  // namespace

void RouteLibraryLogs(std::shared_ptr<observability::JsonLogger> logger) {
  // Never released: gRPC may log from its threads until the process ends.
  auto* kept = new std::shared_ptr<observability::JsonLogger>(std::move(logger));
  grpc_log_target = kept->get();
  gpr_set_log_function(LogGrpcLine);
  google::protobuf::SetLogHandler(LogProtobufLine);
}

}  // namespace awsfacade::app
