#include "service/server.h"

#include "absl/strings/str_cat.h"
#include "awsfacade/bench/v1/echo.grpc.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "service/cognito_sync_service.h"
#include "service/personalize_service.h"
#include "service/simulator_service.h"

namespace awsfacade::service {
namespace {

// The benchmark baseline: the cheapest possible RPC on the same server.
class EchoService final : public awsfacade::bench::v1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const awsfacade::bench::v1::EchoRequest* request,
                                 awsfacade::bench::v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<FacadeServer>> FacadeServer::Start(ServerOptions options) {
  absl::StatusOr<Backends> backends = CreateBackends(options.backends);
  if (!backends.ok()) return backends.status();

  std::unique_ptr<FacadeServer> server(new FacadeServer());
  server->backends_ = *std::move(backends);
  Backends& b = server->backends_;
  server->services_.push_back(
      std::make_unique<CognitoSyncService>(b.cognito_sync, b.executor.get()));
  server->services_.push_back(
      std::make_unique<PersonalizeService>(b.personalize, b.executor.get()));
  if (b.simulator) server->services_.push_back(std::make_unique<SimulatorService>(*b.simulator));
  if (options.bench_echo) server->services_.push_back(std::make_unique<EchoService>());

  // Reflection describes grpc.health.v1 only if its descriptor is linked in:
  // referencing it keeps health.pb.o in the binary.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &server->port_);
  // Without this, Linux lets a second server bind the same port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  for (auto& service : server->services_) builder.RegisterService(service.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

FacadeServer::~FacadeServer() { Shutdown(absl::ZeroDuration()); }

void FacadeServer::Shutdown(absl::Duration grace) {
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace));
  server_->Wait();
  server_.reset();
}

std::shared_ptr<grpc::Channel> FacadeServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

}  // namespace awsfacade::service
