#ifndef AWSFACADE_OBSERVABILITY_METRICS_ENDPOINT_H_
#define AWSFACADE_OBSERVABILITY_METRICS_ENDPOINT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace awsfacade::observability {

// Checks a civetweb listening address: HOST:PORT with an explicit host
// (civetweb silently reads a bare "PORT" as every interface) and a port in
// 0..65535. InvalidArgument naming `what` ("metrics") and showing `example`.
absl::Status CheckHttpListenAddress(absl::string_view what, absl::string_view listen,
                                    absl::string_view example);

// The HTTP side of the metrics: prometheus-cpp's Exposer (civetweb) on its
// own threads, apart from gRPC's. Serves GET /metrics (text format 0.0.4,
// gzip when asked) and GET /healthz (200, empty body); 404 for any other
// path. Requests larger than kMaxRequestBytes are refused by civetweb.
class MetricsEndpoint {
 public:
  static constexpr int kMaxRequestBytes = 8192;
  static constexpr int kThreads = 2;

  // Listens on `listen` ("127.0.0.1:9464", "[::1]:0", "0.0.0.0:9464"; port 0
  // picks one). InvalidArgument for a malformed address, Unavailable when it
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      absl::string_view listen, std::weak_ptr<prometheus::Collectable> metrics);
  ~MetricsEndpoint();

  // The port bound (useful with port 0).
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;

  std::shared_ptr<prometheus::Collectable> healthz_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace awsfacade::observability

#endif  // AWSFACADE_OBSERVABILITY_METRICS_ENDPOINT_H_
