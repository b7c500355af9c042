#include "service/backend_factory.h"

#include "absl/strings/str_cat.h"
#include "backends/simulator/cognito_sync_simulator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/faulty_backends.h"
#include "backends/simulator/personalize_simulator.h"

namespace awsfacade::service {

absl::StatusOr<BackendKind> ParseBackendKind(absl::string_view name) {
  if (name == "simulator") return BackendKind::kSimulator;
  if (name == "aws") return BackendKind::kAws;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown backend '", name, "': expected 'simulator' or 'aws'"));
}

absl::StatusOr<Backends> CreateBackends(const BackendOptions& options) {
  if (options.kind == BackendKind::kAws) {
    return absl::UnimplementedError(
        "the real-AWS backend is not built yet (see the project's issues); use --backend=simulator");
  }
  namespace sim = backends::simulator;
  Backends out;
  SimulatorHooks hooks;
  hooks.clock = std::make_shared<backends::OffsetClock>();
  hooks.faults = std::make_shared<sim::FaultInjector>();
  sim::SimulatorOptions sim_options;
  sim_options.region = options.region;
  sim_options.account_id = options.account_id;
  sim_options.clock = hooks.clock;

  auto cognito_sync = std::make_shared<sim::CognitoSyncSimulator>(sim_options);
  auto personalize = std::make_shared<sim::PersonalizeSimulator>(sim_options);
  auto dynamodb = std::make_shared<sim::DynamoDbSimulator>(sim_options, options.dynamodb);
  hooks.reset = [cognito_sync, personalize, dynamodb] {
    cognito_sync->Reset();
    personalize->Reset();
    dynamodb->Reset();
  };
  hooks.force_shard_rollover = [dynamodb](absl::string_view arn) {
    return dynamodb->ForceShardRollover(arn);
  };
  out.dynamodb = std::make_shared<sim::FaultyDynamoDb>(dynamodb, hooks.faults);
  out.dynamodb_streams = std::make_shared<sim::FaultyDynamoDbStreams>(dynamodb, hooks.faults);
  out.cognito_sync = std::make_shared<sim::FaultyCognitoSync>(cognito_sync, hooks.faults);
  out.personalize = std::make_shared<sim::FaultyPersonalize>(personalize, hooks.faults);
  out.simulator = std::move(hooks);
  // In-memory calls take microseconds: run them on the callback thread.
  out.executor = std::make_unique<InlineExecutor>();
  return out;
}

}  // namespace awsfacade::service
