#include "backends/simulator/persistence/simulator_state.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace awsfacade::backends::simulator {

void BindSimulatorState(StateKeeper& keeper, std::shared_ptr<CognitoSyncSimulator> cognito_sync,
                        std::shared_ptr<PersonalizeSimulator> personalize,
                        std::shared_ptr<DynamoDbSimulator> dynamodb) {
  keeper.SetStateHooks(
      [cognito_sync, personalize, dynamodb](state::Snapshot* out) {
        cognito_sync->SaveState(out->mutable_cognito_sync());
        personalize->SaveState(out->mutable_personalize());
        dynamodb->SaveState(out->mutable_dynamodb());
        return absl::OkStatus();
      },
      [cognito_sync, personalize, dynamodb](const state::Snapshot& in) {
        if (absl::Status s = cognito_sync->LoadState(in.cognito_sync()); !s.ok()) return s;
        if (absl::Status s = personalize->LoadState(in.personalize()); !s.ok()) return s;
        return dynamodb->LoadState(in.dynamodb());
      });
}

std::string SimulatorSettings(const SimulatorOptions& common,
                              const DynamoDbSimulatorOptions& dynamodb) {
  return absl::StrCat(
      "region=", common.region, "\naccount_id=", common.account_id,
      "\nshard_rollover_interval=", absl::FormatDuration(dynamodb.shard_rollover_interval),
      "\nshard_rollover_records=", dynamodb.shard_rollover_records,
      "\nopen_shards_per_stream=", dynamodb.open_shards_per_stream,
      "\niterator_lifetime=", absl::FormatDuration(dynamodb.iterator_lifetime),
      "\nretention=", absl::FormatDuration(dynamodb.retention),
      "\nget_records_per_second_per_shard=", dynamodb.get_records_per_second_per_shard,
      "\nmax_tables=", dynamodb.max_tables,
      "\nttl_deletion_delay=", absl::FormatDuration(dynamodb.ttl_deletion_delay), "\n");
}

}  // namespace awsfacade::backends::simulator
