// retry_classify_tool: answers questions about our standard-mode retry
// implementation as JSON, for retry_botocore_oracle_test.py.
//
// Input (stdin), every member optional:
//   {"classify": [{"status": 503, "code": "", "transport": "None",
//                  "service": "dynamodbstreams"}, ...],
//    "backoff":  [{"attempt": 1, "random": 0.5}, ...],
//    "quota":    [{"op": "acquire", "timeout": false} | {"op": "release_success",
//                  "retried_cost": 0}, ...]}
//   transport: None | ConnectTimeout | ReadTimeout | ConnectionError |
//              ConnectionClosed | Other
//
// Output (stdout):
//   {"classify": [{"retryable": b, "transient": b, "throttling": b,
//                  "modeled": b, "quota_cost": 5|10}, ...],
//    "backoff":  [seconds, ...],
//    "quota":    [{"ok": b, "available": n}, ...],
//    "defaults": {"max_attempts": 3, ...}}
// Exit status 0, or 2 on bad input.

#include <iostream>
#include <iterator>
#include <string>

#include "absl/time/time.h"
#include "backends/aws/retry.h"
#include "nlohmann/json.hpp"

namespace {

using awsfacade::backends::aws::BackoffDelay;
using awsfacade::backends::aws::Classify;
using awsfacade::backends::aws::RetryDecision;
using awsfacade::backends::aws::RetryOptions;
using awsfacade::backends::aws::RetryQuota;
using awsfacade::backends::aws::RetryTraitsFor;
using awsfacade::backends::aws::TransportError;

bool ParseTransport(const std::string& name, TransportError* out) {
  for (TransportError e : {TransportError::kNone, TransportError::kConnectTimeout,
                           TransportError::kReadTimeout, TransportError::kConnectionError,
                           TransportError::kConnectionClosed, TransportError::kOther}) {
    if (awsfacade::backends::aws::TransportErrorName(e) == name) {
      *out = e;
      return true;
    }
  }
  return false;
}

int Run() {
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  const nlohmann::json in = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded() || !in.is_object()) {
    std::cerr << "retry_classify_tool: stdin is not a JSON object\n";
    return 2;
  }
  const RetryOptions defaults;
  nlohmann::json out = nlohmann::json::object();
  out["defaults"] = {
      {"max_attempts", defaults.max_attempts},
      {"max_backoff_seconds", absl::ToDoubleSeconds(defaults.max_backoff)},
      {"initial_quota", defaults.initial_quota},
      {"retry_cost", defaults.retry_cost},
      {"timeout_retry_cost", defaults.timeout_retry_cost},
      {"no_retry_increment", defaults.no_retry_increment},
  };

  nlohmann::json classified = nlohmann::json::array();
  for (const nlohmann::json& c : in.value("classify", nlohmann::json::array())) {
    TransportError transport = TransportError::kNone;
    if (!ParseTransport(c.value("transport", std::string("None")), &transport)) {
      std::cerr << "retry_classify_tool: unknown transport " << c.dump() << "\n";
      return 2;
    }
    const RetryDecision d = Classify(c.value("status", 0), c.value("code", std::string()),
                                     transport, RetryTraitsFor(c.value("service", std::string())));
    classified.push_back(
        {{"retryable", d.retryable},
         {"transient", d.transient},
         {"throttling", d.throttling},
         {"modeled", d.modeled},
         {"quota_cost", d.timeout ? defaults.timeout_retry_cost : defaults.retry_cost}});
  }
  out["classify"] = classified;

  nlohmann::json backoffs = nlohmann::json::array();
  for (const nlohmann::json& b : in.value("backoff", nlohmann::json::array())) {
    backoffs.push_back(absl::ToDoubleSeconds(BackoffDelay(
        b.value("attempt", 1), b.value("random", 0.0), absl::Seconds(1), defaults.max_backoff)));
  }
  out["backoff"] = backoffs;

  RetryQuota quota(defaults.initial_quota);
  nlohmann::json quota_out = nlohmann::json::array();
  for (const nlohmann::json& op : in.value("quota", nlohmann::json::array())) {
    const std::string kind = op.value("op", std::string());
    bool ok = true;
    if (kind == "acquire") {
      ok = quota.Acquire(op.value("timeout", false) ? defaults.timeout_retry_cost
                                                    : defaults.retry_cost);
    } else if (kind == "release_success") {
      const int retried_cost = op.value("retried_cost", 0);
      quota.Release(retried_cost > 0 ? retried_cost : defaults.no_retry_increment);
    } else {
      std::cerr << "retry_classify_tool: unknown quota op " << op.dump() << "\n";
      return 2;
    }
    quota_out.push_back({{"ok", ok}, {"available", quota.available()}});
  }
  out["quota"] = quota_out;

  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

int main() { return Run(); }
