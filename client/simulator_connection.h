#ifndef AWSFACADE_CLIENT_SIMULATOR_CONNECTION_H_
#define AWSFACADE_CLIENT_SIMULATOR_CONNECTION_H_

#include <memory>

#include "awsfacade/simulator/v1/simulator.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

// The RPCs of awsfacade.simulator.v1.SimulatorService, the simulator
// backend's control API (see proto/awsfacade/simulator/v1/simulator.proto),
// as X(namespace, Rpc) lists.
#define AWSFACADE_SIMULATOR_UNARY_RPCS(X)     \
  X(::awsfacade::simulator::v1, AdvanceClock) \
  X(::awsfacade::simulator::v1, GetClock)     \
  X(::awsfacade::simulator::v1, SetFaults)    \
  X(::awsfacade::simulator::v1, ClearFaults)  \
  X(::awsfacade::simulator::v1, Reset)        \
  X(::awsfacade::simulator::v1, ForceShardRollover)
#define AWSFACADE_SIMULATOR_STREAMING_RPCS(X)
#define AWSFACADE_SIMULATOR_SUBSCRIPTION_RPCS(X)

namespace awsfacade::client {

// The simulator control RPCs, one virtual method each. A server backed by
// real AWS does not serve them: every call then fails with UNIMPLEMENTED.
// Thread-safe.
class SimulatorConnection {
 public:
  virtual ~SimulatorConnection() = default;
  AWSFACADE_SIMULATOR_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
};

// A connection to the server at options.endpoint (gRPC calls wrapped in the
// retry decorator).
std::shared_ptr<SimulatorConnection> MakeSimulatorConnection(ConnectionOptions options = {});

namespace internal {
std::shared_ptr<SimulatorConnection> MakeSimulatorGrpcConnection(ConnectionOptions options);
std::shared_ptr<SimulatorConnection> MakeSimulatorRetryConnection(
    std::shared_ptr<SimulatorConnection> child, ConnectionOptions options);
}  // namespace internal

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_SIMULATOR_CONNECTION_H_
