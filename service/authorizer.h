#ifndef AWSFACADE_SERVICE_AUTHORIZER_H_
#define AWSFACADE_SERVICE_AUTHORIZER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::service {

// Optional authorization (--authz_policy_file): which callers may call which
// operations on which resources. Default deny once a policy is set.
//
// Policy (JSON):
//   {
//     "tokens": {"ci-reader": "sha256:<hex of the bearer token>"},
//     "rules": [
//       {"callers":    ["x509:client-one.example", "token:ci-reader", "peer:ipv4:127.0.0.1", "*"],
//        "operations": ["aws.cognitosync.v1.CognitoSyncService/ListRecords",
//                       "aws.dynamodbstreams.v1.DynamoDbStreamsService/*"],
//        "resources":  ["arn:aws:cognito-sync:*:*:identitypool/*/identity/us-east-1:1111/dataset/*"]}
//     ]
//   }
// A caller is "x509:<first SAN or CN>" under mutual TLS, "token:<name>" for
// `authorization: Bearer <token>` whose SHA-256 the policy lists (the file
// holds no secret), else "peer:<address without port>". A token the policy
// does not know is UNAUTHENTICATED. Patterns use `*` for any run of
// characters. "resources" absent or empty means any resource; a call that
// names no resource (GetRecords: the iterator carries it; unfiltered List*)
// matches only rules whose resources include "*".
//
// The resource of a call is an AWS ARN built from the request:
//   Cognito Sync  arn:aws:cognito-sync:<region>:<account>:identitypool/<pool>/identity/<id>/dataset/<name>
//                 (<name> empty for identity-level calls), so a caller bound
//                 to one identity is never served another's data;
//   Personalize   the request's DatasetGroupArn / DatasetArn / SchemaArn, or
//                 the ARN a Create* call will make;
//   DynamoDB      arn:aws:dynamodb:<region>:<account>:table/<TableName>;
//   Streams       the StreamArn (ListStreams: its table's ARN).
class Authorizer {
 public:
  // InvalidArgument naming what is wrong with the policy.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromJson(absl::string_view json,
                                                              std::string region,
                                                              std::string account_id);

  // OK, PermissionDenied (AccessDeniedException) or Unauthenticated.
  absl::Status Check(const grpc::ServerContextBase& context,
                     const google::protobuf::Message& request) const;

  // The pieces, for tests and logs.
  absl::StatusOr<std::string> Caller(const grpc::ServerContextBase& context) const;
  static std::string Operation(const google::protobuf::Message& request);
  std::string Resource(const google::protobuf::Message& request) const;
  absl::Status Decide(const std::string& caller, const std::string& operation,
                      const std::string& resource) const;

 private:
  struct Rule {
    std::vector<std::string> callers;
    std::vector<std::string> operations;
    std::vector<std::string> resources;
  };
  Authorizer() = default;

  std::string region_;
  std::string account_id_;
  absl::flat_hash_map<std::string, std::string> token_names_;  // sha256 hex -> name
  std::vector<Rule> rules_;
};

// `*` matches any run of characters (including none); nothing else is special.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_AUTHORIZER_H_
