#ifndef AWSFACADE_OBSERVABILITY_METRICS_H_
#define AWSFACADE_OBSERVABILITY_METRICS_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace awsfacade::observability {

// Every metric the facade exports, on one prometheus::Registry (docs/observability.md
// lists them). Thread-safe; each Record call costs a hash
// lookup and an atomic or a short lock, never I/O, so gRPC's callback
// threads may call it. Label values come from fixed sets (method names,
// status code names, AWS operation names), never from request data.
class FacadeMetrics {
 public:
  FacadeMetrics();

  // One finished RPC: `code` is the gRPC code name ("OK", "NOT_FOUND").
  // awsfacade_grpc_server_handled_total, awsfacade_grpc_server_handling_seconds.
  void RpcHandled(absl::string_view grpc_service, absl::string_view grpc_method,
                  absl::string_view code, absl::Duration duration);
  // One call of a backend interface method (`backend`: "simulator" | "aws";
  // `outcome`: see BackendOutcome in app/observability.h).
  // awsfacade_backend_calls_total, awsfacade_backend_call_seconds.
  void BackendCall(absl::string_view service, absl::string_view operation,
                   absl::string_view backend, absl::string_view outcome, absl::Duration duration);
  // The AWS backend's retry loop: a retry about to happen; a throttling answer.
  void AwsRetry(absl::string_view service, absl::string_view operation);
  void AwsThrottle(absl::string_view service, absl::string_view operation);
  // Subscriptions (SubscribeToShard/SubscribeToStream): admitted, ended, and
  // a records event handed to gRPC with its millis_behind_latest.
  void SubscriptionOpened();
  void SubscriptionClosed();
  void RecordsDelivered(int64_t records, int64_t millis_behind_latest);
  // Log lines the JSON logger dropped because stderr did not keep up.
  void LogLinesDropped(int64_t lines);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  // The whole registry in the text exposition format 0.0.4 (what /metrics
  // serves).
  std::string Exposition() const;

 private:
  using LabelViews = std::initializer_list<std::pair<absl::string_view, absl::string_view>>;
  // The series of `family` with `labels`, created on first use (with `args`,
  // e.g. a histogram's buckets). Later calls only build a key and look it up.
  template <typename T, typename... Args>
  T& Series(prometheus::Family<T>& family, LabelViews labels, Args&&... args);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& rpc_handled_;
  prometheus::Family<prometheus::Histogram>& rpc_seconds_;
  prometheus::Family<prometheus::Counter>& backend_calls_;
  prometheus::Family<prometheus::Histogram>& backend_seconds_;
  prometheus::Family<prometheus::Counter>& aws_retries_;
  prometheus::Family<prometheus::Counter>& aws_throttles_;
  prometheus::Gauge& subscriptions_open_;
  prometheus::Counter& records_delivered_;
  prometheus::Histogram& subscription_lag_;
  prometheus::Counter& log_lines_dropped_;

  // prometheus-cpp's Family::Add builds a new metric object on every call
  // (then drops it when the labels exist): the series are cached here so
  // the hot path allocates only on first use of a label set.
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, void*> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace awsfacade::observability

#endif  // AWSFACADE_OBSERVABILITY_METRICS_H_
