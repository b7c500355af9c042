#ifndef AWSFACADE_BACKENDS_SIMULATOR_VALIDATION_H_
#define AWSFACADE_BACKENDS_SIMULATOR_VALIDATION_H_

// The simulators' name for the AWS constraint checks, which the generic
// request validator (backends/request_validator.h) shares.
#include "backends/common/validation.h"

namespace awsfacade::backends::simulator {

using ::awsfacade::backends::CodePointCount;
using ::awsfacade::backends::Validator;

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_VALIDATION_H_
