#ifndef AWSFACADE_BACKENDS_OPERATION_CHAIN_H_
#define AWSFACADE_BACKENDS_OPERATION_CHAIN_H_

// The generic operation chain: the cross-cutting layers (metrics, fault
// injection, journaling) see every call of every AWS operation in one shape,
// (method descriptor, request, response), the shape of the AWS backend's
// generic call, and are written once each, not once per operation and
// service. What an operation is (its service, its name, whether it changes
// state) comes from its descriptor in proto/aws/**.
//
//   typed caller (handler, subscription engine, test)
//     -> <Service>OverChain (a typed backend interface over a chain)
//     -> OperationInvoker layers (MetricsLayer, FaultLayer, JournalLayer)
//     -> the bottom: a typed backend (BackendInvoker: the simulator, a mock)
//        or AWS's generic call (backends/aws/aws_backends.cc)
//
// The typed ends are expanded from one list per service, its unary RPCs
// (AWSFACADE_<SERVICE>_UNARY_RPCS), which protoc writes from the proto
// (cmake/protoc-gen-awsfacade_rpcs): adding an operation to the proto gives
// it the interface methods, both ends of the chain and so every layer.

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "backends/common/call_context.h"
#include "backends/common/call_deadline.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace awsfacade::backends {

// --- What an operation is, from its descriptor. ------------------------------

// Whether the operation changes no state: the proto says
// `option idempotency_level = NO_SIDE_EFFECTS;` (every Describe*, List*,
// Get*, Query, Scan and the facade's Paginate*/Subscribe*). Journaling runs the others
// alone and journals them.
bool IsReadOnly(const google::protobuf::MethodDescriptor& method);

// The service's short name, the second part of its package:
// "dynamodb" for aws.dynamodb.v1.DynamoDbService, "dynamodbstreams",
// "personalize", "cognitosync". Metrics, fault rules and the journal name
// services by it.
absl::string_view ServiceKey(const google::protobuf::MethodDescriptor& method);

// The unary method of the proto services whose input is `request_type`, or
// nullptr. Every AWS operation has its own request message.
const google::protobuf::MethodDescriptor* MethodFor(
    const google::protobuf::Descriptor& request_type);

// MethodFor(Request), looked up once per request type.
template <typename Request>
const google::protobuf::MethodDescriptor* MethodOf() {
  static const google::protobuf::MethodDescriptor* const method = MethodFor(*Request::descriptor());
  return method;
}

// UNIMPLEMENTED: "<kNotImplementedByBackend> <operation>", what an
// interface method answers when its backend does not override it.
inline constexpr char kNotImplementedByBackend[] = "this backend does not implement";
absl::Status NotImplementedByBackend(absl::string_view operation);

// --- The chain. --------------------------------------------------------------

// One call of one AWS operation, its types erased. `request` is a
// `method->input_type()` message; `response`, a `method->output_type()`
// message, is written on success only. Both outlive the call's completion.
struct OperationCall {
  const google::protobuf::MethodDescriptor* method;
  CallContext context;
  const google::protobuf::Message* request;
  google::protobuf::Message* response;
};

// Completion of an operation call: AsyncDone's contract
// (backends/common/call_context.h), exactly once, never blocking.
using OperationDone = absl::AnyInvocable<void(absl::Status) &&>;

// A link of the chain: a layer holding the next link, or the bottom.
class OperationInvoker {
 public:
  virtual ~OperationInvoker() = default;
  // Runs `call`, then `done`, on this thread or (IsAsynchronous()) later on
  // another.
  virtual void Invoke(const OperationCall& call, OperationDone done) = 0;
  // Whether calls may complete later, on another thread (the AWS backend).
  // Layers answer what the next link answers.
  virtual bool IsAsynchronous() const = 0;
  // Whether a call may hold the thread that starts it beyond its own CPU
  // work (disk I/O, a wait): such a chain is started on the server's
  // executor, one that never blocks on gRPC's own thread. Layers answer what
  // the next link answers, or true when they block themselves. By default a
  // blocking chain may block.
  virtual bool MayBlock() const { return !IsAsynchronous(); }
};

// The bottom of a chain over a typed backend: each method of the table runs
// the backend's typed method. A blocking backend (!IsAsynchronous(): the
// simulator, a mock) runs its blocking form in the thread scopes the call's
// context describes, on this thread, without copying the request; an
// asynchronous one its Async* form.
template <typename Backend>
class BackendInvoker final : public OperationInvoker {
 public:
  using Entry = void (*)(Backend& backend, const OperationCall& call, OperationDone done);
  using Table = absl::flat_hash_map<const google::protobuf::MethodDescriptor*, Entry>;

  BackendInvoker(std::shared_ptr<Backend> backend, const Table* table)
      : backend_(std::move(backend)), table_(table) {}

