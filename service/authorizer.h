#ifndef AWSFACADE_SERVICE_AUTHORIZER_H_
#define AWSFACADE_SERVICE_AUTHORIZER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/common/token_sealer.h"
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
//        "resources":
//        ["arn:aws:cognito-sync:*:*:identitypool/*/identity/us-east-1:1111/dataset/*"]}
//     ]
//   }
// A caller is "x509:<first SAN or CN>" under mutual TLS, "token:<name>" for
// `authorization: Bearer <token>` whose SHA-256 the policy lists (the file
// holds no secret), "aws:<access key id>" for a request to the AWS wire
// endpoint whose SigV4 signature it verified (--aws_verify_signatures), else
// "peer:<address without port>" (a wire request without verification: the
// HTTP client's address). A token the policy does not know is
// UNAUTHENTICATED. An operation is "<service full
// name>/<method>", the simulator's controls included
// ("awsfacade.simulator.v1.SimulatorService/Reset"). Patterns use `*` for any
// run of characters. "resources" absent or empty means any resource (calls
// naming none included); a call that names no resource (unfiltered List*,
// the simulator's controls other than ForceShardRollover, which act on every
// resource at once) matches only such rules or rules whose resources include
// "*".
//
// The resource of a call is the canonical ARN of what the backend will act
// on, in partition "aws", the server's region and account:
//   Cognito Sync
//   arn:aws:cognito-sync:<region>:<account>:identitypool/<pool>/identity/<id>/dataset/<name>
//                 (<name> empty for identity-level calls), so a caller bound
//                 to one identity is never served another's data;
//   Personalize   the request's DatasetGroupArn / DatasetArn / SchemaArn, or
//                 the ARN a Create* call will make;
//   DynamoDB      arn:aws:dynamodb:<region>:<account>:table/<name>, whether
//                 TableName holds the name or the table's ARN (AWS accepts
//                 both); the batch and transaction calls act on every table
//                 they name (RequestItems, each action's TableName), and the
//                 policy must allow the call on each;
//   Streams       the StreamArn (ListStreams: its table's ARN); GetRecords:
//                 the stream its shard iterator reads (below);
//   Simulator     ForceShardRollover: its StreamArn; the other controls none.
// Names and ARNs are checked before the policy is asked, so the string that
// is matched is the resource the backend will touch:
//   * a name or ARN that AWS's model would refuse (a table name outside
//     [a-zA-Z0-9_.-]{3,255}, an index or stream ARN as TableName, an ARN of
//     another service or partition, an identity id outside
//     [\w-]+:[0-9a-f-]+, ...) is INVALID_ARGUMENT with the service's
//     validation error (ValidationException, InvalidInputException,
//     InvalidParameterException) naming the field;
//   * an ARN of another region is INVALID_ARGUMENT too: an AWS endpoint
//     serves one region, and DynamoDB answers such an ARN with
//     ValidationException ("Invalid AWS region in '<arn>'");
//   * an ARN of another account is PERMISSION_DENIED (AccessDeniedException):
//     AWS may serve it (cross-account access through a resource-based
//     policy), but this policy speaks of this server's account only. So on
//     the AWS backend --account_id must be the account the credentials
//     belong to, or ARN forms of its own resources are refused (names are
//     not affected).
// The fields checked are every name-or-ARN member of the requests (from the
// protos and AWS's models): TableName (DynamoDB, and Streams' ListStreams,
// where the model allows a name only), CreateTable's GlobalTableSourceArn (a
// multi-account global table's source, so always refused), StreamArn,
// datasetGroupArn / datasetArn / schemaArn (all those a request carries, not
// only the one it acts on), Create*'s name, and Cognito Sync's
// IdentityPoolId / IdentityId / DatasetName. Not checked: ListStreams'
// ExclusiveStartStreamArn (a cursor in the listing already authorized) and
// Personalize's roleArn / kmsKeyArn (IAM and KMS resources, not this
// service's).
//
// Shard iterators. An iterator names no stream in the request, and an AWS
// iterator is AWS's own opaque string (its visible "<stream ARN>|..." prefix
// is not authenticated by anything the facade can check). So under a policy
// the server hands out its own iterators: GetShardIterator and GetRecords
// wrap the backend's iterator and the stream ARN it was issued for in a
// token sealed with the server's token key (the --token_key_file key, so
// replicas sharing it accept each other's iterators), and GetRecords is
// authorized on the stream ARN inside, then given the backend's iterator.
// An iterator that does not open (forged, altered, or issued by a server
// without a policy) is INVALID_ARGUMENT (ValidationException "Invalid
// ShardIterator"), never authorized as "*". Subscription continuation tokens
// need nothing more: the subscription engine refuses a token of another
// stream than the request's StreamArn, on which the call is authorized.
// Page tokens (NextToken) travel with the request that names the resource.
class Authorizer {
 public:
  // InvalidArgument naming what is wrong with the policy. `sealer` seals the
  // shard iterators handed out under the policy; nullptr: a random key.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromJson(
      absl::string_view json, std::string region, std::string account_id,
      std::shared_ptr<const backends::TokenSealer> sealer = nullptr);

  // OK, PermissionDenied (AccessDeniedException), Unauthenticated, or
  // InvalidArgument for a name, ARN or iterator that cannot be resolved
  // (see above).
  absl::Status Check(const grpc::ServerContextBase& context,
                     const google::protobuf::Message& request) const;

  // The pieces, for tests and logs.
  absl::StatusOr<std::string> Caller(const grpc::ServerContextBase& context) const;
  static std::string Operation(const google::protobuf::Message& request);
  // The canonical ARN the request acts on, "" for none, or the error above.
  absl::StatusOr<std::string> Resource(const google::protobuf::Message& request) const;
  // Every resource the request acts on, sorted, each once: the tables of
  // DynamoDB's batch and transaction calls (RequestItems' keys, each
  // action's TableName), else {Resource(request)}. Check allows a call only
  // when the policy allows the operation on every one of them.
  absl::StatusOr<std::vector<std::string>> Resources(
      const google::protobuf::Message& request) const;
  absl::Status Decide(const std::string& caller, const std::string& operation,
                      const std::string& resource) const;

  // The iterator handed to the client for the backend's `iterator` of
  // `stream_arn` (a resource Check allowed).
  std::string SealIterator(absl::string_view stream_arn, absl::string_view iterator) const;
  struct OpenedIterator {
    std::string stream_arn;
    std::string iterator;  // the backend's
  };
  // InvalidArgument (ValidationException on ShardIterator) unless `token`
  // came from SealIterator with this key.
  absl::StatusOr<OpenedIterator> OpenIterator(absl::string_view token) const;

 private:
  struct Rule {
    std::vector<std::string> callers;
    std::vector<std::string> operations;
    std::vector<std::string> resources;
  };
  Authorizer() = default;

  absl::StatusOr<std::string> CheckOwnArn(absl::string_view field, absl::string_view arn,
                                          absl::string_view service, absl::string_view error,
                                          bool (*resource_ok)(absl::string_view),
                                          absl::string_view form) const;
  absl::StatusOr<std::string> TableArn(absl::string_view field, absl::string_view name_or_arn,
                                       bool arn_allowed) const;
  absl::StatusOr<std::string> StreamArn(absl::string_view arn) const;
  absl::StatusOr<std::string> CognitoSyncArn(const google::protobuf::Message& request) const;
  absl::StatusOr<std::string> PersonalizeArn(const google::protobuf::Message& request) const;

  std::string region_;
  std::string account_id_;
  std::shared_ptr<const backends::TokenSealer> sealer_;
  absl::flat_hash_map<std::string, std::string> token_names_;  // sha256 hex -> name
  std::vector<Rule> rules_;
};

// `*` matches any run of characters (including none); nothing else is special.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_AUTHORIZER_H_
