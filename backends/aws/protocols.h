#ifndef AWSFACADE_BACKENDS_AWS_PROTOCOLS_H_
#define AWSFACADE_BACKENDS_AWS_PROTOCOLS_H_

// The three AWS wire protocols our services speak (docs/aws-semantics.md §2), built
// on the JSON codec (json_codec.h):
//
//   awsJson 1.0  DynamoDB Streams (DynamoDBStreams_20120810), DynamoDB
//                (DynamoDB_20120810)
//   awsJson 1.1  Personalize (AmazonPersonalize)
//                Every operation is `POST /` with
//                `X-Amz-Target: <prefix>.<Operation>` and
//                `Content-Type: application/x-amz-json-1.0` (or -1.1); the body
//                is the JSON object of the input, `{}` when nothing is set.
//   restJson1    Cognito Sync. Method and URI template per operation; members
//                bound to URI labels (RFC 3986 percent-encoded, '/' too unless
//                the label is greedy `{Name+}`), to the query string (sent only
//                when set; a list repeats the key), or to headers; the other
//                members form a JSON body (`Content-Type: application/json`,
//                `{}` when none is set). An operation without body members
//                sends no body and no Content-Type.
//
// BuildRequest turns an operation and its request proto into an HttpRequest
// for SigV4Signer::Sign; the caller sets `host` (endpoint resolution is not
// done here) and the HTTP client adds Content-Length. ParseResponse turns the
// HTTP answer into the response proto, or into the AwsError status the rest of
// the facade maps to gRPC (backends/common/aws_error.h).
//
// Value text outside the body (labels, query, headers), as Smithy's restJson1
// specifies: strings as is; integers in decimal; booleans `true`/`false`;
// floats shortest round-trip text or NaN/Infinity/-Infinity; blobs base64;
// timestamps RFC 3339 in labels and the query string
// (`2019-12-16T23:48:18Z`), IMF-fixdate in headers
// (`Mon, 16 Dec 2019 23:48:18 GMT`). In a header a list is joined with ", ",
// and a string item holding ',' or '"' is quoted.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/aws/sigv4_signer.h"
#include "google/protobuf/message.h"

