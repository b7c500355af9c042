#ifndef AWSFACADE_SERVICE_CALLER_IDENTITY_H_
#define AWSFACADE_SERVICE_CALLER_IDENTITY_H_

#include <string>

#include "grpcpp/grpcpp.h"

namespace awsfacade::service {

// Who is calling, for per-caller limits: the verified client certificate's
// identity under mutual TLS ("x509:" + the first SAN, else the subject CN),
// otherwise the peer's address without its port ("ipv4:127.0.0.1").
std::string CallerIdentity(const grpc::ServerContextBase& context);

// The peer address without its port: "ipv4:10.0.0.1:5000" ->
// "ipv4:10.0.0.1", "ipv6:[::1]:5000" -> "ipv6:[::1]"; other forms as they are.
std::string PeerHost(const std::string& peer);

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_CALLER_IDENTITY_H_
