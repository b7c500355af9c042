#include "observability/metrics_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "observability/metrics.h"

namespace awsfacade::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Sends `request` to 127.0.0.1:port and returns everything the server
// answers until it closes the connection.
std::string Exchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // The request is complete: civetweb closes gracefully, waiting for this.
  shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<size_t>(n));
  close(fd);
  return answer;
}

std::string Get(int port, const std::string& path) {
  return Exchange(port, absl::StrCat("GET ", path,
                                     " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Connection: close\r\n\r\n"));
}

class MetricsEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_ = std::make_shared<FacadeMetrics>();
    auto endpoint = MetricsEndpoint::Start("127.0.0.1:0", metrics_->registry());
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    endpoint_ = *std::move(endpoint);
  }
  std::shared_ptr<FacadeMetrics> metrics_;
  std::unique_ptr<MetricsEndpoint> endpoint_;
};

TEST_F(MetricsEndpointTest, PortZeroPicksAPort) { EXPECT_GT(endpoint_->port(), 0); }

TEST_F(MetricsEndpointTest, QueryStringsAreIgnored) {
  EXPECT_THAT(Get(endpoint_->port(), "/metrics?x=1"), StartsWith("HTTP/1.1 200"));
}

TEST_F(MetricsEndpointTest, ServesTheExpositionAtMetrics) {
  metrics_->RpcHandled("svc", "Method", "OK", absl::Milliseconds(1));
  const std::string answer = Get(endpoint_->port(), "/metrics");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  // prometheus-cpp 1.0 sends "text/plain; charset=utf-8": text without a
  // version is the 0.0.4 format to Prometheus.
  EXPECT_THAT(answer, HasSubstr("Content-Type: text/plain"));
  EXPECT_THAT(answer, HasSubstr("awsfacade_grpc_server_handled_total{grpc_code=\"OK\","
                                "grpc_method=\"Method\",grpc_service=\"svc\"} 1"));
}

TEST_F(MetricsEndpointTest, ScrapesSeeNewValues) {
  metrics_->SubscriptionOpened();
  EXPECT_THAT(Get(endpoint_->port(), "/metrics"), HasSubstr("\nawsfacade_subscriptions_open 1\n"));
  metrics_->SubscriptionClosed();
  EXPECT_THAT(Get(endpoint_->port(), "/metrics"), HasSubstr("\nawsfacade_subscriptions_open 0\n"));
}

TEST_F(MetricsEndpointTest, HealthzAnswers200) {
  EXPECT_THAT(Get(endpoint_->port(), "/healthz"), StartsWith("HTTP/1.1 200"));
}

TEST_F(MetricsEndpointTest, OtherPathsAre404) {
  EXPECT_THAT(Get(endpoint_->port(), "/"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(endpoint_->port(), "/metrics/../etc/passwd"), Not(HasSubstr("root:")));
  EXPECT_THAT(Get(endpoint_->port(), "/nope"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(endpoint_->port(), "/metricsx"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(endpoint_->port(), "/metrics/extra"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(endpoint_->port(), "/healthz/x"), StartsWith("HTTP/1.1 404"));
}

TEST_F(MetricsEndpointTest, RefusesOversizedRequests) {
  const std::string huge_header(4 * MetricsEndpoint::kMaxRequestBytes, 'a');
  const std::string answer = Exchange(
      endpoint_->port(),
      absl::StrCat("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ", huge_header, "\r\n\r\n"));
  EXPECT_THAT(answer, Not(HasSubstr("awsfacade_")));
  // ...and keeps serving.
  EXPECT_THAT(Get(endpoint_->port(), "/metrics"), StartsWith("HTTP/1.1 200"));
}

TEST_F(MetricsEndpointTest, AddressInUseIsUnavailable) {
  auto second =
      MetricsEndpoint::Start(absl::StrCat("127.0.0.1:", endpoint_->port()), metrics_->registry());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

TEST(MetricsEndpointAddressTest, MalformedAddressesAreInvalidArgument) {
  auto metrics = std::make_shared<FacadeMetrics>();
  for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", ":9464"}) {
    EXPECT_EQ(MetricsEndpoint::Start(bad, metrics->registry()).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace awsfacade::observability
