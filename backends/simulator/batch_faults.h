#ifndef AWSFACADE_BACKENDS_SIMULATOR_BATCH_FAULTS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_BATCH_FAULTS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace awsfacade::backends::simulator {

class FaultInjector;

// Injected throttling of DynamoDB's BatchWriteItem and BatchGetItem, as AWS
// throttles them: per item, not per call. The throttled items come back in
// UnprocessedItems / UnprocessedKeys and the call succeeds; only when every
// item is throttled does the call fail with the throttling error (AWS's
// ProvisionedThroughputExceededException). So a client's retry loop over
// the unprocessed items (boto3's batch_writer) gets everything written.
struct BatchSplit {
  // The items to process, as a request of the call's type; null when
  // nothing was throttled (the call goes through unchanged).
  std::unique_ptr<google::protobuf::Message> request;
  // The throttled items, as a response of the call's type holding only its
  // Unprocessed* member.
  std::unique_ptr<google::protobuf::Message> unprocessed;
};

// Whether `method` is an operation SplitBatch applies to.
bool IsPartialBatch(const google::protobuf::MethodDescriptor& method);

// Draws `faults`' error rules once per item of `request` (in table-name
// order, then request order). A non-throttling error of any item fails the
// call with it; every item throttled fails it with the throttling error.
absl::StatusOr<BatchSplit> SplitBatch(const google::protobuf::MethodDescriptor& method,
                                      const google::protobuf::Message& request,
                                      FaultInjector& faults);

// Adds the throttled items of `split` to `response`'s Unprocessed* member
// (after those the backend left unprocessed itself).
void MergeUnprocessed(const BatchSplit& split, google::protobuf::Message* response);

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_BATCH_FAULTS_H_
