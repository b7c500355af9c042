#include "backends/simulator/fault_injector.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"
#include "backends/common/call_delay.h"

namespace awsfacade::backends::simulator {

absl::string_view FaultInjector::DefaultThrottleError(absl::string_view service) {
  if (service == "cognitosync") return "TooManyRequestsException";
  if (service == "dynamodbstreams") return "LimitExceededException";
  if (service == "dynamodb") return "ProvisionedThroughputExceededException";
  return "ThrottlingException";
}

absl::string_view FaultInjector::DefaultInternalError(absl::string_view service) {
  if (service == "cognitosync") return "InternalErrorException";
  if (service == "dynamodbstreams" || service == "dynamodb") return "InternalServerError";
  return "InternalFailure";
}

absl::Status FaultInjector::SetRules(std::vector<Rule> rules) {
  std::vector<Active> active;
  for (auto& rule : rules) {
    if (rule.service.empty()) {
      return absl::InvalidArgumentError("fault rule: service is required");
    }
    if (!(rule.probability > 0.0 && rule.probability <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("fault rule: probability must be in (0, 1], got ", rule.probability));
    }
    if (rule.kind == Kind::kLatency && rule.latency <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("fault rule: a latency fault needs a positive latency");
    }
    if (rule.latency > absl::Seconds(60)) {
      return absl::InvalidArgumentError("fault rule: latency is capped at 60s");
    }
    if (rule.max_count < 0) return absl::InvalidArgumentError("fault rule: max_count < 0");
    Active a{std::move(rule), std::mt19937_64(0), 0};
    a.rng.seed(a.rule.seed);
    active.push_back(std::move(a));
  }
  absl::MutexLock lock(&mu_);
  rules_ = std::move(active);
  return absl::OkStatus();
}

void FaultInjector::Clear() {
  absl::MutexLock lock(&mu_);
  rules_.clear();
}

int64_t FaultInjector::fired() const {
  absl::MutexLock lock(&mu_);
  int64_t total = 0;
  for (const auto& a : rules_) total += a.fired;
  return total;
}

bool FaultInjector::Fires(Active& a, absl::string_view service, absl::string_view operation) {
  if (a.rule.service != service) return false;
  if (!a.rule.operation.empty() && a.rule.operation != operation) return false;
  if (a.rule.max_count > 0 && a.fired >= a.rule.max_count) return false;
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  if (a.rule.probability < 1.0 && coin(a.rng) >= a.rule.probability) return false;
  ++a.fired;
  return true;
}

absl::Duration FaultInjector::DrawLatency(absl::string_view service, absl::string_view operation) {
  absl::Duration latency = absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  for (auto& a : rules_) {
    if (a.rule.kind == Kind::kLatency && Fires(a, service, operation)) latency += a.rule.latency;
  }
  return latency;
}

absl::Status FaultInjector::DrawError(absl::string_view service, absl::string_view operation) {
  absl::Status error = absl::OkStatus();
  absl::MutexLock lock(&mu_);
  // Every matching rule draws (and counts), so each rule's sequence depends
  // only on its own seed; the first that fires decides.
  for (auto& a : rules_) {
    if (a.rule.kind == Kind::kLatency || !Fires(a, service, operation) || !error.ok()) continue;
    absl::string_view name = a.rule.aws_error_name;
    if (name.empty()) {
      name = a.rule.kind == Kind::kThrottle ? DefaultThrottleError(service)
                                            : DefaultInternalError(service);
    }
    error = AwsError(name, absl::StrCat("injected fault on ", service, ".", operation));
    if (a.rule.kind == Kind::kThrottle) SetRetryDelay(error, absl::Milliseconds(50));
  }
  return error;
}

absl::Status FaultInjector::Before(absl::string_view service, absl::string_view operation) {
  if (absl::Status delay = Delay(service, operation); !delay.ok()) return delay;
  return DrawError(service, operation);
}

absl::Status FaultInjector::Delay(absl::string_view service, absl::string_view operation) {
  const absl::Time now = absl::Now();
  if (std::optional<absl::Time> ready_at = TakeDelayedCall(service, operation)) {
    // The run after the wait (or one that came early: keep its time).
    if (*ready_at > now) {
      return DelayedCallError({std::string(service), std::string(operation), *ready_at}, now);
    }
  } else if (absl::Duration latency = DrawLatency(service, operation);
             latency > absl::ZeroDuration()) {
    return DelayedCallError({std::string(service), std::string(operation), now + latency}, now);
  }
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
