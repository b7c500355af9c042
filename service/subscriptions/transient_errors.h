#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_TRANSIENT_ERRORS_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_TRANSIENT_ERRORS_H_

#include "absl/status/status.h"

namespace awsfacade::service::subscriptions {

// Backend errors the engine rides out with backoff (throttling, transient
// faults): they never reach a subscriber.
inline bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_TRANSIENT_ERRORS_H_
