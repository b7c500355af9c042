#ifndef AWSFACADE_SERVICE_CALLER_IDENTITY_H_
#define AWSFACADE_SERVICE_CALLER_IDENTITY_H_

#include <string>

#include "grpcpp/grpcpp.h"

namespace awsfacade::service {

// Who is calling, for per-caller limits and authorization: the verified
// client certificate's identity under mutual TLS ("x509:" + the first SAN,
// else the subject CN); for a call made on behalf of someone by an
// in-process caller (the AWS wire endpoint), the identity it names (see
// OnBehalfOf); otherwise the peer's address without its port
// ("ipv4:127.0.0.1").
std::string CallerIdentity(const grpc::ServerContextBase& context);

// The metadata by which a component of this process that calls the server's
// own gRPC methods over the in-process channel (the AWS wire endpoint) says
// whom it calls for: the caller's identity ("aws:AKID..." for a request whose
// SigV4 signature was verified, else the HTTP peer, "ipv4:10.0.0.7"), and a
// key drawn at random when the process starts. A call whose key is missing
// or differs is not believed: its identity is its own peer's, so a network
// client cannot name itself someone else by sending the metadata.
inline constexpr char kOnBehalfOfMetadata[] = "x-awsfacade-on-behalf-of";
inline constexpr char kOnBehalfOfKeyMetadata[] = "x-awsfacade-on-behalf-of-key";

// Adds both entries to a call of this process's own server.
void SetOnBehalfOf(grpc::ClientContext& context, const std::string& identity);

// The peer address without its port: "ipv4:10.0.0.1:5000" ->
// "ipv4:10.0.0.1", "ipv6:[::1]:5000" -> "ipv6:[::1]"; other forms as they are.
std::string PeerHost(const std::string& peer);

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_CALLER_IDENTITY_H_
