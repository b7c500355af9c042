#include "app/server.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "app/simulator_service.h"
#include "awsfacade/bench/v1/echo.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "service/cognito_sync_service.h"
#include "service/descriptor_set.h"
#include "service/dynamodb_service.h"
#include "service/dynamodb_streams_service.h"
#include "service/personalize_service.h"
#include "service/reflection_service.h"
#include "service/request_parsing.h"

namespace awsfacade::app {
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

  grpc::ServerWriteReactor<awsfacade::bench::v1::StreamEchoResponse>* StreamEcho(
      grpc::CallbackServerContext* /*context*/,
      const awsfacade::bench::v1::StreamEchoRequest* request) override {
    class Writer final : public grpc::ServerWriteReactor<awsfacade::bench::v1::StreamEchoResponse> {
     public:
      explicit Writer(const awsfacade::bench::v1::StreamEchoRequest& request)
          : left_(std::min(request.count(), 10'000'000)), hold_open_(request.hold_open()) {
        message_.set_payload(std::string(std::clamp(request.payload_size(), 0, 4 << 20), 'x'));
        Next();
      }
      void OnWriteDone(bool ok) override {
        if (!ok) {
          FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
          return;
        }
        Next();
      }
      void OnCancel() override {
        FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        if (left_-- > 0) {
          StartWrite(&message_);
        } else if (!hold_open_) {
          FinishOnce(grpc::Status::OK);
        }
      }
      // OnCancel may come after a failed write already finished the call.
      void FinishOnce(const grpc::Status& status) {
        if (!finished_.exchange(true)) Finish(status);
      }
      int left_;
      const bool hold_open_;
      std::atomic<bool> finished_{false};
      awsfacade::bench::v1::StreamEchoResponse message_;
    };
    return new Writer(*request);
  }
};

}  // namespace

namespace {

constexpr std::size_t kMinTokenKeyBytes = 32;  // HMAC-SHA256's block of entropy

// gRPC reports a port in use only in its own log and then fails the start
// without a reason; look first, so the status can say it. HOST:PORT with a
// numeric or named host, [v6]:PORT; other forms (unix:, port 0) pass.
absl::Status CheckAddressFree(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || absl::StartsWith(listen, "unix:")) return absl::OkStatus();
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port == "0") return absl::OkStatus();
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found) != 0) {
    return absl::OkStatus();  // gRPC will say what is wrong with the address
  }
  bool in_use = false;
  for (addrinfo* a = found; a != nullptr && !in_use; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;  // as gRPC binds: a port in TIME_WAIT is free
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    in_use = bind(fd, a->ai_addr, a->ai_addrlen) != 0 && errno == EADDRINUSE;
    close(fd);
  }
  freeaddrinfo(found);
  if (in_use) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, ": address already in use"));
  }
  return absl::OkStatus();
}

