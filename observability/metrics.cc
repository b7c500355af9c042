#include "observability/metrics.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "prometheus/text_serializer.h"

namespace awsfacade::observability {
namespace {

// Latency buckets in seconds: sub-millisecond simulator calls up to AWS
// calls near their 30 s call_timeout.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return *buckets;
}

// millis_behind_latest: caught up (0) to an hour behind (DynamoDB Streams
// keeps 24 hours; beyond an hour the exact figure matters less).
const prometheus::Histogram::BucketBoundaries& LagBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0, 10, 50, 100, 250, 500, 1000, 5000, 10000, 60000, 300000, 3600000};
  return *buckets;
}

}  // namespace

FacadeMetrics::FacadeMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      rpc_handled_(prometheus::BuildCounter()
                       .Name("awsfacade_grpc_server_handled_total")
                       .Help("RPCs completed on the server, by method and gRPC status code.")
                       .Register(*registry_)),
      rpc_seconds_(prometheus::BuildHistogram()
                       .Name("awsfacade_grpc_server_handling_seconds")
                       .Help("Time from the start of an RPC to its status, by method (streams "
                             "included: a subscription's whole life).")
                       .Register(*registry_)),
      backend_calls_(prometheus::BuildCounter()
                         .Name("awsfacade_backend_calls_total")
                         .Help("Calls of a backend operation (simulator or AWS, retries "
                               "included), by outcome.")
                         .Register(*registry_)),
      backend_seconds_(prometheus::BuildHistogram()
                           .Name("awsfacade_backend_call_seconds")
                           .Help("Duration of a backend operation, retries and backoff included.")
                           .Register(*registry_)),
      aws_retries_(prometheus::BuildCounter()
                       .Name("awsfacade_aws_retries_total")
                       .Help("Retried AWS attempts (after a throttle, a 5xx or a transport error).")
                       .Register(*registry_)),
      aws_throttles_(prometheus::BuildCounter()
                         .Name("awsfacade_aws_throttles_total")
                         .Help("AWS answers that were throttling errors, retried or not.")
                         .Register(*registry_)),
      subscriptions_open_(prometheus::BuildGauge()
                              .Name("awsfacade_subscriptions_open")
                              .Help("Open SubscribeToShard/SubscribeToStream calls.")
                              .Register(*registry_)
                              .Add({})),
      records_delivered_(prometheus::BuildCounter()
                             .Name("awsfacade_subscription_records_delivered_total")
                             .Help("Stream records written to subscribers.")
                             .Register(*registry_)
                             .Add({})),
      subscription_lag_(prometheus::BuildHistogram()
                            .Name("awsfacade_subscription_lag_milliseconds")
                            .Help("millis_behind_latest of each records event written to a "
                                  "subscriber.")
                            .Register(*registry_)
                            .Add({}, LagBuckets())),
      log_lines_dropped_(prometheus::BuildCounter()
                             .Name("awsfacade_log_lines_dropped_total")
                             .Help("Log lines dropped because stderr did not keep up.")
                             .Register(*registry_)
                             .Add({})) {}

template <typename T, typename... Args>
T& FacadeMetrics::Series(prometheus::Family<T>& family, LabelViews labels, Args&&... args) {
  // The label names are fixed per family: the family's address and the
  // values identify the series.
  std::string key = absl::StrCat(reinterpret_cast<uintptr_t>(&family));
  for (const auto& [name, value] : labels) absl::StrAppend(&key, "\x1f", value);
  {
    // Every call after a label set's first only reads: RPC threads share the lock.
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = series_.find(key); it != series_.end()) return *static_cast<T*>(it->second);
  }
  absl::MutexLock lock(&mu_);
  void*& series = series_[key];
  if (series == nullptr) {
    prometheus::Labels map;
    for (const auto& [name, value] : labels) map.emplace(std::string(name), std::string(value));
    series = &family.Add(map, std::forward<Args>(args)...);
  }
  return *static_cast<T*>(series);
}

void FacadeMetrics::RpcHandled(absl::string_view grpc_service, absl::string_view grpc_method,
                               absl::string_view code, absl::Duration duration) {
  Series(rpc_handled_,
         {{"grpc_service", grpc_service}, {"grpc_method", grpc_method}, {"grpc_code", code}})
      .Increment();
  Series(rpc_seconds_, {{"grpc_service", grpc_service}, {"grpc_method", grpc_method}},
         LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
}

void FacadeMetrics::BackendCall(absl::string_view service, absl::string_view operation,
                                absl::string_view backend, absl::string_view outcome,
                                absl::Duration duration) {
  Series(backend_seconds_, {{"service", service}, {"operation", operation}, {"backend", backend}},
         LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
  Series(
      backend_calls_,
      {{"service", service}, {"operation", operation}, {"backend", backend}, {"outcome", outcome}})
      .Increment();
}

void FacadeMetrics::AwsRetry(absl::string_view service, absl::string_view operation) {
  Series(aws_retries_, {{"service", service}, {"operation", operation}}).Increment();
}

void FacadeMetrics::AwsThrottle(absl::string_view service, absl::string_view operation) {
  Series(aws_throttles_, {{"service", service}, {"operation", operation}}).Increment();
}

void FacadeMetrics::SubscriptionOpened() { subscriptions_open_.Increment(); }
void FacadeMetrics::SubscriptionClosed() { subscriptions_open_.Decrement(); }

void FacadeMetrics::RecordsDelivered(int64_t records, int64_t millis_behind_latest) {
  records_delivered_.Increment(static_cast<double>(records));
  subscription_lag_.Observe(static_cast<double>(millis_behind_latest));
}

void FacadeMetrics::LogLinesDropped(int64_t lines) {
  log_lines_dropped_.Increment(static_cast<double>(lines));
}

std::string FacadeMetrics::Exposition() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace awsfacade::observability
