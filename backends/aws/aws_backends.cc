#include "backends/aws/aws_backends.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
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
// Immutable after construction (the retry policy, the HTTP client and the
// timer are thread-safe), so every call shares it. A call in flight keeps it
// alive (shared_from_this), so its backend may be dropped meanwhile.
class AwsServiceClient final : public OperationInvoker,
                               public std::enable_shared_from_this<AwsServiceClient> {
 public:
  AwsServiceClient(const ServiceSpec& spec, HttpRequest endpoint, std::string region,
                   std::shared_ptr<const Clock> clock, std::shared_ptr<HttpClient> http,
                   std::shared_ptr<CredentialsProvider> credentials,
                   std::shared_ptr<RetryPolicy> retry, ServiceRetryTraits traits,
                   absl::Duration call_timeout, std::string observed_name,
                   std::shared_ptr<AwsRetryObserver> observer, std::shared_ptr<Timer> timer)
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
        observer_(std::move(observer)),
        timer_(std::move(timer)) {}

  // The call, asynchronously (AsyncDone's contract): the operation is the
  // method's name, its AWS operation.
  void Invoke(const OperationCall& call, OperationDone done) override {
    InvokeAsync(call.method->name(), call.context, *call.request, call.response, std::move(done));
  }
  bool IsAsynchronous() const override { return true; }

 private:
  using Finish = absl::AnyInvocable<void(absl::Status) &&>;
  struct Operation;  // one call, from its start to `finish`

  void InvokeAsync(absl::string_view operation_name, const CallContext& context,
                   const google::protobuf::Message& request, google::protobuf::Message* response,
                   Finish finish) const;
  void StartAttempt(std::shared_ptr<Operation> call) const;
  void SendAttempt(std::shared_ptr<Operation> call,
                   const absl::StatusOr<Credentials>& credentials) const;
  void OnAnswer(std::shared_ptr<Operation> call, absl::StatusOr<HttpResponse> answer) const;
  void Complete(std::shared_ptr<Operation> call, absl::Status status) const;
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
  const std::shared_ptr<Timer> timer_;
};

struct AwsServiceClient::Operation {
  Operation(std::shared_ptr<const AwsServiceClient> client, const OperationSpec& operation,
            HttpRequest request, RetryState state, google::protobuf::Message* response,
            Finish finish)
      : client(std::move(client)),
        operation(operation),
        request(std::move(request)),
        state(state),
        response(response),
        finish(std::move(finish)) {}

