#ifndef AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_JOURNALED_BACKENDS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_JOURNALED_BACKENDS_H_

#include <functional>
#include <memory>
#include <utility>

#include "backends/cognito_sync_backend.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/operation_chain.h"
#include "backends/personalize_backend.h"
#include "backends/simulator/persistence/state_keeper.h"
#include "google/protobuf/message.h"

namespace awsfacade::backends::simulator {

// The layer of an operation chain (backends/operation_chain.h) that puts
// every call of a simulator through its StateKeeper: a call that changes
// state (its method is not NO_SIDE_EFFECTS in the proto) is journaled, the
// others read beside each other. It sits directly on the simulator, inside
// fault injection, so an injected fault is never journaled; the links below
// it must complete on the calling thread (the simulator does).
//
// Construction registers, for every state-changing unary method of
// `service`, its replay against the next link.
class JournalLayer final : public OperationInvoker {
 public:
  JournalLayer(std::shared_ptr<OperationInvoker> next, std::shared_ptr<StateKeeper> keeper,
               const google::protobuf::ServiceDescriptor& service)
      : next_(std::move(next)), keeper_(std::move(keeper)) {
    for (int i = 0; i < service.method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service.method(i);
      if (IsReadOnly(*method) || method->client_streaming() || method->server_streaming()) continue;
      const google::protobuf::Message* prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type());
      keeper_->RegisterReplay(
          ServiceKey(*method), method->name(), *prototype,
          [next = next_, method](const google::protobuf::Message& request) {
            std::unique_ptr<google::protobuf::Message> response(
                google::protobuf::MessageFactory::generated_factory()
                    ->GetPrototype(method->output_type())
                    ->New());
            return RunHere(*next, {method, CallContext(), &request, response.get()});
          });
    }
  }

  void Invoke(const OperationCall& call, OperationDone done) override {
    auto run = [&] { return RunHere(*next_, call); };
    std::move(done)(
        IsReadOnly(*call.method)
            ? keeper_->Read(run)
            : keeper_->Write(ServiceKey(*call.method), call.method->name(), *call.request, run));
  }
  bool IsAsynchronous() const override { return false; }
  // Writes append to the journal on disk.
  bool MayBlock() const override { return true; }

 private:
  // Runs `call` through `next`, which completes it before returning.
  static absl::Status RunHere(OperationInvoker& next, const OperationCall& call) {
    absl::Status status = absl::InternalError("the journaled backend did not complete the call");
    next.Invoke(call, [&status](absl::Status s) { status = std::move(s); });
    return status;
  }

  std::shared_ptr<OperationInvoker> next_;
  std::shared_ptr<StateKeeper> keeper_;
};

// A typed simulator backend with a JournalLayer on top of `child`'s chain.
template <typename Backend>
class Journaled final : public OverChain<Backend> {
 public:
  Journaled(std::shared_ptr<Backend> child, std::shared_ptr<StateKeeper> keeper)
      : OverChain<Backend>(std::make_shared<JournalLayer>(ChainOf(child), std::move(keeper),
                                                          ChainTraits<Backend>::Service()),
                           child) {}
};

using JournaledCognitoSync = Journaled<CognitoSyncBackend>;
using JournaledPersonalize = Journaled<PersonalizeBackend>;
using JournaledDynamoDb = Journaled<DynamoDbBackend>;
using JournaledDynamoDbStreams = Journaled<DynamoDbStreamsBackend>;

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_JOURNALED_BACKENDS_H_
