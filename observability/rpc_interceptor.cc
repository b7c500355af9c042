#include "observability/rpc_interceptor.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/server_context.h"

namespace awsfacade::observability {
namespace {

constexpr size_t kMaxRequestIdChars = 128;
constexpr char kRpcLogMessage[] = "rpc";

absl::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

// Probes and tooling: their lines go to debug so info stays readable.
bool IsInfrastructure(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.") || absl::StartsWith(method, "/grpc.reflection.");
}

class RpcObservability final : public grpc::experimental::Interceptor {
 public:
  RpcObservability(grpc::experimental::ServerRpcInfo* info, FacadeMetrics* metrics,
                   JsonLogger* logger)
      : info_(info), metrics_(metrics), logger_(logger), started_(absl::Now()) {
    absl::string_view method = info->method() != nullptr ? info->method() : "";
    method_ = std::string(method);
    absl::string_view rest = absl::StripPrefix(method, "/");
    const size_t slash = rest.find('/');
    grpc_service_ = std::string(rest.substr(0, slash));
    grpc_method_ = slash == absl::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  }

  ~RpcObservability() override {
    // A call that ended without a status from the server (the client went
    // away first) still counts.
    if (!done_) Done(grpc::Status(grpc::StatusCode::CANCELLED, ""));
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* incoming = methods->GetRecvInitialMetadata();
      if (incoming != nullptr) {
        auto it = incoming->find(kRequestIdMetadataKey);
        if (it != incoming->end()) {
          absl::string_view id(it->second.data(), it->second.size());
          if (IsAcceptableRequestId(id)) request_id_ = std::string(id);
        }
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* outgoing = methods->GetSendInitialMetadata();
      if (outgoing != nullptr) outgoing->emplace(kRequestIdMetadataKey, RequestId());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Done(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  const std::string& RequestId() {
    if (request_id_.empty()) request_id_ = NewRequestId();
    return request_id_;
  }

  void Done(const grpc::Status& status) {
    done_ = true;
    const absl::Duration duration = absl::Now() - started_;
    const absl::string_view code = CodeName(status.error_code());
    if (metrics_ != nullptr) metrics_->RpcHandled(grpc_service_, grpc_method_, code, duration);
    if (logger_ == nullptr) return;
    const LogLevel level = IsInfrastructure(method_) ? LogLevel::kDebug : LogLevel::kInfo;
    if (!logger_->Enabled(level)) return;
    // Rendered by hand: this runs once per RPC, and a JSON tree per call
    // costs more than the rest of the interceptor.
    std::string fields;
    AppendJsonMember(&fields, "method", method_);
    AppendJsonMember(&fields, "code", code);
    AppendJsonMember(&fields, "duration_ms", absl::ToDoubleMilliseconds(duration));
    AppendJsonMember(&fields, "request_id", RequestId());
    if (!status.ok()) {
      const StatusFacts facts = FactsOf(status);
      if (!facts.aws_error.empty()) AppendJsonMember(&fields, "aws_error", facts.aws_error);
      if (!facts.aws_request_id.empty()) {
        AppendJsonMember(&fields, "aws_request_id", facts.aws_request_id);
      }
      // The message may quote request data (a key, a value): debug only.
      if (logger_->Enabled(LogLevel::kDebug)) {
        AppendJsonMember(&fields, "message", status.error_message());
      }
    }
    if (auto* context = info_->server_context();
        context != nullptr && logger_->Enabled(LogLevel::kDebug)) {
      AppendJsonMember(&fields, "peer", context->peer());
    }
    logger_->LogRendered(level, kRpcLogMessage, fields);
  }

  grpc::experimental::ServerRpcInfo* info_;
  FacadeMetrics* metrics_;
  JsonLogger* logger_;
  const absl::Time started_;
  std::string method_, grpc_service_, grpc_method_;
  std::string request_id_;
  bool done_ = false;
};

}  // namespace

bool IsAcceptableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdChars) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '/' || c == '+' || c == '=' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

StatusFacts FactsOf(const grpc::Status& status) {
  StatusFacts facts;
  if (status.error_details().empty()) return facts;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return facts;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (!any.UnpackTo(&info)) continue;
    facts.aws_error = info.reason();
    if (auto it = info.metadata().find("awsRequestId"); it != info.metadata().end()) {
      facts.aws_request_id = it->second;
    }
    break;
  }
  return facts;
}

grpc::experimental::Interceptor* RpcObservabilityFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcObservability(info, metrics_.get(), logger_.get());
}

}  // namespace awsfacade::observability
