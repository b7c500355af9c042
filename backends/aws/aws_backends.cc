#include "backends/aws/aws_backends.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "backends/common/call_deadline.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "backends/aws/protocols.h"
#include "backends/aws/sigv4_signer.h"
#include "backends/common/aws_error.h"

namespace awsfacade::backends::aws {

namespace {

constexpr absl::string_view kEndpointEnvAll = "AWS_ENDPOINT_URL";
constexpr absl::string_view kIgnoreEndpointsEnv = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

std::string EndpointFor(const AwsEnvironment& env, absl::string_view service_env_suffix) {
  if (absl::EqualsIgnoreCase(env.GetOr(kIgnoreEndpointsEnv, ""), "true")) return "";
  if (auto url = env.Get(absl::StrCat(kEndpointEnvAll, "_", service_env_suffix))) return *url;
  return env.GetOr(kEndpointEnvAll, "");
}

// An answer's error, fit for the gRPC client and the logs: AWS's text may
// quote the signed request (an InvalidSignatureException quotes the
// canonical request, some errors the headers), so the credentials it was
// signed with, the signature and any session token are redacted from the
// message and the ErrorInfo payloads.
absl::Status Relayable(absl::Status status, const Credentials& credentials) {
  if (status.ok()) return status;
  return RedactedStatus(status, {credentials.secret_access_key, credentials.session_token});
}

}  // namespace

AwsEndpoints EndpointsFromEnvironment(const AwsEnvironment& env, absl::string_view all_services) {
  AwsEndpoints out;
  if (!all_services.empty()) {
    out.dynamodb = out.dynamodb_streams = out.personalize = out.cognito_sync =
        std::string(all_services);
    return out;
  }
  // The suffixes are botocore's service ids, uppercased, spaces as '_'.
  out.dynamodb = EndpointFor(env, "DYNAMODB");
  out.dynamodb_streams = EndpointFor(env, "DYNAMODB_STREAMS");
  out.personalize = EndpointFor(env, "PERSONALIZE");
  out.cognito_sync = EndpointFor(env, "COGNITO_SYNC");
  return out;
}

std::string DefaultEndpoint(absl::string_view endpoint_prefix, absl::string_view region) {
  return absl::StrCat("https://", endpoint_prefix, ".", region, ".amazonaws.com",
                      absl::StartsWith(region, "cn-") ? ".cn" : "");
}

// One AWS service: where it is, how to sign for it, and the generic call.
// Immutable after construction (the retry policy and the HTTP client are
// thread-safe), so the backends share it across the executor's threads.
class AwsServiceClient {
 public:
  AwsServiceClient(const ServiceSpec& spec, HttpRequest endpoint, std::string region,
                   std::shared_ptr<const Clock> clock, std::shared_ptr<HttpClient> http,
                   std::shared_ptr<CredentialsProvider> credentials,
                   std::shared_ptr<RetryPolicy> retry, ServiceRetryTraits traits,
                   absl::Duration call_timeout, std::string observed_name,
                   std::shared_ptr<AwsRetryObserver> observer)
      : spec_(spec),
        endpoint_(std::move(endpoint)),
        signer_(std::move(region), std::string(spec.signing_name)),
        clock_(std::move(clock)),
        http_(std::move(http)),
        credentials_(std::move(credentials)),
        retry_(std::move(retry)),
        traits_(std::move(traits)),
        call_timeout_(call_timeout),
        observed_name_(std::move(observed_name)),
        observer_(std::move(observer)) {}

  template <typename Response, typename Request>
  absl::StatusOr<Response> Call(absl::string_view operation_name, const Request& request) const {
    Response response;
    absl::Status status = Invoke(operation_name, request, &response);
    if (!status.ok()) return status;
    return response;
  }

 private:
  absl::Status Invoke(absl::string_view operation_name, const google::protobuf::Message& request,
                      google::protobuf::Message* response) const;
  absl::Status Fail(const OperationSpec& operation, absl::Status status) const;

