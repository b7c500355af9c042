#include "service/backend_factory.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/aws/aws_backends.h"
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
  namespace sim = backends::simulator;
  const BackendKind cognito_sync_kind = options.cognito_sync_kind.value_or(options.kind);
  const BackendKind personalize_kind = options.personalize_kind.value_or(options.kind);
  const BackendKind dynamodb_kind = options.dynamodb_kind.value_or(options.kind);
  const BackendKind streams_kind = options.dynamodb_streams_kind.value_or(options.kind);
  const bool any_aws = cognito_sync_kind == BackendKind::kAws ||
                       personalize_kind == BackendKind::kAws || dynamodb_kind == BackendKind::kAws ||
                       streams_kind == BackendKind::kAws;
  const bool any_simulator = cognito_sync_kind == BackendKind::kSimulator ||
                             personalize_kind == BackendKind::kSimulator ||
                             dynamodb_kind == BackendKind::kSimulator ||
                             streams_kind == BackendKind::kSimulator;
  Backends out;

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
    if (!out.dynamodb) out.dynamodb = std::make_shared<sim::FaultyDynamoDb>(dynamodb, hooks.faults);
    if (!out.dynamodb_streams) {
      out.dynamodb_streams = std::make_shared<sim::FaultyDynamoDbStreams>(dynamodb, hooks.faults);
    }
    if (!out.cognito_sync) {
      out.cognito_sync = std::make_shared<sim::FaultyCognitoSync>(cognito_sync, hooks.faults);
    }
    if (!out.personalize) {
      out.personalize = std::make_shared<sim::FaultyPersonalize>(personalize, hooks.faults);
    }
    out.simulator = std::move(hooks);
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
    // AWS calls block on the network: they run on a bounded pool, never on
    // gRPC's callback threads.
    out.executor = std::make_unique<ThreadPoolExecutor>(
        static_cast<size_t>(std::max(1, options.aws_executor_threads)));
  } else {
    // In-memory calls take microseconds: run them on the callback thread.
    out.executor = std::make_unique<InlineExecutor>();
  }
  return out;
}

}  // namespace awsfacade::service
