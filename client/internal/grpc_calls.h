#ifndef AWSFACADE_CLIENT_INTERNAL_GRPC_CALLS_H_
#define AWSFACADE_CLIENT_INTERNAL_GRPC_CALLS_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "client/internal/call_context.h"
#include "client/status.h"
#include "client/stream_range.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::client::internal {

// One attempt of a unary RPC through a generated stub: the deadline in force,
// then the status converted in FromGrpcStatus.
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> UnaryCall(Stub& stub,
                                   grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                const Request&, Response*),
                                   const Request& request, const ConnectionOptions& options) {
  grpc::ClientContext context;
  ConfigureContext(context, EffectiveDeadline(options, /*streaming=*/false));
  Response response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status, context.GetServerTrailingMetadata());
  return response;
}

// One server-streaming call as a StreamRange. The call starts on the first
// read; destroying the range before the end cancels it.
template <typename Stub, typename Request, typename Response>
StreamRange<Response> StreamingCall(std::shared_ptr<Stub> stub,
                                    std::unique_ptr<grpc::ClientReader<Response>> (Stub::*method)(
                                        grpc::ClientContext*, const Request&),
                                    Request request, const ConnectionOptions& options) {
  struct Call {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<Response>> reader;
    bool finished = false;
    ~Call() {
      if (reader && !finished) {
        context.TryCancel();
        reader->Finish();
      }
    }
  };
  auto call = std::make_shared<Call>();
  ConfigureContext(call->context, EffectiveDeadline(options, /*streaming=*/true));
  return StreamRange<Response>([stub = std::move(stub), method, request = std::move(request),
                                call]() -> absl::variant<absl::Status, Response> {
    if (call->finished) return absl::OkStatus();
    if (!call->reader) call->reader = ((*stub).*method)(&call->context, request);
    Response response;
    if (call->reader->Read(&response)) return response;
    call->finished = true;
    grpc::Status status = call->reader->Finish();
    return FromGrpcStatus(status, call->context.GetServerTrailingMetadata());
  });
}

}  // namespace awsfacade::client::internal

#endif  // AWSFACADE_CLIENT_INTERNAL_GRPC_CALLS_H_