  const std::shared_ptr<const AwsServiceClient> client;
  const OperationSpec& operation;
  const HttpRequest request;  // built, not signed
  // Touched by one attempt at a time: each attempt's steps hand over
  // through the HTTP client's or the timer's queue.
  RetryState state;
  Credentials credentials;                    // the last attempt's, to redact AWS's answers
  google::protobuf::Message* const response;  // owned by `finish`
  Finish finish;
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

void AwsServiceClient::InvokeAsync(absl::string_view operation_name, const CallContext& context,
                                   const google::protobuf::Message& request,
                                   google::protobuf::Message* response, Finish finish) const {
  const OperationSpec* operation = FindOperation(spec_, operation_name);
  if (operation == nullptr) {
    std::move(finish)(
        absl::InternalError(absl::StrCat(spec_.name, " has no operation ", operation_name)));
    return;
  }
  absl::StatusOr<HttpRequest> built = BuildRequest(spec_, *operation, request);
  if (!built.ok()) {
    std::move(finish)(Fail(*operation, built.status()));
    return;
  }
  built->scheme = endpoint_.scheme;
  built->host = endpoint_.host;
  if (!endpoint_.path.empty() && endpoint_.path != "/") {
    built->path = absl::StrCat(absl::StripSuffix(endpoint_.path, "/"), built->path);
  }
  // Never past the caller's deadline, nor call_timeout; one attempt when the
  // caller retries itself (the subscription engine).
  RetryState state = retry_->Begin(std::min(clock_->Now() + call_timeout_, context.deadline),
                                   context.may_retry ? 0 : 1);
  StartAttempt(std::make_shared<Operation>(shared_from_this(), *operation, *std::move(built), state,
                                           response, std::move(finish)));
}

// Runs on the caller's thread (first attempt) or the timer's (retries),
// never on the HTTP thread: a credentials fetch may need that one.
void AwsServiceClient::StartAttempt(std::shared_ptr<Operation> call) const {
  // Per attempt: a refresh may have replaced temporary credentials, and the
  // signature must carry the attempt's own time. A fetch that would block
  // (empty or expired cache) runs on the timer's thread, off the caller's.
  if (std::optional<absl::StatusOr<Credentials>> ready = credentials_->GetCredentialsIfReady()) {
    SendAttempt(std::move(call), *ready);
    return;
  }
  timer_->RunAfter(absl::ZeroDuration(), [call = std::move(call)]() mutable {
    const AwsServiceClient& client = *call->client;
    client.SendAttempt(std::move(call), client.credentials_->GetCredentials());
  });
}

void AwsServiceClient::SendAttempt(std::shared_ptr<Operation> call,
                                   const absl::StatusOr<Credentials>& credentials) const {
  const OperationSpec& operation = call->operation;
  const absl::Duration timeout = call->state.AttemptTimeout(call_timeout_);
  if (timeout <= absl::ZeroDuration()) {
    Complete(
        std::move(call),
        Fail(operation, absl::DeadlineExceededError(absl::StrCat(
                            "no time left for attempt ", call->state.attempt(), " of the call"))));
    return;
  }
  if (!credentials.ok()) {
    const absl::StatusCode code =
        credentials.status().code() == absl::StatusCode::kUnavailable ||
                credentials.status().code() == absl::StatusCode::kDeadlineExceeded
            ? credentials.status().code()
            : absl::StatusCode::kUnauthenticated;
    Complete(
        std::move(call),
        Fail(operation, absl::Status(code, absl::StrCat("AWS credentials (", credentials_->Name(),
                                                        "): ", credentials.status().message()))));
    return;
  }
  call->credentials = *credentials;
  HttpRequest attempt = call->request;
  if (absl::Status signed_ok = signer_.Sign(attempt, *credentials, clock_->Now());
      !signed_ok.ok()) {
    Complete(std::move(call), Fail(operation, signed_ok));
    return;
  }
  http_->Send(std::move(attempt), timeout, [call](absl::StatusOr<HttpResponse> answer) mutable {
    call->client->OnAnswer(std::move(call), std::move(answer));
  });
}

// On the HTTP thread: must not block.
void AwsServiceClient::OnAnswer(std::shared_ptr<Operation> call,
                                absl::StatusOr<HttpResponse> answer) const {
  const OperationSpec& operation = call->operation;
  RetryState& state = call->state;
  RetryDecision decision;
  if (!answer.ok()) {
    decision = Classify(0, "", TransportErrorOf(answer.status()), traits_);
  } else if (answer->status >= 200 && answer->status < 300) {
    state.OnSuccess();
    absl::Status parsed = Relayable(ParseResponse(spec_, operation, answer->status, answer->headers,
                                                  answer->body, call->response),
                                    call->credentials);
    Complete(std::move(call), std::move(parsed));
    return;
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
    if (decision.throttling) observer_->OnThrottled(observed_name_, operation.name);
    if (next.retry) observer_->OnRetry(observed_name_, operation.name);
  }
  if (next.retry) {
    // The backoff holds no thread; the timer starts the next attempt.
    timer_->RunAfter(next.delay, [call = std::move(call)]() mutable {
      call->client->StartAttempt(std::move(call));
    });
    return;
  }
  if (answer.ok()) {
    absl::Status parsed = Relayable(ParseResponse(spec_, operation, answer->status, answer->headers,
                                                  answer->body, call->response),
                                    call->credentials);
    Complete(std::move(call), std::move(parsed));
    return;
  }
  absl::Status status = answer.status();
  if (next.stop == RetryStop::kDeadline ||
      TransportErrorOf(status) == TransportError::kReadTimeout ||
      TransportErrorOf(status) == TransportError::kConnectTimeout) {
    // The call's time ran out (or would, waiting for the retry).
    status = absl::DeadlineExceededError(absl::StrCat(status.message(), " (", state.attempt(),
                                                      " attempt(s), call_timeout ",
                                                      absl::FormatDuration(call_timeout_), ")"));
  } else {
    status =
        absl::Status(status.code(), absl::StrCat(status.message(), " (", state.attempt(),
                                                 " attempt(s), ", RetryStopName(next.stop), ")"));
  }
  Complete(std::move(call), Fail(operation, std::move(status)));
}

void AwsServiceClient::Complete(std::shared_ptr<Operation> call, absl::Status status) const {
  std::move(call->finish)(std::move(status));
  if (call->client.use_count() == 1) {
    // The last hold on this client (its backend is gone): dropping it here,
    // on the HTTP thread, would destroy the HTTP client from its own thread.
    // The timer's thread lets it go instead.
    timer_->RunAfter(absl::ZeroDuration(), [call = std::move(call)] {});
  }
}

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
  if (options.timer == nullptr) {
    absl::StatusOr<std::shared_ptr<Timer>> timer = Timer::Create();
    if (!timer.ok()) return timer.status();
    options.timer = *std::move(timer);
  }
  absl::StatusOr<Credentials> first = options.credentials->GetCredentials();
  if (!first.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no AWS credentials (", options.credentials->Name(), "): ", first.status().message(),
        ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or "
        "run "
        "with a role (web identity, container or instance credentials)."));
  }

  auto make =
      [&](const ServiceSpec& spec, const std::string& override_url,
          absl::string_view botocore_name) -> absl::StatusOr<std::shared_ptr<AwsServiceClient>> {
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
    return std::make_shared<AwsServiceClient>(
        spec, *std::move(endpoint), options.region, options.clock, options.http,
        options.credentials, std::move(retry), std::move(traits), options.call_timeout,
        absl::StrReplaceAll(botocore_name, {{"-", ""}}), options.retry_observer, options.timer);
  };

  AwsBackendSet out;
  auto streams =
      make(DynamoDbStreamsService(), options.endpoints.dynamodb_streams, "dynamodbstreams");
  if (!streams.ok()) return streams.status();
  out.dynamodb_streams = std::make_shared<DynamoDbStreamsOverChain>(*std::move(streams));
  auto dynamodb = make(DynamoDbService(), options.endpoints.dynamodb, "dynamodb");
  if (!dynamodb.ok()) return dynamodb.status();
  out.dynamodb = std::make_shared<DynamoDbOverChain>(*std::move(dynamodb));
  auto personalize = make(PersonalizeService(), options.endpoints.personalize, "personalize");
  if (!personalize.ok()) return personalize.status();
  out.personalize = std::make_shared<PersonalizeOverChain>(*std::move(personalize));
  auto cognito = make(CognitoSyncService(), options.endpoints.cognito_sync, "cognito-sync");
  if (!cognito.ok()) return cognito.status();
  out.cognito_sync = std::make_shared<CognitoSyncOverChain>(*std::move(cognito));
  return out;
}

}  // namespace awsfacade::backends::aws
