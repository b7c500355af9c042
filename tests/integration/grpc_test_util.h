#ifndef AWSFACADE_TESTS_INTEGRATION_GRPC_TEST_UTIL_H_
#define AWSFACADE_TESTS_INTEGRATION_GRPC_TEST_UTIL_H_

#include <optional>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::testing {

// The google.rpc.ErrorInfo in a failed call's details, if any.
inline std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

inline std::optional<google::rpc::RetryInfo> RetryInfoOf(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : rpc.details()) {
    google::rpc::RetryInfo info;
    if (any.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

inline std::unique_ptr<grpc::ClientContext> ContextWithDeadline(int seconds = 10) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_INTEGRATION_GRPC_TEST_UTIL_H_