  const ServiceSpec& spec_;
  const HttpRequest endpoint_;  // scheme, host and base path of the endpoint
  const SigV4Signer signer_;
  // Declaration order matters: the credentials provider may point at the
  // HTTP client and the clock, so it is destroyed first.
  const std::shared_ptr<const Clock> clock_;
  const std::shared_ptr<HttpClient> http_;
  const std::shared_ptr<CredentialsProvider> credentials_;
  const std::shared_ptr<RetryPolicy> retry_;
  const ServiceRetryTraits traits_;
  const absl::Duration call_timeout_;
  const std::string observed_name_;  // the service label for observer_
  const std::shared_ptr<AwsRetryObserver> observer_;
};

absl::Status AwsServiceClient::Fail(const OperationSpec& operation, absl::Status status) const {
  // Keep AWS errors as they are (their message is AWS's); give transport and
  // local failures the operation's name.
  if (AwsErrorName(status).has_value()) return status;
  absl::Status out(status.code(),
                   absl::StrCat(spec_.name, " ", operation.name, ": ", status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

absl::Status AwsServiceClient::Invoke(absl::string_view operation_name,
                                      const google::protobuf::Message& request,
                                      google::protobuf::Message* response) const {
  const OperationSpec* operation = FindOperation(spec_, operation_name);
  if (operation == nullptr) {
    return absl::InternalError(absl::StrCat(spec_.name, " has no operation ", operation_name));
  }
  absl::StatusOr<HttpRequest> built = BuildRequest(spec_, *operation, request);
  if (!built.ok()) return Fail(*operation, built.status());
  built->scheme = endpoint_.scheme;
  built->host = endpoint_.host;
  if (!endpoint_.path.empty() && endpoint_.path != "/") {
    built->path = absl::StrCat(absl::StripSuffix(endpoint_.path, "/"), built->path);
  }

  // Never past the gRPC caller's deadline (service/ sets it), nor call_timeout;
  // one attempt when the caller retries itself (the subscription engine).
  RetryState state = retry_->Begin(std::min(clock_->Now() + call_timeout_, CurrentCallDeadline()),
                                   CurrentCallMayRetry() ? 0 : 1);
  while (true) {
    const absl::Duration timeout = state.AttemptTimeout(call_timeout_);
    if (timeout <= absl::ZeroDuration()) {
      return Fail(*operation, absl::DeadlineExceededError(absl::StrCat(
                                  "no time left for attempt ", state.attempt(), " of the call")));
    }
    // Per attempt: a refresh may have replaced temporary credentials, and the
    // signature must carry the attempt's own time.
    absl::StatusOr<Credentials> credentials = credentials_->GetCredentials();
    if (!credentials.ok()) {
      const absl::StatusCode code =
          credentials.status().code() == absl::StatusCode::kUnavailable ||
                  credentials.status().code() == absl::StatusCode::kDeadlineExceeded
              ? credentials.status().code()
              : absl::StatusCode::kUnauthenticated;
      return Fail(*operation,
                  absl::Status(code, absl::StrCat("AWS credentials (", credentials_->Name(),
                                                  "): ", credentials.status().message())));
    }
    HttpRequest attempt = *built;
    absl::Status signed_ok = signer_.Sign(attempt, *credentials, clock_->Now());
    if (!signed_ok.ok()) return Fail(*operation, signed_ok);

    absl::StatusOr<HttpResponse> answer = SendAndWait(*http_, std::move(attempt), timeout);
    RetryDecision decision;
    if (!answer.ok()) {
      decision = Classify(0, "", TransportErrorOf(answer.status()), traits_);
    } else if (answer->status >= 200 && answer->status < 300) {
      state.OnSuccess();
      return Relayable(ParseResponse(spec_, *operation, answer->status, answer->headers,
                                     answer->body, response),
                       *credentials);
    } else {
      decision = Classify(answer->status,
                          ParseErrorDetails(answer->status, answer->headers, answer->body).code,
                          TransportError::kNone, traits_);
    }
    // An attempt that timed out waiting for its answer had all the time left
    // to the call (its timeout is the time to the deadline): another attempt
    // could only start at the deadline's edge, however short the backoff.
    const bool time_is_up =
        !answer.ok() && TransportErrorOf(answer.status()) == TransportError::kReadTimeout;
    const RetryState::Next next =
        time_is_up ? RetryState::Next{false, absl::ZeroDuration(), RetryStop::kDeadline}
                   : state.OnFailure(decision);
    if (observer_ != nullptr) {
      if (decision.throttling) observer_->OnThrottled(observed_name_, operation->name);
      if (next.retry) observer_->OnRetry(observed_name_, operation->name);
    }
    if (!next.retry) {
      if (!answer.ok()) {
        absl::Status status = answer.status();
        if (next.stop == RetryStop::kDeadline ||
            TransportErrorOf(status) == TransportError::kReadTimeout ||
            TransportErrorOf(status) == TransportError::kConnectTimeout) {
          // The call's time ran out (or would, waiting for the retry).
          status = absl::DeadlineExceededError(
              absl::StrCat(status.message(), " (", state.attempt(), " attempt(s), call_timeout ",
                           absl::FormatDuration(call_timeout_), ")"));
        } else {
          status = absl::Status(
              status.code(), absl::StrCat(status.message(), " (", state.attempt(), " attempt(s), ",
                                          RetryStopName(next.stop), ")"));
        }
        return Fail(*operation, status);
      }
      return Relayable(ParseResponse(spec_, *operation, answer->status, answer->headers,
                                     answer->body, response),
                       *credentials);
    }
    absl::SleepFor(next.delay);  // on the executor's thread, never a gRPC one
  }
}

// --- The four services: one line per operation. -----------------------------

namespace ddbs = ::aws::dynamodbstreams::v1;
namespace ddb = ::aws::dynamodb::v1;
namespace pz = ::aws::personalize::v1;
namespace cs = ::aws::cognitosync::v1;

absl::StatusOr<ddbs::ListStreamsResponse> AwsDynamoDbStreams::ListStreams(
    const ddbs::ListStreamsRequest& request) {
  return client_->Call<ddbs::ListStreamsResponse>("ListStreams", request);
}
absl::StatusOr<ddbs::DescribeStreamResponse> AwsDynamoDbStreams::DescribeStream(
    const ddbs::DescribeStreamRequest& request) {
  return client_->Call<ddbs::DescribeStreamResponse>("DescribeStream", request);
}
absl::StatusOr<ddbs::GetShardIteratorResponse> AwsDynamoDbStreams::GetShardIterator(
    const ddbs::GetShardIteratorRequest& request) {
  return client_->Call<ddbs::GetShardIteratorResponse>("GetShardIterator", request);
}
absl::StatusOr<ddbs::GetRecordsResponse> AwsDynamoDbStreams::GetRecords(
    const ddbs::GetRecordsRequest& request) {
  return client_->Call<ddbs::GetRecordsResponse>("GetRecords", request);
}

#define AWSFACADE_AWS_OP(Class, ns, Op)                                        \
  absl::StatusOr<ns::Op##Response> Class::Op(const ns::Op##Request& request) { \
    return client_->Call<ns::Op##Response>(#Op, request);                      \
  }
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, CreateTable)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, DescribeTable)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, UpdateTable)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, DeleteTable)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, PutItem)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, GetItem)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, DeleteItem)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, UpdateItem)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, UpdateTimeToLive)
AWSFACADE_AWS_OP(AwsDynamoDb, ddb, DescribeTimeToLive)
AWSFACADE_AWS_OP(AwsPersonalize, pz, CreateDatasetGroup)
AWSFACADE_AWS_OP(AwsPersonalize, pz, DescribeDatasetGroup)
AWSFACADE_AWS_OP(AwsPersonalize, pz, ListDatasetGroups)
AWSFACADE_AWS_OP(AwsPersonalize, pz, DeleteDatasetGroup)
AWSFACADE_AWS_OP(AwsPersonalize, pz, CreateSchema)
AWSFACADE_AWS_OP(AwsPersonalize, pz, DescribeSchema)
AWSFACADE_AWS_OP(AwsPersonalize, pz, ListSchemas)
AWSFACADE_AWS_OP(AwsPersonalize, pz, DeleteSchema)
AWSFACADE_AWS_OP(AwsPersonalize, pz, CreateDataset)
AWSFACADE_AWS_OP(AwsPersonalize, pz, DescribeDataset)
AWSFACADE_AWS_OP(AwsPersonalize, pz, ListDatasets)
AWSFACADE_AWS_OP(AwsPersonalize, pz, DeleteDataset)
AWSFACADE_AWS_OP(AwsCognitoSync, cs, ListRecords)
AWSFACADE_AWS_OP(AwsCognitoSync, cs, UpdateRecords)
AWSFACADE_AWS_OP(AwsCognitoSync, cs, ListDatasets)
AWSFACADE_AWS_OP(AwsCognitoSync, cs, DescribeDataset)
AWSFACADE_AWS_OP(AwsCognitoSync, cs, DeleteDataset)
#undef AWSFACADE_AWS_OP

