#ifndef AWSFACADE_CLIENT_SIMULATOR_CONNECTION_H_
#define AWSFACADE_CLIENT_SIMULATOR_CONNECTION_H_

#include <memory>

#include "awsfacade/simulator/v1/simulator.pb.h"
// The RPC lists (X-macros: unary, passed-through streams, resumed
// subscriptions), generated from the proto by cmake/protoc-gen-awsfacade_rpcs.
#include "awsfacade/simulator/v1/simulator.rpcs.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

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
