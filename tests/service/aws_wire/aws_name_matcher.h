#ifndef AWSFACADE_TESTS_SERVICE_AWS_WIRE_AWS_NAME_MATCHER_H_
#define AWSFACADE_TESTS_SERVICE_AWS_WIRE_AWS_NAME_MATCHER_H_

#include <string>

#include "backends/common/aws_error.h"
#include "gmock/gmock.h"

namespace awsfacade::service::aws_wire {

// The AWS error name a status carries, whatever its code: the wire endpoint
// answers with names the facade's error table has no row for
// (UnknownOperationException, MissingAuthenticationTokenException, ...),
// which never become gRPC statuses.
MATCHER_P(HasAwsName, name, "carries AWS error " + std::string(name)) {
  *result_listener << "status " << arg;
  return backends::AwsErrorName(arg) == std::string(name);
}

}  // namespace awsfacade::service::aws_wire

#endif  // AWSFACADE_TESTS_SERVICE_AWS_WIRE_AWS_NAME_MATCHER_H_