  void Invoke(const OperationCall& call, OperationDone done) override {
    auto it = table_->find(call.method);
    if (it == table_->end()) {
      std::move(done)(absl::UnimplementedError(
          absl::StrCat("the backend has no operation ", call.method->full_name())));
      return;
    }
    it->second(*backend_, call, std::move(done));
  }
  bool IsAsynchronous() const override { return backend_->IsAsynchronous(); }
  bool MayBlock() const override { return backend_->MayBlock(); }

  // One entry of a Table: calls Backend::*Blocking or Backend::*Async with
  // the call's request and writes the response.
  template <typename Request, typename Response,
            absl::StatusOr<Response> (Backend::*Blocking)(const Request&),
            void (Backend::*Async)(const CallContext&, Request, AsyncDone<Response>)>
  static void Run(Backend& backend, const OperationCall& call, OperationDone done) {
    const auto& request = static_cast<const Request&>(*call.request);
    auto* response = static_cast<Response*>(call.response);
    if (!backend.IsAsynchronous()) {
      absl::StatusOr<Response> result = [&] {
        const CallContextScope scope(call.context);
        return (backend.*Blocking)(request);
      }();
      if (result.ok()) *response = *std::move(result);
      std::move(done)(result.status());
      return;
    }
    (backend.*Async)(call.context, request,
                     [response, done = std::move(done)](absl::StatusOr<Response> result) mutable {
                       if (result.ok()) *response = *std::move(result);
                       std::move(done)(result.status());
                     });
  }

 private:
  std::shared_ptr<Backend> backend_;
  const Table* table_;
};

// The typed end: one call through `chain`, waited for, with the deadline and
// retry permission of this thread's scopes (backends/common/call_deadline.h).
// A delayed call's run (DelayedCallScope) is left to the thread's scope,
// which the fault layer reads. Never from a thread an asynchronous chain
// completes on: it would wait for itself.
template <typename Response, typename Request>
absl::StatusOr<Response> InvokeBlocking(OperationInvoker& chain, const Request& request) {
  CallContext context;
  context.deadline = CurrentCallDeadline();
  context.may_retry = CurrentCallMayRetry();
  Response response;
  absl::Status status;
  if (!chain.IsAsynchronous()) {
    chain.Invoke({MethodOf<Request>(), context, &request, &response},
                 [&status](absl::Status s) { status = std::move(s); });
  } else {
    absl::Notification finished;
    chain.Invoke({MethodOf<Request>(), context, &request, &response},
                 [&status, &finished](absl::Status s) {
                   status = std::move(s);
                   finished.Notify();
                 });
    finished.WaitForNotification();
  }
  if (!status.ok()) return status;
  return response;
}

// The typed end, asynchronously (AsyncDone's contract): the request and the
// response live with the call until `done`.
template <typename Response, typename Request>
void InvokeAsync(OperationInvoker& chain, const CallContext& context, Request request,
                 AsyncDone<Response> done) {
  struct Call {
    Request request;
    Response response;
    AsyncDone<Response> done;
  };
  auto call = std::make_unique<Call>(Call{std::move(request), Response(), std::move(done)});
  Call* in_flight = call.get();
  chain.Invoke({MethodOf<Request>(), context, &in_flight->request, &in_flight->response},
               [call = std::move(call)](absl::Status status) mutable {
                 if (status.ok()) {
                   std::move(call->done)(std::move(call->response));
                 } else {
                   std::move(call->done)(std::move(status));
                 }
               });
}

// The chain a typed backend stands for: its own when it is a
// <Service>OverChain, else a BackendInvoker over it. Specialised per service
// by AWSFACADE_OPERATION_CHAIN.
template <typename Backend>
struct ChainTraits;

template <typename Backend>
using OverChain = typename ChainTraits<Backend>::OverChain;

template <typename Backend>
std::shared_ptr<OperationInvoker> ChainOf(const std::shared_ptr<Backend>& backend) {
  if (std::shared_ptr<OperationInvoker> own = backend->chain()) return own;
  return std::make_shared<BackendInvoker<Backend>>(backend, &ChainTraits<Backend>::Table());
}

}  // namespace awsfacade::backends

// --- Expansions of a service's operation list. X(ns, Op) each. -------------

// In a backend interface: the blocking method. By default it answers
// UNIMPLEMENTED naming the operation (as google-cloud-cpp's connections do),
// so a test double or a backend that serves part of a service need not
// follow each addition to the list; the simulators implement every one
// (tests/backends/operation_chain_test.cc).
#define AWSFACADE_BACKEND_METHOD(ns, Op)                                            \
  virtual absl::StatusOr<ns::Op##Response> Op(const ns::Op##Request& /*request*/) { \
    return ::awsfacade::backends::NotImplementedByBackend(#Op);                     \
  }