int Millis(absl::Duration d) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const ServerOptions& options) {
  if (options.tls_cert_chain.empty() && options.tls_private_key.empty()) {
    if (!options.tls_client_ca.empty()) {
      return absl::InvalidArgumentError(
          "a client CA (mutual TLS) needs a server certificate and key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_chain.empty() || options.tls_private_key.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate chain and its private key");
  }
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                    : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = options.tls_client_ca;
  ssl.pem_key_cert_pairs.push_back({options.tls_private_key, options.tls_cert_chain});
  return grpc::SslServerCredentials(ssl);
}

void AddConnectionLimits(const ServerOptions& options, grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, options.max_metadata_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Millis(options.keepalive_timeout));
  // Clients may keep idle connections alive with pings, but not faster than
  // the interval; past two strikes they get GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             Millis(options.min_client_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  if (options.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, Millis(options.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               Millis(options.max_connection_age_grace));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<FacadeServer>> FacadeServer::Start(ServerOptions options) {
  ObserveBackends(options.observability, options.backends, options.subscriptions);
  absl::StatusOr<Backends> backends = CreateBackends(options.backends);
  if (!backends.ok()) return backends.status();

  std::unique_ptr<FacadeServer> server(new FacadeServer());
  server->backends_ = *std::move(backends);
  server->logger_ = options.observability.logger;
  Backends& b = server->backends_;
  if (!options.subscription_token_key.empty() &&
      options.subscription_token_key.size() < kMinTokenKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the subscription token key must have at least ",
                                                   kMinTokenKeyBytes, " bytes"));
  }
  // Continuation tokens (and, under a policy, shard iterators) outlive this
  // process when a key is given, or when the simulator keeps its state (and
  // its key) in --state_dir.
  std::string token_key = options.subscription_token_key;
  if (token_key.empty() && b.simulator && b.simulator->state) {
    token_key = b.simulator->state->token_key();
  }
  auto sealer = token_key.empty() ? std::make_shared<backends::TokenSealer>()
                                  : std::make_shared<backends::TokenSealer>(token_key);
  if (!options.authz_policy.empty()) {
    absl::StatusOr<std::unique_ptr<service::Authorizer>> authz = service::Authorizer::FromJson(
        options.authz_policy, options.backends.region, options.backends.account_id, sealer);
    if (!authz.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("authorization policy: ", authz.status().message()));
    }
    server->authz_ = *std::move(authz);
  }
  const service::Authorizer* authz = server->authz_.get();
  // Each service with its full name, which reflection lists and health
  // answers for; each parses its requests itself (service/request_parsing.h).
  std::vector<std::string> names = {grpc::health::v1::Health::service_full_name()};
  auto add = [&](const char* name, std::unique_ptr<grpc::Service> service) {
    names.push_back(name);
    server->served_names_.push_back(name);
    server->services_.push_back(service::WithStrictParsing(std::move(service), name));
  };
  add(aws::cognitosync::v1::CognitoSyncService::service_full_name(),
      std::make_unique<service::CognitoSyncService>(b.cognito_sync, b.executor.get(),
                                                    b.timers.get(), authz));
  add(aws::personalize::v1::PersonalizeService::service_full_name(),
      std::make_unique<service::PersonalizeService>(b.personalize, b.executor.get(), b.timers.get(),
                                                    authz));
  server->subscriptions_ = std::make_unique<service::SubscriptionEngine>(
      b.dynamodb_streams, std::move(sealer), options.subscriptions);
  add(aws::dynamodbstreams::v1::DynamoDbStreamsService::service_full_name(),
      std::make_unique<service::DynamoDbStreamsService>(b.dynamodb_streams, b.executor.get(),
                                                        b.timers.get(),
                                                        server->subscriptions_.get(), authz));
  add(aws::dynamodb::v1::DynamoDbService::service_full_name(),
      std::make_unique<service::DynamoDbService>(b.dynamodb, b.executor.get(), b.timers.get(),
                                                 authz));
  // Group members read their shards through this server's own
  // SubscribeToShard, sharing the one upstream reader per shard.
  FacadeServer* self = server.get();
  server->group_reads_ = std::make_shared<service::consumer_groups::InProcessShardSource>(
      [self] { return self->InProcessChannel(); });
  auto groups = std::make_unique<service::consumer_groups::ConsumerGroupsService>(
      b.dynamodb, b.dynamodb_streams, server->group_reads_, b.executor.get(), b.timers.get(), authz,
      options.consumer_groups);
  server->consumer_groups_ = groups.get();
  add(awsfacade::consumergroups::v1::ConsumerGroupsService::service_full_name(), std::move(groups));
  if (b.simulator && options.serve_simulator_control) {
    add(awsfacade::simulator::v1::SimulatorService::service_full_name(),
        std::make_unique<SimulatorService>(*b.simulator, authz));
  }
  if (options.bench_echo) {
    add(awsfacade::bench::v1::EchoService::service_full_name(), std::make_unique<EchoService>());
  }

  grpc::EnableDefaultHealthCheckService(true);
  absl::StatusOr<std::unique_ptr<service::ReflectionService>> reflection =
      service::ReflectionService::Create(service::EmbeddedDescriptorSet(), std::move(names),
                                         options.max_message_bytes);
  if (!reflection.ok()) return reflection.status();
  server->reflection_ = *std::move(reflection);

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentialsFor(options);
  if (!credentials.ok()) return credentials.status();
  if (absl::Status free = CheckAddressFree(options.listen); !free.ok()) return free;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *credentials, &server->port_);
  // Without this, Linux lets a second server bind the same port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  AddConnectionLimits(options, builder);
  if (options.transport_memory_bytes > 0) {
    grpc::ResourceQuota quota("awsfacade-transport");
    quota.Resize(static_cast<size_t>(options.transport_memory_bytes));
    builder.SetResourceQuota(quota);  // the builder keeps its own reference
  }
  for (auto& service : server->services_) builder.RegisterService(service.get());
  for (grpc::Service* service : server->reflection_->services()) builder.RegisterService(service);
  if (auto interceptors = RpcInterceptors(options.observability); !interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  if (!options.aws_wire.listen.empty()) {
    service::aws_wire::AwsWireOptions wire = options.aws_wire;
    wire.handler.region = options.backends.region;
    grpc::ChannelArguments args;  // answers as large as the server sends
    args.SetMaxReceiveMessageSize(options.max_message_bytes);
    absl::StatusOr<std::unique_ptr<service::aws_wire::AwsWireServer>> started =
        service::aws_wire::AwsWireServer::Start(wire, server->server_->InProcessChannel(args));
    if (!started.ok()) return started.status();
    server->aws_wire_ = *std::move(started);
  }
  server->SetServing(true);
  if (b.simulator && b.simulator->state) server->FollowStateWritability();
  return server;
}

void FacadeServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  for (const std::string& name : served_names_) health->SetServingStatus(name, serving);
}

void FacadeServer::FollowStateWritability() {
  // With --state_dir on a full disk, writes fail (changing nothing) until
  // they can be saved again; health says so meanwhile. Unhooked in Shutdown,
  // before this server goes.
  backends_.simulator->state->SetWritabilityObserver([this](bool writable,
                                                            const absl::Status& cause) {
    SetServing(writable);
    if (!logger_) return;
    if (writable) {
      logger_->Log(observability::LogLevel::kWarning,
                   "awsfacade-server: the simulator state can be saved again; health is SERVING");
    } else {
      logger_->Log(observability::LogLevel::kError,
                   "awsfacade-server: the simulator state cannot be saved: writes fail with "
                   "UNAVAILABLE and change nothing until it can; health is NOT_SERVING",
                   {{"cause", std::string(cause.message())}});
    }
  });
}

FacadeServer::~FacadeServer() { Shutdown(absl::ZeroDuration()); }

void FacadeServer::Shutdown(absl::Duration grace) {
  if (!server_) return;
  if (backends_.simulator && backends_.simulator->state) {
    backends_.simulator->state->SetWritabilityObserver(nullptr);
  }
  SetServing(false);
  // Group members stop reading first: no new in-process call may start on a
  // server going away.
  group_reads_->Stop();
  consumer_groups_->Shutdown();
  // No new AWS wire requests; those in flight finish their gRPC calls.
  if (aws_wire_) aws_wire_->Shutdown();
  // Subscriptions end first, each with UNAVAILABLE and its final token.
  subscriptions_->Shutdown(grace);
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace));
  server_->Wait();
  server_.reset();
  subscriptions_.reset();
  // With --state_dir: a last snapshot, so the next start replays nothing.
  // Nothing is lost without it: the journal has every acknowledged change.
  if (backends_.simulator && backends_.simulator->state) {
    absl::Status s = backends_.simulator->state->Snapshot();
    if (!s.ok() && logger_) {
      logger_->Log(observability::LogLevel::kWarning,
                   "awsfacade-server: no snapshot at shutdown (the journal is kept)",
                   {{"error", s.ToString()}});
    }
  }
}

std::shared_ptr<grpc::Channel> FacadeServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

}  // namespace awsfacade::app
