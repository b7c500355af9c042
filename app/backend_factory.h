#ifndef AWSFACADE_APP_BACKEND_FACTORY_H_
#define AWSFACADE_APP_BACKEND_FACTORY_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "backends/aws/aws_backends.h"
#include "backends/cognito_sync_backend.h"
#include "backends/common/clock.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/instrumented_backends.h"
#include "backends/personalize_backend.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/fault_injector.h"
#include "backends/simulator/persistence/state_keeper.h"
#include "backends/simulator/stream_store.h"
#include "service/executor.h"
#include "service/scheduler.h"

namespace awsfacade::app {

enum class BackendKind { kSimulator, kAws };

// Parses "simulator" / "aws".
absl::StatusOr<BackendKind> ParseBackendKind(absl::string_view name);

struct BackendOptions {
  // The backend of every service, unless overridden below.
  BackendKind kind = BackendKind::kSimulator;
  // Per-service overrides (e.g. Streams on AWS, Cognito Sync simulated).
  std::optional<BackendKind> cognito_sync_kind;
  std::optional<BackendKind> personalize_kind;
  std::optional<BackendKind> dynamodb_kind;
  std::optional<BackendKind> dynamodb_streams_kind;
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  // Simulated DynamoDB and Streams (shard rollover, retention, limits).
  backends::simulator::DynamoDbSimulatorOptions dynamodb;
  // The real-AWS backend (services on BackendKind::kAws). An empty region
  // takes `region` above.
  backends::aws::AwsBackendOptions aws;
  // Threads that run backend calls when any service is on AWS: also the
  // bound on AWS calls in flight from the unary handlers.
  int aws_executor_threads = 16;
  // Simulated state survives restarts (--state_dir): the simulators are
  // journaled and recovered from this directory before serving.
  std::optional<backends::simulator::PersistenceOptions> persistence;
  // Every request is checked against the AWS model's constraints before it
  // reaches a backend, simulated or AWS (backends/request_validator.h).
  // Off only to measure what the check costs.
  bool validate_requests = true;
  // Given: every backend is wrapped in an Instrumented* decorator that
  // reports each call to it (app/observability.cc sets it).
  std::shared_ptr<backends::BackendCallObserver> call_observer;
};

// What SimulatorService controls when the simulator backend is active.
struct SimulatorHooks {
  std::shared_ptr<backends::OffsetClock> clock;
  std::shared_ptr<backends::simulator::FaultInjector> faults;
  // Moves the clock forward (journaled with --state_dir).
  std::function<absl::Status(absl::Duration)> advance_clock;
  std::function<absl::Status()> reset;  // drops all simulated state
  // Closes every open shard of a stream now and opens their children.
  std::function<absl::StatusOr<backends::simulator::ShardRollover>(absl::string_view stream_arn)>
      force_shard_rollover;
  // With BackendOptions::persistence: the journal, and what recovery did
  // (one line for the start-up log).
  std::shared_ptr<backends::simulator::StateKeeper> state;
  std::string recovery_summary;
};

// The backends of every service, and where their calls run.
struct Backends {
  std::shared_ptr<backends::CognitoSyncBackend> cognito_sync;
  std::shared_ptr<backends::PersonalizeBackend> personalize;
  std::shared_ptr<backends::DynamoDbBackend> dynamodb;
  std::shared_ptr<backends::DynamoDbStreamsBackend> dynamodb_streams;
  std::unique_ptr<service::Executor> executor;
  // Timers for calls the backend asks to run later (the simulator's latency
  // faults): they wait here, holding no thread.
  std::unique_ptr<service::Scheduler> timers;
  // Set when at least one service is simulated; empty when all are on AWS
  // (SimulatorService is then not served).
  std::optional<SimulatorHooks> simulator;
};

// Builds the backends `options` ask for. Services on AWS share one HTTP
// client and one credentials provider, and their calls run on a
// ThreadPoolExecutor; an all-simulator set runs inline. Errors are
// CreateAwsBackends's (no credentials, bad endpoint URL, ...).
absl::StatusOr<Backends> CreateBackends(const BackendOptions& options);

}  // namespace awsfacade::app

#endif  // AWSFACADE_APP_BACKEND_FACTORY_H_
