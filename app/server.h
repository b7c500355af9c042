#ifndef AWSFACADE_APP_SERVER_H_
#define AWSFACADE_APP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/backend_factory.h"
#include "app/observability.h"
#include "grpcpp/grpcpp.h"
#include "service/authorizer.h"
#include "service/aws_wire/aws_wire_server.h"
#include "service/consumer_groups/consumer_groups_service.h"
#include "service/reflection_service.h"
#include "service/subscription_engine.h"

namespace awsfacade::app {

// Everything the server needs, filled from flags and the environment in
// main.cc and nowhere else.
struct ServerOptions {
  std::string listen = "127.0.0.1:50051";
  BackendOptions backends;
  // Registers awsfacade.bench.v1.EchoService (benchmark baseline only).
  bool bench_echo = false;
  // Largest request or response message, in bytes.
  int max_message_bytes = 16 << 20;
  // TLS: PEM contents (not paths). No certificate chain: plaintext. A client
  // CA: mutual TLS, every client must present a certificate it signed.
  std::string tls_cert_chain;
  std::string tls_private_key;
  std::string tls_client_ca;
  // Connection limits (HTTP/2): concurrent streams per connection; the
  // largest header block a client may send; server keepalive pings (dead
  // peers are dropped after keepalive_time + keepalive_timeout); clients
  // pinging more often than min_client_ping_interval are sent GOAWAY
  // (ENHANCE_YOUR_CALM) after two strikes; connections older than
  // max_connection_age (zero: never) are closed gracefully, so clients
  // re-resolve and find new replicas.
  int max_concurrent_streams = 1000;
  int max_metadata_bytes = 16 << 10;
  absl::Duration keepalive_time = absl::Minutes(2);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  absl::Duration min_client_ping_interval = absl::Seconds(10);
  absl::Duration max_connection_age = absl::ZeroDuration();
  absl::Duration max_connection_age_grace = absl::Minutes(5);
  // gRPC's resource quota for the server's transport (grpc::ResourceQuota):
  // the memory gRPC accounts for connections and calls (read buffers, call
  // arenas). Under pressure gRPC shrinks reads, and near the bound it
  // cancels streams and closes idle connections. Measured with gRPC 1.51,
  // neither Rapid Reset nor stalled readers came under it, even at 16 MiB
  // (docs/security.md): it is no defence against them. Zero: no
  // quota.
  int64_t transport_memory_bytes = 0;
  service::SubscriptionEngineOptions subscriptions;
  // Consumer groups (awsfacade.consumergroups.v1): the lease duration.
  service::consumer_groups::ConsumerGroupsOptions consumer_groups;
  // The secret that seals subscription continuation tokens (at least 32
  // bytes). Replicas given the same key resume each other's tokens (on the
  // AWS backend, where the stream is shared); empty: a random key per process.
  std::string subscription_token_key;
  // Authorization policy (JSON, service/authorizer.h); empty: no checks.
  std::string authz_policy;
  // Serves awsfacade.simulator.v1.SimulatorService when a service is
  // simulated; false: not at all (UNIMPLEMENTED, not in reflection).
  bool serve_simulator_control = true;
  // Metrics and logs (either may be null: nothing recorded or logged).
  ObservabilityOptions observability;
  // The AWS wire protocols endpoint (--aws_listen; empty listen: none). Its
  // region is backends.region.
  service::aws_wire::AwsWireOptions aws_wire;
};

// The facade's gRPC server: the AWS services on their backends, health
// (grpc.health.v1: "" and each served service's full name) and reflection
// (grpc.reflection.v1 and v1alpha, with the proto comments).
class FacadeServer {
 public:
  // Builds the backends and starts listening. InvalidArgument for a bad
  // option, Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<FacadeServer>> Start(ServerOptions options);
  ~FacadeServer();

  // The port actually bound (useful with port 0).
  int port() const { return port_; }
  // The AWS wire endpoint's port; 0 when it is not served.
  int aws_wire_port() const { return aws_wire_ ? aws_wire_->port() : 0; }
  // Set when a service is simulated.
  const std::optional<SimulatorHooks>& simulator_hooks() const { return backends_.simulator; }
  // Stops accepting, lets in-flight calls finish until `grace` has passed,
  // then cancels what is left. Idempotent.
  void Shutdown(absl::Duration grace);
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  FacadeServer() = default;
  // The one place health statuses are set: "" and every served service.
  void SetServing(bool serving);
  // Health and the log follow whether simulated writes can be saved.
  void FollowStateWritability();

  Backends backends_;
  std::unique_ptr<service::Authorizer> authz_;
  std::unique_ptr<service::SubscriptionEngine> subscriptions_;
  // Group members' reads (SubscribeToShard over the in-process channel);
  // stopped before the server shuts down.
  std::shared_ptr<service::consumer_groups::InProcessShardSource> group_reads_;
  service::consumer_groups::ConsumerGroupsService* consumer_groups_ = nullptr;  // in services_
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::vector<std::string> served_names_;  // what health answers for, besides ""
  std::unique_ptr<service::ReflectionService> reflection_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<service::aws_wire::AwsWireServer> aws_wire_;  // calls server_ in process
  std::shared_ptr<observability::JsonLogger> logger_;           // may be null
  int port_ = 0;
};

}  // namespace awsfacade::app

#endif  // AWSFACADE_APP_SERVER_H_
