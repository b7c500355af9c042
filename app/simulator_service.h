#ifndef AWSFACADE_APP_SIMULATOR_SERVICE_H_
#define AWSFACADE_APP_SIMULATOR_SERVICE_H_

#include "app/backend_factory.h"
#include "awsfacade/simulator/v1/simulator.grpc.pb.h"
#include "service/authorizer.h"

namespace awsfacade::app {

// awsfacade.simulator.v1.SimulatorService: the simulator's controls (clock,
// faults, reset, shard rollover). Registered only on the simulator backend
// (and not at all with --serve_simulator_control=false). Under a policy
// (`authz` set) every control is authorized like any AWS operation
// (authorizer.h: ForceShardRollover on its stream, the rest on no resource).
class SimulatorService final : public awsfacade::simulator::v1::SimulatorService::CallbackService {
 public:
  explicit SimulatorService(SimulatorHooks hooks, const service::Authorizer* authz = nullptr)
      : hooks_(std::move(hooks)), authz_(authz) {}

  grpc::ServerUnaryReactor* AdvanceClock(
      grpc::CallbackServerContext* context,
      const awsfacade::simulator::v1::AdvanceClockRequest* request,
      awsfacade::simulator::v1::AdvanceClockResponse* response) override;
  grpc::ServerUnaryReactor* GetClock(grpc::CallbackServerContext* context,
                                     const awsfacade::simulator::v1::GetClockRequest* request,
                                     awsfacade::simulator::v1::GetClockResponse* response) override;
  grpc::ServerUnaryReactor* SetFaults(
      grpc::CallbackServerContext* context,
      const awsfacade::simulator::v1::SetFaultsRequest* request,
      awsfacade::simulator::v1::SetFaultsResponse* response) override;
  grpc::ServerUnaryReactor* ClearFaults(
      grpc::CallbackServerContext* context,
      const awsfacade::simulator::v1::ClearFaultsRequest* request,
      awsfacade::simulator::v1::ClearFaultsResponse* response) override;
  grpc::ServerUnaryReactor* Reset(grpc::CallbackServerContext* context,
                                  const awsfacade::simulator::v1::ResetRequest* request,
                                  awsfacade::simulator::v1::ResetResponse* response) override;
  grpc::ServerUnaryReactor* ForceShardRollover(
      grpc::CallbackServerContext* context,
      const awsfacade::simulator::v1::ForceShardRolloverRequest* request,
      awsfacade::simulator::v1::ForceShardRolloverResponse* response) override;

 private:
  // PermissionDenied (or the authorizer's other errors) as a finished call,
  // nullptr when the call may go on.
  grpc::ServerUnaryReactor* Refused(grpc::CallbackServerContext* context,
                                    const google::protobuf::Message& request) const;

  SimulatorHooks hooks_;
  const service::Authorizer* authz_;
};

}  // namespace awsfacade::app

#endif  // AWSFACADE_APP_SIMULATOR_SERVICE_H_
