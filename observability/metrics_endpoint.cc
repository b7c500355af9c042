#include "observability/metrics_endpoint.h"

#include <exception>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "prometheus/metric_family.h"

namespace awsfacade::observability {
namespace {

// /healthz answers 200 with an empty exposition: the HTTP side is up.
class NothingToCollect final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override { return {}; }
};

}  // namespace

// civetweb takes "HOST:PORT" with IPv6 hosts in brackets, and silently
// reads a bare "PORT" as every interface: insist on an explicit host.
absl::Status CheckHttpListenAddress(absl::string_view what, absl::string_view listen,
                                    absl::string_view example) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " address '", listen, "': expected HOST:PORT (e.g. ", example, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    absl::string_view listen, std::weak_ptr<prometheus::Collectable> metrics) {
  if (absl::Status ok = CheckHttpListenAddress("metrics", listen, "127.0.0.1:9464"); !ok.ok()) {
    return ok;
  }
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  std::vector<std::string> civetweb_options = {
      "listening_ports",
      std::string(listen),
      "num_threads",
      absl::StrCat(kThreads),
      "max_request_size",
      absl::StrCat(kMaxRequestBytes),
      // A stalled scraper gives its thread back after this long.
      "request_timeout_ms",
      "5000",
      "enable_keep_alive",
      "no",
  };
  // CivetServer reports a failed start (address in use, bad option) by
  // throwing: the exception stops here.
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(std::move(civetweb_options));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
  }
  // civetweb matches URI prefixes ("/metricsx", "/metrics/a"); "$" anchors.
  endpoint->exposer_->RegisterCollectable(metrics, "/metrics$");
  endpoint->healthz_ = std::make_shared<NothingToCollect>();
  endpoint->exposer_->RegisterCollectable(endpoint->healthz_, "/healthz$");
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen));
  }
  endpoint->port_ = ports.front();
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() = default;

}  // namespace awsfacade::observability
