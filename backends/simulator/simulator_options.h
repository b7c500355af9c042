#ifndef AWSFACADE_BACKENDS_SIMULATOR_SIMULATOR_OPTIONS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_SIMULATOR_OPTIONS_H_

#include <memory>
#include <string>

#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"

namespace awsfacade::backends::simulator {

// What every simulated service shares. ARNs are built from region and
// account; all time comes from `clock`; all opaque tokens from `sealer`.
struct SimulatorOptions {
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  std::shared_ptr<Clock> clock = std::make_shared<SystemClock>();
  std::shared_ptr<TokenSealer> sealer = std::make_shared<TokenSealer>();
};

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_SIMULATOR_OPTIONS_H_
