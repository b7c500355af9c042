#include "app/backend_factory.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "awsfacade/simulator/v1/simulator.pb.h"
#include "backends/aws/aws_backends.h"
#include "backends/request_validator.h"
#include "backends/simulator/cognito_sync_simulator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/faulty_backends.h"
#include "backends/simulator/persistence/journaled_backends.h"
#include "backends/simulator/persistence/simulator_state.h"
#include "backends/simulator/personalize_simulator.h"

namespace awsfacade::app {

absl::StatusOr<BackendKind> ParseBackendKind(absl::string_view name) {
  if (name == "simulator") return BackendKind::kSimulator;
  if (name == "aws") return BackendKind::kAws;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown backend '", name, "': expected 'simulator' or 'aws'"));
}

namespace {

namespace sim = backends::simulator;

// The simulated services `out` does not have yet, each behind fault
// injection, and with options.persistence journaled and recovered.
absl::Status AddSimulators(const BackendOptions& options, Backends& out) {
  SimulatorHooks hooks;
  hooks.clock = std::make_shared<backends::OffsetClock>();
  hooks.faults = std::make_shared<sim::FaultInjector>();
  sim::SimulatorOptions sim_options;
  sim_options.region = options.region;
  sim_options.account_id = options.account_id;
  sim_options.clock = hooks.clock;
  std::shared_ptr<sim::StateKeeper> keeper;
  if (options.persistence) {
    sim::PersistenceOptions persistence = *options.persistence;
    persistence.dir.settings = sim::SimulatorSettings(sim_options, options.dynamodb);
    auto opened = sim::StateKeeper::Open(persistence, hooks.clock, sim_options.seed);
    if (!opened.ok()) {
      return absl::Status(opened.status().code(),
                          absl::StrCat("--state_dir: ", opened.status().message()));
    }
    keeper = *std::move(opened);
    sim_options.seed = keeper->seed();
    sim_options.clock = keeper->clock();
    sim_options.sealer = std::make_shared<backends::TokenSealer>(keeper->token_key());
  }

  auto cognito_sync = std::make_shared<sim::CognitoSyncSimulator>(sim_options);
  auto personalize = std::make_shared<sim::PersonalizeSimulator>(sim_options);
  auto dynamodb = std::make_shared<sim::DynamoDbSimulator>(sim_options, options.dynamodb);
  std::shared_ptr<backends::CognitoSyncBackend> cognito_sync_backend = cognito_sync;
  std::shared_ptr<backends::PersonalizeBackend> personalize_backend = personalize;
  std::shared_ptr<backends::DynamoDbBackend> dynamodb_backend = dynamodb;
  std::shared_ptr<backends::DynamoDbStreamsBackend> streams_backend = dynamodb;
  auto reset = [cognito_sync, personalize, dynamodb] {
    cognito_sync->Reset();
    personalize->Reset();
    dynamodb->Reset();
    return absl::OkStatus();
  };
  hooks.reset = reset;
  hooks.advance_clock = [clock = hooks.clock](absl::Duration by) {
    clock->Advance(by);
    return absl::OkStatus();
  };
  hooks.force_shard_rollover = [dynamodb](absl::string_view arn) {
    return dynamodb->ForceShardRollover(arn);
  };
  if (keeper) {
    BindSimulatorState(*keeper, cognito_sync, personalize, dynamodb);
    cognito_sync_backend = std::make_shared<sim::JournaledCognitoSync>(cognito_sync, keeper);
    personalize_backend = std::make_shared<sim::JournaledPersonalize>(personalize, keeper);
    dynamodb_backend = std::make_shared<sim::JournaledDynamoDb>(dynamodb, keeper);
    streams_backend = std::make_shared<sim::JournaledDynamoDbStreams>(dynamodb, keeper);
    keeper->RegisterReplay<::awsfacade::simulator::v1::ResetRequest>(
        "simulator", "Reset",
        [reset](const ::awsfacade::simulator::v1::ResetRequest&) { return reset(); });
    hooks.reset = [keeper, reset] {
      return keeper->Write("simulator", "Reset", ::awsfacade::simulator::v1::ResetRequest(), reset);
    };
    keeper->RegisterReplay<::awsfacade::simulator::v1::ForceShardRolloverRequest>(
        "simulator", "ForceShardRollover",
        [dynamodb](const ::awsfacade::simulator::v1::ForceShardRolloverRequest& r) {
          return dynamodb->ForceShardRollover(r.stream_arn()).status();
        });
    hooks.force_shard_rollover = [keeper, dynamodb](absl::string_view arn) {
      ::awsfacade::simulator::v1::ForceShardRolloverRequest request;
      request.set_stream_arn(std::string(arn));
      return keeper->Write("simulator", "ForceShardRollover", request,
                           [&] { return dynamodb->ForceShardRollover(arn); });
    };
    hooks.advance_clock = [keeper](absl::Duration by) { return keeper->AdvanceClock(by); };
    absl::StatusOr<sim::StateKeeper::Recovery> recovery = keeper->Recover();
    if (!recovery.ok()) {
      return absl::Status(recovery.status().code(),
                          absl::StrCat("--state_dir ", options.persistence->dir.path, ": ",
                                       recovery.status().message()));
    }
    hooks.recovery_summary = absl::StrCat(
        "state from ", options.persistence->dir.path, ": ",
        recovery->snapshot_index == 0
            ? std::string("no snapshot")
            : absl::StrCat("snapshot after entry ", recovery->snapshot_index),
        ", ", recovery->replayed, " journal entries replayed",
        recovery->dropped_torn_tail ? ", a torn last entry (never acknowledged) dropped" : "",
        recovery->dropped_failed_call ? ", a failed call's last entry (never acknowledged) dropped"
                                      : "",
        " in ", absl::FormatDuration(recovery->took));
    hooks.state = keeper;
  }
  if (!out.dynamodb)
    out.dynamodb = std::make_shared<sim::FaultyDynamoDb>(dynamodb_backend, hooks.faults);
  if (!out.dynamodb_streams) {
    out.dynamodb_streams =
        std::make_shared<sim::FaultyDynamoDbStreams>(streams_backend, hooks.faults);
  }
  if (!out.cognito_sync) {
    out.cognito_sync = std::make_shared<sim::FaultyCognitoSync>(cognito_sync_backend, hooks.faults);
  }
  if (!out.personalize) {
    out.personalize = std::make_shared<sim::FaultyPersonalize>(personalize_backend, hooks.faults);
  }
  out.simulator = std::move(hooks);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Backends> CreateBackends(const BackendOptions& options) {
  const BackendKind cognito_sync_kind = options.cognito_sync_kind.value_or(options.kind);
  const BackendKind personalize_kind = options.personalize_kind.value_or(options.kind);
  const BackendKind dynamodb_kind = options.dynamodb_kind.value_or(options.kind);
  const BackendKind streams_kind = options.dynamodb_streams_kind.value_or(options.kind);
  const bool any_aws = cognito_sync_kind == BackendKind::kAws ||
                       personalize_kind == BackendKind::kAws ||
                       dynamodb_kind == BackendKind::kAws || streams_kind == BackendKind::kAws;
  const bool any_simulator =
      cognito_sync_kind == BackendKind::kSimulator || personalize_kind == BackendKind::kSimulator ||
      dynamodb_kind == BackendKind::kSimulator || streams_kind == BackendKind::kSimulator;
  Backends out;
  if (options.persistence && !any_simulator) {
    return absl::InvalidArgumentError(
        "--state_dir keeps simulated state, and no service is simulated");
  }

  if (any_aws) {
    backends::aws::AwsBackendOptions aws_options = options.aws;
    if (aws_options.region.empty()) aws_options.region = options.region;
    absl::StatusOr<backends::aws::AwsBackendSet> aws =
        backends::aws::CreateAwsBackends(std::move(aws_options));
    if (!aws.ok()) return aws.status();
    if (cognito_sync_kind == BackendKind::kAws) out.cognito_sync = aws->cognito_sync;
    if (personalize_kind == BackendKind::kAws) out.personalize = aws->personalize;
    if (dynamodb_kind == BackendKind::kAws) out.dynamodb = aws->dynamodb;
    if (streams_kind == BackendKind::kAws) out.dynamodb_streams = aws->dynamodb_streams;
  }

  if (any_simulator) {
    absl::Status status = AddSimulators(options, out);
    if (!status.ok()) return status;
  }

  if (options.validate_requests) {
    // Above the fault layer, the journal and AWS: a request AWS would reject
    // reaches none of them; below the metrics, which count its rejection.
    out.cognito_sync =
        std::make_shared<backends::ValidatedCognitoSync>(std::move(out.cognito_sync));
    out.personalize = std::make_shared<backends::ValidatedPersonalize>(std::move(out.personalize));
    out.dynamodb = std::make_shared<backends::ValidatedDynamoDb>(std::move(out.dynamodb));
    out.dynamodb_streams =
        std::make_shared<backends::ValidatedDynamoDbStreams>(std::move(out.dynamodb_streams));
  }

  if (options.call_observer != nullptr) {
    // Outermost, so injected faults count as the calls' outcomes too.
    auto name = [](BackendKind kind) { return kind == BackendKind::kAws ? "aws" : "simulator"; };
    const auto& observer = options.call_observer;
    out.cognito_sync = std::make_shared<backends::InstrumentedCognitoSync>(
        std::move(out.cognito_sync), observer, name(cognito_sync_kind));
    out.personalize = std::make_shared<backends::InstrumentedPersonalize>(
        std::move(out.personalize), observer, name(personalize_kind));
    out.dynamodb = std::make_shared<backends::InstrumentedDynamoDb>(std::move(out.dynamodb),
                                                                    observer, name(dynamodb_kind));
    out.dynamodb_streams = std::make_shared<backends::InstrumentedDynamoDbStreams>(
        std::move(out.dynamodb_streams), observer, name(streams_kind));
  }

  if (any_aws) {
    // The unary calls start the AWS backend's asynchronous forms on gRPC's
    // threads; what still calls a blocking form (the paginating streams'
    // pages) runs on a bounded pool, never on gRPC's callback threads.
    out.executor = std::make_unique<service::ThreadPoolExecutor>(
        static_cast<size_t>(std::max(1, options.aws_executor_threads)));
  } else {
    // In-memory calls take microseconds: run them on the callback thread.
    out.executor = std::make_unique<service::InlineExecutor>();
  }
  out.timers = std::make_unique<service::Scheduler>();
  return out;
}

}  // namespace awsfacade::app
