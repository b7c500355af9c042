#ifndef AWSFACADE_TESTS_COMMON_VALIDATED_OVER_H_
#define AWSFACADE_TESTS_COMMON_VALIDATED_OVER_H_

#include <memory>

#include "backends/request_validator.h"

namespace awsfacade::testing {

// `sim`'s operations as the server calls them: behind the model validation
// (backends/request_validator.h), which the simulators leave to their
// caller. Refers to `sim` without owning it: use it while `sim` lives.
// `Backend` is the service interface, e.g. ValidatedOver<PersonalizeBackend>.
template <typename Backend>
backends::Validated<Backend> ValidatedOver(Backend& sim) {
  return backends::Validated<Backend>(std::shared_ptr<Backend>(std::shared_ptr<Backend>(), &sim));
}

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_COMMON_VALIDATED_OVER_H_
