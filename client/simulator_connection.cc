#include "client/simulator_connection.h"

#include "awsfacade/simulator/v1/simulator.grpc.pb.h"
#include "client/internal/connection_impl.h"

AWSFACADE_CLIENT_DEFINE_CONNECTION(Simulator, AWSFACADE_SIMULATOR,
                                   ::awsfacade::simulator::v1::SimulatorService)
