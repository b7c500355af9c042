#include "app/simulator_service.h"

#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "service/status_conversion.h"

namespace awsfacade::app {
namespace simv1 = ::awsfacade::simulator::v1;

namespace {

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

void SetNow(const backends::Clock& clock, google::protobuf::Timestamp* out) {
  *out = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock.Now()));
}

grpc::Status Invalid(absl::string_view message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(message));
}

}  // namespace

grpc::ServerUnaryReactor* SimulatorService::Refused(
    grpc::CallbackServerContext* context, const google::protobuf::Message& request) const {
  if (authz_ == nullptr) return nullptr;
  absl::Status allowed = authz_->Check(*context, request);
  return allowed.ok() ? nullptr : Done(context, service::ToGrpcStatus(allowed, "simulator"));
}

grpc::ServerUnaryReactor* SimulatorService::AdvanceClock(grpc::CallbackServerContext* context,
                                                         const simv1::AdvanceClockRequest* request,
                                                         simv1::AdvanceClockResponse* response) {
  if (auto* refused = Refused(context, *request)) return refused;
  absl::Duration by =
      absl::Seconds(request->by().seconds()) + absl::Nanoseconds(request->by().nanos());
  if (by <= absl::ZeroDuration()) return Done(context, Invalid("by must be a positive duration"));
  if (by > absl::Hours(24 * 366)) return Done(context, Invalid("by must be at most a year"));
  if (absl::Status s = hooks_.advance_clock(by); !s.ok()) {
    return Done(context, service::ToGrpcStatus(s, "simulator"));
  }
  SetNow(*hooks_.clock, response->mutable_now());
  return Done(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* SimulatorService::GetClock(grpc::CallbackServerContext* context,
                                                     const simv1::GetClockRequest* request,
                                                     simv1::GetClockResponse* response) {
  if (auto* refused = Refused(context, *request)) return refused;
  SetNow(*hooks_.clock, response->mutable_now());
  return Done(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* SimulatorService::SetFaults(grpc::CallbackServerContext* context,
                                                      const simv1::SetFaultsRequest* request,
                                                      simv1::SetFaultsResponse*) {
  if (auto* refused = Refused(context, *request)) return refused;
  using Kind = backends::simulator::FaultInjector::Kind;
  std::vector<backends::simulator::FaultInjector::Rule> rules;
  for (const auto& r : request->rules()) {
    backends::simulator::FaultInjector::Rule rule;
    rule.service = r.service();
    rule.operation = r.operation();
    switch (r.kind()) {
      case simv1::FAULT_KIND_THROTTLE:
        rule.kind = Kind::kThrottle;
        break;
      case simv1::FAULT_KIND_INTERNAL_ERROR:
        rule.kind = Kind::kInternalError;
        break;
      case simv1::FAULT_KIND_LATENCY:
        rule.kind = Kind::kLatency;
        break;
      default:
        return Done(context, Invalid("fault rule: kind is required"));
    }
    rule.probability = r.probability() == 0 ? 1.0 : r.probability();
    rule.aws_error_name = r.aws_error_name();
    rule.latency = absl::Seconds(r.latency().seconds()) + absl::Nanoseconds(r.latency().nanos());
    rule.seed = static_cast<uint64_t>(r.seed());
    rule.max_count = r.max_count();
    rules.push_back(std::move(rule));
  }
  absl::Status status = hooks_.faults->SetRules(std::move(rules));
  if (!status.ok()) return Done(context, Invalid(status.message()));
  return Done(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* SimulatorService::ClearFaults(grpc::CallbackServerContext* context,
                                                        const simv1::ClearFaultsRequest* request,
                                                        simv1::ClearFaultsResponse*) {
  if (auto* refused = Refused(context, *request)) return refused;
  hooks_.faults->Clear();
  return Done(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* SimulatorService::Reset(grpc::CallbackServerContext* context,
                                                  const simv1::ResetRequest* request,
                                                  simv1::ResetResponse*) {
  if (auto* refused = Refused(context, *request)) return refused;
  hooks_.faults->Clear();
  return Done(context, service::ToGrpcStatus(hooks_.reset(), "simulator"));
}

grpc::ServerUnaryReactor* SimulatorService::ForceShardRollover(
    grpc::CallbackServerContext* context, const simv1::ForceShardRolloverRequest* request,
    simv1::ForceShardRolloverResponse* response) {
  if (auto* refused = Refused(context, *request)) return refused;
  if (!hooks_.force_shard_rollover) {
    return Done(context, grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                      "DynamoDB Streams is not simulated in this build"));
  }
  auto rollover = hooks_.force_shard_rollover(request->stream_arn());
  if (rollover.ok()) {
    for (const auto& id : rollover->closed_shard_ids) response->add_closed_shard_ids(id);
    for (const auto& id : rollover->new_shard_ids) response->add_new_shard_ids(id);
  }
  return Done(context, service::ToGrpcStatus(rollover.status(), "streams.dynamodb"));
}

}  // namespace awsfacade::app
