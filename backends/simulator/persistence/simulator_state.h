#ifndef AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_SIMULATOR_STATE_H_
#define AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_SIMULATOR_STATE_H_

#include <memory>
#include <string>

#include "backends/simulator/cognito_sync_simulator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/persistence/state_keeper.h"
#include "backends/simulator/personalize_simulator.h"
#include "backends/simulator/simulator_options.h"

namespace awsfacade::backends::simulator {

// Tells `keeper` how to save the three simulators into a snapshot and load
// them back (each simulator's SaveState/LoadState).
void BindSimulatorState(StateKeeper& keeper, std::shared_ptr<CognitoSyncSimulator> cognito_sync,
                        std::shared_ptr<PersonalizeSimulator> personalize,
                        std::shared_ptr<DynamoDbSimulator> dynamodb);

// What the simulated state depends on besides the journal, as
// StateDirOptions::settings wants it: ARNs name the region and account;
// shard IDs, rollovers, trimming, iterator expiry, Time to Live deletions
// and the table quota follow the DynamoDB options.
std::string SimulatorSettings(const SimulatorOptions& common,
                              const DynamoDbSimulatorOptions& dynamodb);

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_SIMULATOR_STATE_H_
