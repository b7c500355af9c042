#ifndef AWSFACADE_CLIENT_INTERNAL_RPC_MACROS_H_
#define AWSFACADE_CLIENT_INTERNAL_RPC_MACROS_H_

// The layers of every service (interface, gRPC implementation, retry
// decorator, client, mock) have one method per RPC that differs only in the
// RPC's name. Each service's RPCs are X-macro lists (X(namespace, Rpc)) that
// protoc writes from the proto (<stem>.rpcs.pb.h,
// cmake/protoc-gen-awsfacade_rpcs); these macros expand one method of one
// layer, so an RPC added to the proto is in every layer and none is left behind.
// Request and response types are always <Rpc>Request / <Rpc>Response.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/internal/call_context.h"
#include "client/internal/grpc_calls.h"
#include "client/internal/retry.h"
#include "client/stream_range.h"

// Connection interface: every method defaults to UNIMPLEMENTED, so a
// subclass (a test fake, a decorator) overrides only what it needs.
#define AWSFACADE_CLIENT_DECLARE_UNARY(ns, Rpc)                                     \
  virtual absl::StatusOr<ns::Rpc##Response> Rpc(const ns::Rpc##Request&) {          \
    return absl::UnimplementedError(#Rpc " is not implemented by this connection"); \
  }
#define AWSFACADE_CLIENT_DECLARE_STREAMING(ns, Rpc)                                          \
  virtual ::awsfacade::client::StreamRange<ns::Rpc##Response> Rpc(const ns::Rpc##Request&) { \
    return ::awsfacade::client::MakeStreamRange<ns::Rpc##Response>(                          \
        {}, absl::UnimplementedError(#Rpc " is not implemented by this connection"));        \
  }

// gRPC implementation (members stub_, options_; type alias Stub).
#define AWSFACADE_CLIENT_GRPC_UNARY(ns, Rpc)                                                \
  absl::StatusOr<ns::Rpc##Response> Rpc(const ns::Rpc##Request& request) override {         \
    return ::awsfacade::client::internal::UnaryCall(*stub_, &Stub::Rpc, request, options_); \
  }
#define AWSFACADE_CLIENT_GRPC_STREAMING(ns, Rpc)                                               \
  ::awsfacade::client::StreamRange<ns::Rpc##Response> Rpc(const ns::Rpc##Request& request)     \
      override {                                                                               \
    return ::awsfacade::client::internal::StreamingCall(stub_, &Stub::Rpc, request, options_); \
  }

// Retry decorator (members child_, options_).
#define AWSFACADE_CLIENT_RETRY_UNARY(ns, Rpc)                                       \
  absl::StatusOr<ns::Rpc##Response> Rpc(const ns::Rpc##Request& request) override { \
    return ::awsfacade::client::internal::RetryLoop<ns::Rpc##Response>(             \
        options_, [&] { return child_->Rpc(request); });                            \
  }
#define AWSFACADE_CLIENT_PASSTHROUGH_STREAMING(ns, Rpc)                                    \
  ::awsfacade::client::StreamRange<ns::Rpc##Response> Rpc(const ns::Rpc##Request& request) \
      override {                                                                           \
    return child_->Rpc(request);                                                           \
  }
#define AWSFACADE_CLIENT_RESUMING_STREAMING(ns, Rpc)                                       \
  ::awsfacade::client::StreamRange<ns::Rpc##Response> Rpc(const ns::Rpc##Request& request) \
      override {                                                                           \
    auto child = child_;                                                                   \
    return ::awsfacade::client::internal::ResumingSubscription<ns::Rpc##Request,           \
                                                               ns::Rpc##Response>(         \
        options_, request, [child](const ns::Rpc##Request& r) { return child->Rpc(r); });  \
  }

// Client (members connection_, defaults_): per-call options on top of the
// client's, installed for the duration of the call.
#define AWSFACADE_CLIENT_FORWARD_UNARY(ns, Rpc)                                              \
  absl::StatusOr<ns::Rpc##Response> Rpc(const ns::Rpc##Request& request,                     \
                                        const ::awsfacade::client::CallOptions& call = {}) { \
    ::awsfacade::client::internal::CallStateSpan span(                                       \
        {::awsfacade::client::internal::MergeCallOptions(defaults_, call), {}});             \
    return connection_->Rpc(request);                                                        \
  }
#define AWSFACADE_CLIENT_FORWARD_STREAMING(ns, Rpc)                                         \
  ::awsfacade::client::StreamRange<ns::Rpc##Response> Rpc(                                  \
      const ns::Rpc##Request& request, const ::awsfacade::client::CallOptions& call = {}) { \
    ::awsfacade::client::internal::CallStateSpan span(                                      \
        {::awsfacade::client::internal::MergeCallOptions(defaults_, call), {}});            \
    return connection_->Rpc(request);                                                       \
  }

#endif  // AWSFACADE_CLIENT_INTERNAL_RPC_MACROS_H_
