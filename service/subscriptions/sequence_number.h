#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SEQUENCE_NUMBER_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SEQUENCE_NUMBER_H_

#include "absl/strings/string_view.h"

namespace awsfacade::service::subscriptions {

// Orders DynamoDB Streams sequence numbers (decimal digits, 21..40 of them,
// no leading-zero guarantee across lengths) numerically: by length once
// leading zeros are dropped, then digit by digit. <0, 0, >0.
inline int CompareSequenceNumbers(absl::string_view a, absl::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SEQUENCE_NUMBER_H_
