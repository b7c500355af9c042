#ifndef AWSFACADE_TESTS_COMMON_GRPC_STATUS_H_
#define AWSFACADE_TESTS_COMMON_GRPC_STATUS_H_

// What a failed gRPC call carries beside its code and message, for the tests
// that see a grpc::Status (handlers, the server, the integration tests); the
// absl::Status side is tests/common/status_matchers.h.
//   EXPECT_EQ(ReasonOf(status), "ValidationException");
//   std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);

#include <optional>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::testutil {

// The first detail of type `Detail` in a failed call's google.rpc.Status.
template <typename Detail>
std::optional<Detail> DetailOf(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : rpc.details()) {
    Detail detail;
    if (any.UnpackTo(&detail)) return detail;
  }
  return std::nullopt;
}

// The google.rpc.ErrorInfo (AWS error name in `reason`, the field at fault
// in its metadata) and RetryInfo of a failed call, if any.
inline std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const grpc::Status& status) {
  return DetailOf<google::rpc::ErrorInfo>(status);
}
inline std::optional<google::rpc::RetryInfo> RetryInfoOf(const grpc::Status& status) {
  return DetailOf<google::rpc::RetryInfo>(status);
}

// The AWS error name of a failed call, "" without one.
inline std::string ReasonOf(const grpc::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
  return info ? info->reason() : "";
}

}  // namespace awsfacade::testutil

#endif  // AWSFACADE_TESTS_COMMON_GRPC_STATUS_H_
