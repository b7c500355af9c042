#include "backends/simulator/persistence/simulator_state.h"

#include <utility>

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

}  // namespace awsfacade::backends::simulator
