#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SESSION_INTERNAL_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SESSION_INTERNAL_H_

// Private to session*.cc: the parts of SubscriptionSession that only its
// own files see.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/common/aws_error.h"
#include "service/subscriptions/session.h"

namespace awsfacade::service::subscriptions {

template <typename Response>
struct SubscriptionSession::CallResult {
  std::string key;  // the request, serialized
  absl::StatusOr<Response> result;
};

struct SubscriptionSession::LateResults {
  std::optional<CallResult<::aws::dynamodbstreams::v1::DescribeStreamResponse>> describe;
  std::optional<CallResult<::aws::dynamodbstreams::v1::GetShardIteratorResponse>> iterator;
  std::optional<CallResult<::aws::dynamodbstreams::v1::GetRecordsResponse>> records;
};

struct SubscriptionSession::DescribeProgress {
  std::string children_of;
  std::vector<::aws::dynamodbstreams::v1::Shard> shards;
  std::string stream_status;
  std::string next;  // ExclusiveStartShardId of the next page
};

inline bool IsAwsError(const absl::Status& status, absl::string_view name) {
  auto n = backends::AwsErrorName(status);
  return n && *n == name;
}

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SESSION_INTERNAL_H_
