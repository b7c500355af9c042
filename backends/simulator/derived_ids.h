#ifndef AWSFACADE_BACKENDS_SIMULATOR_DERIVED_IDS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DERIVED_IDS_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

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

// A version-4-shaped UUID (the form of AWS's table and event tracker IDs)
// derived from `seed` and a number the caller never reuses: random-looking,
// yet the same on every replay.
inline std::string DerivedUuid(uint64_t seed, uint64_t n) {
  uint64_t hi = Mix64(seed ^ Mix64(2 * n));
  uint64_t lo = Mix64(seed ^ Mix64(2 * n + 1));
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DERIVED_IDS_H_
