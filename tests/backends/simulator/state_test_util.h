#ifndef AWSFACADE_TESTS_BACKENDS_SIMULATOR_STATE_TEST_UTIL_H_
#define AWSFACADE_TESTS_BACKENDS_SIMULATOR_STATE_TEST_UTIL_H_

// Helpers shared by the simulators' persistence tests (<service>_state_test):
// what a state serializes to, and a log of the writes a simulator ran so the
// same writes can be replayed into another one, as the StateKeeper's journal
// does.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/simulator/simulator_options.h"
#include "backends/simulator/state/state_bytes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/status_matchers.h"
#include "tests/common/validated_over.h"

namespace awsfacade::backends::simulator::state_test {

// Options with the given clock and seed, and a sealer whose key is fixed, as
// the key kept in a state directory is: simulators built from equal options
// open each other's tokens.
inline SimulatorOptions StateTestOptions(std::shared_ptr<FakeClock> clock, uint64_t seed) {
  SimulatorOptions options;
  options.clock = std::move(clock);
  options.sealer = std::make_shared<TokenSealer>("state-test-key");
  options.seed = seed;
  return options;
}

// The bytes `sim` saves its state as.
template <typename State, typename Sim>
std::string SavedBytes(const Sim& sim) {
  State state;
  sim.SaveState(&state);
  return DeterministicBytes(state);
}

using ::awsfacade::testutil::StatusOf;

// A DATA_LOSS status whose message contains `substring`.
inline auto IsDataLoss(const std::string& substring) {
  return ::awsfacade::testutil::StatusIs(absl::StatusCode::kDataLoss,
                                         ::testing::HasSubstr(substring));
}

// One way of damaging a saved State, for a parameterized LoadState test.
template <typename State>
struct Damage {
  std::string name;      // the test's name
  std::string expected;  // in the DataLoss message
  std::function<void(State&)> apply;
};
template <typename State>
std::string DamageName(const ::testing::TestParamInfo<Damage<State>>& info) {
  return info.param.name;
}

// Loading `sim`'s own state with `damage` done to it fails with DataLoss
// and leaves `sim` as it was.
template <typename State, typename Sim>
void ExpectLoadRefuses(Sim& sim, const Damage<State>& damage) {
  State state;
  sim.SaveState(&state);
  damage.apply(state);
  const std::string before = SavedBytes<State>(sim);
  EXPECT_THAT(sim.LoadState(state), IsDataLoss(damage.expected));
  EXPECT_EQ(SavedBytes<State>(sim), before);
}

// A simulator's operations behind the model validation (tests/common/validated_over.h).
using ::awsfacade::testing::ValidatedOver;

// A journaled call: `method` of the service interface `Backend` with
// `request`, through ValidatedOver, as a WriteLog write.
template <typename Backend, typename Request, typename Response>
std::function<absl::Status(Backend&)> Call(
    absl::StatusOr<Response> (Backend::*method)(const Request&), Request request) {
  return [method, request = std::move(request)](Backend& sim) {
    Validated<Backend> validated = ValidatedOver(sim);
    return StatusOf((validated.*method)(request));
  };
}

// The journal of a test: writes run on one simulator and, when they
// succeed, are kept with the time they ran at, to run again elsewhere.
template <typename Sim>
class WriteLog {
 public:
  using Write = std::function<absl::Status(Sim&)>;

  // Runs `write` on `sim`; keeps it when it succeeds (failed calls are not
  // journaled). Returns its status.
  absl::Status Run(Sim& sim, const Clock& clock, Write write) {
    absl::Status status = write(sim);
    if (status.ok()) entries_.push_back({clock.Now(), std::move(write)});
    return status;
  }

  // Runs every kept write on `sim`, each with `clock` set to its time.
  void ReplayInto(Sim& sim, FakeClock& clock) const {
    for (const Entry& entry : entries_) {
      clock.Set(entry.time);
      absl::Status status = entry.write(sim);
      EXPECT_TRUE(status.ok()) << "replay at " << entry.time << ": " << status;
    }
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    absl::Time time;
    Write write;
  };
  std::vector<Entry> entries_;
};

}  // namespace awsfacade::backends::simulator::state_test

#endif  // AWSFACADE_TESTS_BACKENDS_SIMULATOR_STATE_TEST_UTIL_H_