namespace awsfacade::backends::aws {

enum class Protocol { kAwsJson1_0, kAwsJson1_1, kRestJson1 };

// Where a restJson1 member travels when it is not in the JSON body.
enum class HttpLocation {
  kLabel,     // {name} (or greedy {name+}) in the URI template
  kQuery,     // ?name=value; a repeated field repeats the key
  kQueryMap,  // a map<string, scalar> whose entries become query parameters;
              // a kQuery parameter of the same name wins
  kHeader,    // header `name`
};

// One member bound outside the body. `member` is the AWS member name, i.e.
// the proto field's json_name.
struct HttpBinding {
  absl::string_view member;
  HttpLocation location;
  absl::string_view name;  // label, query key or header name (unused for kQueryMap)
};

// One AWS operation.
struct OperationSpec {
  absl::string_view name;    // "GetRecords"; also the X-Amz-Target suffix
  absl::string_view method;  // "POST" for awsJson
  // "/" for awsJson; the restJson1 request URI template, which may carry a
  // literal query ("/path/{Label}?literal=1").
  absl::string_view uri;
  // restJson1 only: input members sent outside the body, and output members
  // read from response headers. Members not listed travel in the JSON body.
  absl::Span<const HttpBinding> request_bindings;
  absl::Span<const HttpBinding> response_bindings;
};

// One AWS service (docs/aws-semantics.md §1.1).
struct ServiceSpec {
  absl::string_view name;  // "DynamoDB Streams"
  Protocol protocol;
  absl::string_view target_prefix;    // awsJson X-Amz-Target prefix; empty for restJson1
  absl::string_view signing_name;     // SigV4 credential-scope service
  absl::string_view endpoint_prefix;  // host is <endpoint_prefix>.<region>.amazonaws.com
  absl::Span<const OperationSpec> operations;
};

// The services of proto/aws/**, with every AWS operation our protos mirror
// (the facade-only Paginate*/Subscribe* RPCs have no AWS operation).
//
//   service           protocol     X-Amz-Target                    operations
//   DynamoDB Streams  awsJson 1.0  DynamoDBStreams_20120810.<Op>   every unary rpc of
//   DynamoDB          awsJson 1.0  DynamoDB_20120810.<Op>          the proto service, read
//   Personalize       awsJson 1.1  AmazonPersonalize.<Op>          from its descriptor;
//                                                                  all `POST /`
//
//   Cognito Sync, restJson1 (docs/aws-semantics.md §2.2): every unary rpc
//   with an (awsfacade.http.v1.http) option, bound as it says; today
//   with {Base} = /identitypools/{IdentityPoolId}/identities/{IdentityId}:
//     operation        method  URI                                   query / header members
//     ListRecords      GET     {Base}/datasets/{DatasetName}/records lastSyncCount, maxResults,
//                                                                    nextToken, syncSessionToken
//     UpdateRecords    POST    {Base}/datasets/{DatasetName}         header x-amz-Client-Context
//     ListDatasets     GET     {Base}/datasets                       maxResults, nextToken
//     DescribeDataset  GET     {Base}/datasets/{DatasetName}         -
//     DeleteDataset    DELETE  {Base}/datasets/{DatasetName}         -
const ServiceSpec& DynamoDbStreamsService();
const ServiceSpec& DynamoDbService();
const ServiceSpec& PersonalizeService();
const ServiceSpec& CognitoSyncService();

// The operation called `name` ("GetRecords"), or nullptr.
const OperationSpec* FindOperation(const ServiceSpec& service, absl::string_view name);

// The HTTP request for calling `operation` with `request` (the operation's
// input proto): method, path (percent-encoded), query (decoded pairs),
// protocol headers and body. `host` is left empty.
// Errors: InvalidArgument when a URI label member is unset or empty (the
// service would get a different path), or when the codec rejects a value
// (json_codec.h); Internal when `operation` binds a member `request` lacks.
absl::StatusOr<HttpRequest> BuildRequest(const ServiceSpec& service, const OperationSpec& operation,
                                         const google::protobuf::Message& request);

// Reads an HTTP response of `operation` into `response` (the operation's
// output proto, replaced). A 2xx status is success: the body is the output
// object (an empty body reads as {}), plus restJson1 header-bound members.
// Any other status is an AWS error, returned as AwsError(code, message)
// (its gRPC code comes from aws_error.h's table) carrying the request id
// (SetAwsRequestId) when the response has one:
//   code    = header x-amzn-ErrorType, else body `code`, else body `__type`,
//             cut at the first ':' (Coral appends ":<url>"), then the text
//             after '#' (drops "aws.protocoltests.restjson#" style namespaces);
//   message = body `message`, else `Message`, else empty.
// When no code is found (an empty or HTML body from a proxy or load
// balancer) the HTTP status decides: 500 -> InternalFailure, 502/503/504 ->
// ServiceUnavailable, 429 -> ThrottlingException (names the error table
// maps to INTERNAL, UNAVAILABLE, RESOURCE_EXHAUSTED), any other status -> its
// number ("404"), which is botocore's code for such responses; the message is
// then "HTTP <status> without an AWS error code" unless the body had one.
// A 2xx body the codec cannot read gives Internal (the AWS answer is at
// fault, not the caller's request), naming the JSON path. Header names are
// matched case-insensitively. `request_id`, when given, receives the
// x-amzn-RequestId header (empty when absent), on success too.
absl::Status ParseResponse(const ServiceSpec& service, const OperationSpec& operation,
                           int status_code, const HttpHeaders& headers, absl::string_view body,
                           google::protobuf::Message* response, std::string* request_id = nullptr);

// The error code and message of a non-2xx response, by the rules above
// (ParseResponse uses it; exposed for tests and for the retry layer).
struct AwsErrorDetails {
  std::string code;
  std::string message;
};
AwsErrorDetails ParseErrorDetails(int status_code, const HttpHeaders& headers,
                                  absl::string_view body);

// "aws.protocoltests.restjson#FooError:http://internal..." -> "FooError".
std::string SanitizeErrorCode(absl::string_view raw_code);

// The first value of header `name` (case-insensitive), or empty.
absl::string_view FindHeaderValue(const HttpHeaders& headers, absl::string_view name);

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_PROTOCOLS_H_
