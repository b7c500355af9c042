#ifndef AWSFACADE_BACKENDS_SIMULATOR_SIMULATOR_OPTIONS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_SIMULATOR_OPTIONS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"

namespace awsfacade::backends::simulator {

// A fresh seed for SimulatorOptions::seed.
inline uint64_t RandomSimulatorSeed() {
  absl::BitGen gen;
  return absl::Uniform<uint64_t>(gen);
}

// What every simulated service shares. ARNs are built from region and
// account; all time comes from `clock`; all opaque tokens from `sealer`;
// every random-looking value (IDs, nonces) is derived from `seed` and the
// simulator's own state, never drawn at call time, so that replaying the
// same calls at the same times (persistence, --state_dir) rebuilds exactly
// the same state.
struct SimulatorOptions {
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  std::shared_ptr<Clock> clock = std::make_shared<SystemClock>();
  std::shared_ptr<TokenSealer> sealer = std::make_shared<TokenSealer>();
  uint64_t seed = RandomSimulatorSeed();
};

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_SIMULATOR_OPTIONS_H_
