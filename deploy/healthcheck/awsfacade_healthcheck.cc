// awsfacade-healthcheck: calls grpc.health.v1.Health/Check once and exits
//   0  the answer is SERVING,
//   1  anything else: NOT_SERVING, unknown service (NOT_FOUND), no server,
//      deadline exceeded,
//   2  usage error.
// Made for the container image's HEALTHCHECK and for scripts; Kubernetes uses
// its native gRPC probe against the same service.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:50051", "Server to check (HOST:PORT).");
ABSL_FLAG(std::string, service, "", "Service name to ask about (empty: the server as a whole).");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(2), "Deadline of the call, connecting included.");

namespace {

constexpr char kUsage[] =
    "awsfacade-healthcheck [--addr=127.0.0.1:50051] [--service=NAME] [--timeout=2s]\n"
    "Exit 0 if grpc.health.v1.Health/Check answers SERVING, 1 otherwise, 2 on a usage error.";

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const std::string addr = absl::GetFlag(FLAGS_addr);
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (positional.size() > 1 || addr.empty() || timeout <= absl::ZeroDuration()) {
    std::cerr << kUsage << "\n";
    return 2;
  }

  auto stub = Health::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  // Not wait-for-ready: a refused connection fails at once instead of
  // spending the whole deadline, so an orchestrator's retries stay cheap.
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cerr << "awsfacade-healthcheck: " << addr << ": "
              << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()))
              << ": " << status.error_message() << "\n";
    return 1;
  }
  const std::string state = HealthCheckResponse::ServingStatus_Name(response.status());
  if (response.status() != HealthCheckResponse::SERVING) {
    std::cerr << "awsfacade-healthcheck: " << addr << ": " << state << "\n";
    return 1;
  }
  std::cout << "awsfacade-healthcheck: " << addr << ": " << state << "\n";
  return 0;
}
