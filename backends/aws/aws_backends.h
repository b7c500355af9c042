#ifndef AWSFACADE_BACKENDS_AWS_AWS_BACKENDS_H_
#define AWSFACADE_BACKENDS_AWS_AWS_BACKENDS_H_

// The real-AWS backend: the four service interfaces of backends/ implemented
// over the parts in this directory. Every operation is one generic call
// (aws_backends.cc, AwsServiceClient: the bottom of an operation chain,
// backends/operation_chain.h), asynchronous from end to end:
//
//   protocols.h BuildRequest -> endpoint (override or AWS's hostname)
//   -> SigV4Signer::Sign with the credentials of the moment
//   -> HttpClient::Send (curl multi: one thread drives every request)
//   -> in Send's callback: protocols.h ParseResponse (AwsError with the
//      x-amzn-RequestId), or the retry decision
//
// with AWS's "standard" retry mode (retry.h) around the send: 3 attempts,
// full-jitter backoff, the retry quota, all within `call_timeout` and the
// caller's deadline. A backoff waits on the backend's Timer (timer.h), never
// on a sleeping thread. This is the only retry layer of the facade's AWS
// path; the handlers above never retry.
//
// Threads: the calling thread builds, signs and queues the first attempt;
// the HTTP thread classifies answers, parses them and completes the call;
// the timer thread starts each retry. No thread waits for AWS, except a
// caller of the blocking methods (a thin wait on the asynchronous call) and,
// when the credentials cache is empty or expired, the timer thread while it
// fetches credentials (never the HTTP thread, whose requests that fetch may
// need).
//
// Errors: AwsError statuses for AWS answers (gRPC code from
// backends/common/aws_error.h, AWS request id attached); DeadlineExceeded
// when call_timeout runs out; Unavailable for connection failures that
// outlived the retries; Unauthenticated when no credentials can be had.
// No message carries a secret.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/aws/credentials.h"
#include "backends/aws/http_client.h"
#include "backends/aws/retry.h"
#include "backends/aws/timer.h"
#include "backends/cognito_sync_backend.h"
#include "backends/common/clock.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"

namespace awsfacade::backends::aws {

// Endpoint overrides, one absolute URL per service ("http://127.0.0.1:5000",
// a path prefix is kept). Empty means AWS's own endpoint for the region.
struct AwsEndpoints {
  std::string dynamodb;
  std::string dynamodb_streams;
  std::string personalize;
  std::string cognito_sync;
};

// The SDKs' endpoint-override convention, read from the snapshot:
// AWS_ENDPOINT_URL_<SERVICE> (DYNAMODB, DYNAMODB_STREAMS, PERSONALIZE,
// COGNITO_SYNC), else AWS_ENDPOINT_URL; nothing when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true". A non-empty `all_services`
// (the --endpoint_url flag) overrides every service.
AwsEndpoints EndpointsFromEnvironment(const AwsEnvironment& env,
                                      absl::string_view all_services = {});

// AWS's endpoint for a service's endpoint prefix ("streams.dynamodb") in
// `region`: https://<prefix>.<region>.amazonaws.com, or .amazonaws.com.cn
// for the China regions (cn-*).
std::string DefaultEndpoint(absl::string_view endpoint_prefix, absl::string_view region);

// Told about the retry loop's decisions, for metrics. Called on the thread
// that runs the AWS call; must be cheap and must not block. `service` is
// "dynamodbstreams" | "dynamodb" | "personalize" | "cognitosync".
class AwsRetryObserver {
 public:
  virtual ~AwsRetryObserver() = default;
  // An attempt was answered with a throttling error (retried or not).
  virtual void OnThrottled(absl::string_view service, absl::string_view operation) = 0;
  // Another attempt follows (after its backoff).
  virtual void OnRetry(absl::string_view service, absl::string_view operation) = 0;
};

struct AwsBackendOptions {
  // Credential scope and endpoint region ("us-east-1"). Required.
  std::string region;
  AwsEndpoints endpoints;
  // Where credentials come from. Null: the SDKs' default chain
  // (MakeDefaultCredentialsProvider) over `environment`.
  std::shared_ptr<CredentialsProvider> credentials;
  // The environment snapshot for the default credentials chain (main reads
  // it once with AwsEnvironment::FromProcessEnvironment()).
  AwsEnvironment environment;
  // Null: a CurlHttpClient with its defaults.
  std::shared_ptr<HttpClient> http;
  // Null: one RetryPolicy per service (botocore: one per client) with the
  // standard-mode defaults and the service's modeled retryable errors.
  // Given: shared by the four services (one quota).
  std::shared_ptr<RetryPolicy> retry;
  // Bounds one operation, retries and backoff included. Each attempt gets
  // what is left.
  absl::Duration call_timeout = absl::Seconds(30);
  // Signing time and retry deadlines. Null: the system clock.
  std::shared_ptr<const Clock> clock;
  // Null: nobody is told.
  std::shared_ptr<AwsRetryObserver> retry_observer;
  // Where backoffs wait (one thread for the four services). Null: one is
  // made.
  std::shared_ptr<Timer> timer;
};

// The four backends over one HTTP client and one credentials provider
// (each backend keeps them alive). Each is the typed end of a chain
// (backends/operation_chain.h) whose bottom is the service's generic AWS
// call, so every operation of the service's list is served with no code of
// its own. They are asynchronous: an Async* form's `done` runs on the HTTP
// client's thread (an answer), the timer's thread (credentials could not be
// had), or the calling thread (a request that cannot be built or signed).
// context.deadline bounds the call together with call_timeout;
// !context.may_retry makes one attempt; context.delayed is ignored (AWS has
// no injected latency). No WatchStream: AWS cannot notify, so the
// subscription engine polls.
struct AwsBackendSet {
  std::shared_ptr<CognitoSyncBackend> cognito_sync;
  std::shared_ptr<PersonalizeBackend> personalize;
  std::shared_ptr<DynamoDbBackend> dynamodb;
  std::shared_ptr<DynamoDbStreamsBackend> dynamodb_streams;
};

// Builds the backends, filling the defaults above, and fetches credentials
// once so that a missing or broken identity fails here, at start-up, rather
// than on the first call (and so that no gRPC call waits for the first
// fetch). Errors: InvalidArgument for an empty region or a malformed
// endpoint URL (naming the service); FailedPrecondition when no credentials
// can be found, with what the chain tried; Internal when curl cannot start.
absl::StatusOr<AwsBackendSet> CreateAwsBackends(AwsBackendOptions options);

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_AWS_BACKENDS_H_
