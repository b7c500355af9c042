#ifndef AWSFACADE_TESTS_INTEGRATION_GRPC_TEST_UTIL_H_
#define AWSFACADE_TESTS_INTEGRATION_GRPC_TEST_UTIL_H_

#include <optional>
#include <string>

#include "grpcpp/grpcpp.h"
#include "tests/common/grpc_status.h"

namespace awsfacade::testing {

using ::awsfacade::testutil::ErrorInfoOf;
using ::awsfacade::testutil::RetryInfoOf;

inline std::unique_ptr<grpc::ClientContext> ContextWithDeadline(int seconds = 10) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_INTEGRATION_GRPC_TEST_UTIL_H_