// --- Assembly.
// ----------------------------------------------------------------

absl::StatusOr<AwsBackendSet> CreateAwsBackends(AwsBackendOptions options) {
  if (options.region.empty()) return absl::InvalidArgumentError("AWS backend: region is empty");
  if (options.call_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("AWS backend: call_timeout must be positive");
  }
  if (options.clock == nullptr) options.clock = std::make_shared<SystemClock>();
  if (options.http == nullptr) {
    absl::StatusOr<std::unique_ptr<CurlHttpClient>> curl = CurlHttpClient::Create();
    if (!curl.ok()) return curl.status();
    options.http = *std::move(curl);
  }
  if (options.credentials == nullptr) {
    CredentialsOptions credentials_options;
    credentials_options.http = options.http.get();
    credentials_options.clock = options.clock.get();
    auto chain = MakeDefaultCredentialsProvider(options.environment, credentials_options);
    if (!chain.ok()) return chain.status();
    // The chain points at the HTTP client and the clock without owning them:
    // its deleter keeps both alive until it is gone.
    options.credentials = std::shared_ptr<CredentialsProvider>(
        chain->release(),
        [http = options.http, clock = options.clock](CredentialsProvider* p) { delete p; });
  }
  absl::StatusOr<Credentials> first = options.credentials->GetCredentials();
  if (!first.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no AWS credentials (", options.credentials->Name(), "): ", first.status().message(),
        ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or "
        "run "
        "with a role (web identity, container or instance credentials)."));
  }

  auto make = [&](const ServiceSpec& spec, const std::string& override_url,
                  absl::string_view botocore_name)
      -> absl::StatusOr<std::shared_ptr<const AwsServiceClient>> {
    const std::string url =
        override_url.empty() ? DefaultEndpoint(spec.endpoint_prefix, options.region) : override_url;
    absl::StatusOr<HttpRequest> endpoint = RequestForUrl("POST", url);
    if (!endpoint.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(spec.name, " endpoint: ", endpoint.status().message()));
    }
    ServiceRetryTraits traits = RetryTraitsFor(botocore_name);
    std::shared_ptr<RetryPolicy> retry = options.retry;
    if (retry == nullptr) {
      RetryOptions retry_options;
      retry_options.traits = traits;
      // The policy holds the clock by reference; the deleter keeps it alive.
      retry = std::shared_ptr<RetryPolicy>(new RetryPolicy(retry_options, *options.clock),
                                           [clock = options.clock](RetryPolicy* p) { delete p; });
    }
    return std::make_shared<const AwsServiceClient>(
        spec, *std::move(endpoint), options.region, options.clock, options.http,
        options.credentials, std::move(retry), std::move(traits), options.call_timeout,
        absl::StrReplaceAll(botocore_name, {{"-", ""}}), options.retry_observer);
  };

  AwsBackendSet out;
  auto streams =
      make(DynamoDbStreamsService(), options.endpoints.dynamodb_streams, "dynamodbstreams");
  if (!streams.ok()) return streams.status();
  out.dynamodb_streams = std::make_shared<AwsDynamoDbStreams>(*std::move(streams));
  auto dynamodb = make(DynamoDbService(), options.endpoints.dynamodb, "dynamodb");
  if (!dynamodb.ok()) return dynamodb.status();
  out.dynamodb = std::make_shared<AwsDynamoDb>(*std::move(dynamodb));
  auto personalize = make(PersonalizeService(), options.endpoints.personalize, "personalize");
  if (!personalize.ok()) return personalize.status();
  out.personalize = std::make_shared<AwsPersonalize>(*std::move(personalize));
  auto cognito = make(CognitoSyncService(), options.endpoints.cognito_sync, "cognito-sync");
  if (!cognito.ok()) return cognito.status();
  out.cognito_sync = std::make_shared<AwsCognitoSync>(*std::move(cognito));
  return out;
}

}  // namespace awsfacade::backends::aws
