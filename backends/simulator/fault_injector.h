#ifndef AWSFACADE_BACKENDS_SIMULATOR_FAULT_INJECTOR_H_
#define AWSFACADE_BACKENDS_SIMULATOR_FAULT_INJECTOR_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace awsfacade::backends::simulator {

// Faults the simulator injects on demand (SimulatorService.SetFaults):
// throttling, internal errors and added latency, per service and operation,
// each with a probability drawn from a seeded generator so a test run is
// reproducible. Used by the decorators in faulty_backends.h.
class FaultInjector {
 public:
  enum class Kind { kThrottle, kInternalError, kLatency };
  struct Rule {
    std::string service;    // "cognitosync", "personalize", "dynamodbstreams", "dynamodb"
    std::string operation;  // AWS operation name; empty = every operation
    Kind kind = Kind::kThrottle;
    double probability = 1.0;    // (0, 1]
    std::string aws_error_name;  // overrides the kind's default error name
    absl::Duration latency;      // kLatency only
    uint64_t seed = 0;
    int max_count = 0;  // how many times it may fire; 0 = unlimited
  };

  // Replaces every rule. InvalidArgument for a malformed rule.
  absl::Status SetRules(std::vector<Rule> rules);
  void Clear();

  // Called before each simulated operation; decides, never waits. When
  // latency rules fire, returns DelayedCallError (backends/common/call_delay.h)
  // for the sum of their latencies, and the caller runs the call again once
  // it is due, on a timer: no thread sleeps. That run (TakeDelayedCall)
  // draws no latency; it, and a call no latency rule delayed, gets the error
  // of the first error rule that fires, else OK. Each rule is drawn once per
  // call.
  absl::Status Before(absl::string_view service, absl::string_view operation);

  // Before's two halves, for a call whose errors are drawn per item (a
  // DynamoDB batch, see batch_faults.h): Delay is its latency part (OK when
  // nothing delays the call), DrawError its error part, one draw of every
  // error rule.
  absl::Status Delay(absl::string_view service, absl::string_view operation);
  absl::Status DrawError(absl::string_view service, absl::string_view operation);

  // How many times rules fired since the last SetRules or Clear.
  int64_t fired() const;

  // Default error names per service: throttling and internal errors as that
  // service's own API spells them.
  static absl::string_view DefaultThrottleError(absl::string_view service);
  static absl::string_view DefaultInternalError(absl::string_view service);

 private:
  struct Active {
    Rule rule;
    std::mt19937_64 rng;
    int fired = 0;
  };
  // Whether `a` applies to the call and wins its draw; counts it as fired.
  static bool Fires(Active& a, absl::string_view service, absl::string_view operation);
  absl::Duration DrawLatency(absl::string_view service, absl::string_view operation);

  mutable absl::Mutex mu_;
  std::vector<Active> rules_ ABSL_GUARDED_BY(mu_);
};

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_FAULT_INJECTOR_H_
