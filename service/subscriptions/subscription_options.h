#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_OPTIONS_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"

namespace awsfacade::service::subscriptions {

// GetRecords' own cap, and so the largest batch.
inline constexpr int kMaxGetRecordsLimit = 1000;

// A subscription's SubscriptionOptions, validated, defaults filled in.
struct BatchingOptions {
  int max_records = kMaxGetRecordsLimit;
  int64_t max_bytes = 1 << 20;
  absl::Duration batching_delay = absl::ZeroDuration();
  absl::Duration heartbeat = absl::Seconds(5);
  absl::Duration lifetime = absl::ZeroDuration();  // zero: no end
  std::vector<std::string> event_names;            // empty: every event

  // Whether a record of `event_name` goes to the subscriber.
  bool Wants(const std::string& event_name) const;
};

// ValidationException naming the field (Options.MaxRecordsPerBatch, ...)
// when a value is out of its documented range.
absl::StatusOr<BatchingOptions> ParseBatchingOptions(
    const ::aws::dynamodbstreams::v1::SubscriptionOptions& in);

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_OPTIONS_H_
