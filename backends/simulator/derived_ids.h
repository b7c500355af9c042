#ifndef AWSFACADE_BACKENDS_SIMULATOR_DERIVED_IDS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DERIVED_IDS_H_

#include <cstdint>

namespace awsfacade::backends::simulator {

// A bijection on 64-bit values (splitmix64's finalizer): distinct inputs
// give distinct, random-looking outputs. The simulators derive their IDs
// from SimulatorOptions::seed and their own counters through it, so a
// replay of the same calls rebuilds the same IDs.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DERIVED_IDS_H_
