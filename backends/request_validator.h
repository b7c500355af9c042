#ifndef AWSFACADE_BACKENDS_REQUEST_VALIDATOR_H_
#define AWSFACADE_BACKENDS_REQUEST_VALIDATOR_H_

// The AWS model's input constraints (required, length, range, enum values,
// pattern), checked on any request by reflection over the constraint options
// on its fields (proto/awsfacade/validation/v1/constraints.proto, written from
// the botocore models by scripts/aws_constraints.py). One generic check
// instead of one hand-written `if` per member and operation; it runs in the
// operation chain before any backend (ValidationLayer).

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "backends/cognito_sync_backend.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/operation_chain.h"
#include "backends/personalize_backend.h"
#include "google/protobuf/message.h"

namespace awsfacade::backends {

// OK, or the first broken constraint of `request` (its fields in proto
// order, each field's constraints in the order required, length, value,
// enum, pattern, then the fields of a message field), as AWS reports it:
// the service's error name (`(awsfacade.validation.v1.service).error`, e.g.
// "ValidationException") with
//   1 validation error detected: Value at '<member path>' failed to satisfy
//   constraint: Member must <constraint>
// and the member path as the field at fault (backends/common/aws_error.h).
// A message without constraints is OK. What a field's constraints need
// (compiled patterns included) is worked out once per message type.
absl::Status ValidateRequest(const google::protobuf::Message& request);

// The layer of an operation chain (backends/operation_chain.h) that runs
// ValidateRequest before the next link: a request AWS would reject never
// reaches the backend (nor the fault layer, the journal or the network).
class ValidationLayer final : public OperationInvoker {
 public:
  explicit ValidationLayer(std::shared_ptr<OperationInvoker> next) : next_(std::move(next)) {}

  void Invoke(const OperationCall& call, OperationDone done) override {
    if (absl::Status status = ValidateRequest(*call.request); !status.ok()) {
      std::move(done)(std::move(status));
      return;
    }
    next_->Invoke(call, std::move(done));
  }
  bool IsAsynchronous() const override { return next_->IsAsynchronous(); }
  bool MayBlock() const override { return next_->MayBlock(); }

 private:
  std::shared_ptr<OperationInvoker> next_;
};

// A typed backend with a ValidationLayer on top of `child`'s chain.
template <typename Backend>
class Validated final : public OverChain<Backend> {
 public:
  explicit Validated(std::shared_ptr<Backend> child)
      : OverChain<Backend>(std::make_shared<ValidationLayer>(ChainOf(child)), child) {}
};

using ValidatedCognitoSync = Validated<CognitoSyncBackend>;
using ValidatedPersonalize = Validated<PersonalizeBackend>;
using ValidatedDynamoDb = Validated<DynamoDbBackend>;
using ValidatedDynamoDbStreams = Validated<DynamoDbStreamsBackend>;

namespace internal_validation {
// The RE2 form of a pattern of the AWS models (Java regular expressions):
// `.` stops at line terminators, \p{ASCII} and \p{Print} are ASCII classes,
// \uXXXX escapes (surrogate pairs joined) are code points.
std::string Re2PatternOf(absl::string_view java_pattern);
}  // namespace internal_validation

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_REQUEST_VALIDATOR_H_