// In a <Service>OverChain: both forms through chain_, declared here and
// defined once, in backends/over_chains.cc (AWSFACADE_OVER_CHAIN_DEFINITIONS):
// a class whose every method is inline has its vtable and all of them
// compiled again in each file that builds one, a test or a factory.
#define AWSFACADE_OVER_CHAIN_METHODS(ns, Op)                                                 \
  absl::StatusOr<ns::Op##Response> Op(const ns::Op##Request& request) override;              \
  void Async##Op(const ::awsfacade::backends::CallContext& context, ns::Op##Request request, \
                 ::awsfacade::backends::AsyncDone<ns::Op##Response> done) override;

// Their definitions (AWSFACADE_OPERATION_CHAIN_DEFINITIONS).
#define AWSFACADE_OVER_CHAIN_DEFINITIONS(ns, Op)                                               \
  absl::StatusOr<ns::Op##Response> AWSFACADE_CURRENT_OVER_CHAIN::Op(                           \
      const ns::Op##Request& request) {                                                        \
    return ::awsfacade::backends::InvokeBlocking<ns::Op##Response>(*chain_, request);          \
  }                                                                                            \
  void AWSFACADE_CURRENT_OVER_CHAIN::Async##Op(                                                \
      const ::awsfacade::backends::CallContext& context, ns::Op##Request request,              \
      ::awsfacade::backends::AsyncDone<ns::Op##Response> done) {                               \
    ::awsfacade::backends::InvokeAsync<ns::Op##Response>(*chain_, context, std::move(request), \
                                                         std::move(done));                     \
  }

// One row of a BackendInvoker table.
#define AWSFACADE_BACKEND_INVOKER_ENTRY(ns, Op)        \
  {::awsfacade::backends::MethodOf<ns::Op##Request>(), \
   &Invoker::Run<ns::Op##Request, ns::Op##Response, &Backend::Op, &Backend::Async##Op>},

// After a service interface `Backend`, with its list `LIST`: declares
// `OverChain` (the interface over a chain; `inner`, optional, serves the
// interface's members that are not operations, which the variadic part
// declares) and the ChainTraits that ChainOf and the typed decorators use.
#define AWSFACADE_OPERATION_CHAIN(Backend_, OverChain_, LIST, ...)                    \
  class OverChain_ : public Backend_ {                                                \
   public:                                                                            \
    OverChain_(std::shared_ptr<::awsfacade::backends::OperationInvoker> chain,        \
               std::shared_ptr<Backend_> inner = nullptr)                             \
        : chain_(std::move(chain)), inner_(std::move(inner)) {}                       \
    LIST(AWSFACADE_OVER_CHAIN_METHODS)                                                \
    bool IsAsynchronous() const override { return chain_->IsAsynchronous(); }         \
    bool MayBlock() const override { return chain_->MayBlock(); }                     \
    std::shared_ptr<::awsfacade::backends::OperationInvoker> chain() const override { \
      return chain_;                                                                  \
    }                                                                                 \
    __VA_ARGS__                                                                       \
                                                                                      \
   protected:                                                                         \
    const std::shared_ptr<::awsfacade::backends::OperationInvoker> chain_;            \
    const std::shared_ptr<Backend_> inner_;                                           \
  };                                                                                  \
  template <>                                                                         \
  struct ChainTraits<Backend_> {                                                      \
    using OverChain = OverChain_;                                                     \
    /* Defined by AWSFACADE_OPERATION_CHAIN_DEFINITIONS. */                           \
    static const BackendInvoker<Backend_>::Table& Table();                            \
    static const ::google::protobuf::ServiceDescriptor& Service() {                   \
      return *Table().begin()->first->service();                                      \
    }                                                                                 \
  };

// The out-of-line half of AWSFACADE_OPERATION_CHAIN, once per service, in
// backends/over_chains.cc, where AWSFACADE_CURRENT_OVER_CHAIN names the
// service's OverChain class: its methods and the BackendInvoker table.
#define AWSFACADE_OPERATION_CHAIN_DEFINITIONS(Backend_, LIST)                                   \
  LIST(AWSFACADE_OVER_CHAIN_DEFINITIONS)                                                        \
  const BackendInvoker<Backend_>::Table& ChainTraits<Backend_>::Table() {                       \
    using Backend = Backend_;                                                                   \
    using Invoker = BackendInvoker<Backend_>;                                                   \
    static const auto* const table = new Invoker::Table{LIST(AWSFACADE_BACKEND_INVOKER_ENTRY)}; \
    return *table;                                                                              \
  }

#endif  // AWSFACADE_BACKENDS_OPERATION_CHAIN_H_
