#include "service/reactors.h"

namespace awsfacade::service {
namespace {

namespace pb = ::google::protobuf;

// One operation's call through a chain, in UnaryCallReactor's in-place form.
struct ChainCall {
  std::shared_ptr<backends::OperationInvoker> chain;
  const pb::MethodDescriptor* method;
  const pb::Message* request;

  void operator()(const backends::CallContext& run, pb::Message* out,
                  backends::OperationDone done) const {
    chain->Invoke({method, run, request, out}, std::move(done));
  }
};

using ChainCallReactor = UnaryCallReactor<pb::Message, ChainCall>;
static_assert(ChainCallReactor::kInPlace);

}  // namespace

grpc::ServerUnaryReactor* ServeChainUnary(
    grpc::CallbackServerContext* context, const pb::MethodDescriptor* method,
    const pb::Message* request, pb::Message* response, const HandlerContext& handler,
    const std::shared_ptr<backends::OperationInvoker>& chain) {
  const bool start_inline = !chain->MayBlock();
  ChainCall call{chain, method, request};
  if (!start_inline || chain->IsAsynchronous()) {
    return ServeUnary(context, *request, response, handler, std::move(call), start_inline);
  }
  // A chain that answers on this thread and never blocks (the simulators'):
  // the call runs here and now, and a call that is over ends on gRPC's
  // default reactor, whose OnDone runs inline. A reactor of our own would
  // have gRPC hand its OnDone to another thread, a wake-up per call (10-16%
  // of the server's CPU time per simulator call in bench/unary_bench.py,
  // before and after). Only a delayed call gets one, to wait.
  if (absl::Status allowed = Authorize(handler, *context, *request); !allowed.ok()) {
    return FinishedWith(context, allowed, handler);
  }
  backends::CallContext first;
  first.deadline = CallDeadline(*context);
  absl::Status status;
  call(first, response, [&status](absl::Status done) { status = std::move(done); });
  if (!backends::DelayedCallOf(status)) return FinishedWith(context, status, handler);
  auto* reactor = new ChainCallReactor(handler, first.deadline, response, std::move(call),
                                       /*start_inline=*/true);
  reactor->CompleteInPlace(std::move(status));
  return reactor;
}

}  // namespace awsfacade::service
