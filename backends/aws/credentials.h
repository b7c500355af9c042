#ifndef AWSFACADE_BACKENDS_AWS_CREDENTIALS_H_
#define AWSFACADE_BACKENDS_AWS_CREDENTIALS_H_

// AWS credentials for the real-AWS backend: the SDKs' standard provider
// chain (botocore's create_credential_resolver, in its order), and a caching
// decorator that refreshes temporary credentials before they expire.
//
//   MakeDefaultCredentialsProvider(env, options)
//     = CachingCredentialsProvider(ChainCredentialsProvider(
//         EnvironmentCredentialsProvider      AWS_ACCESS_KEY_ID, ...
//         WebIdentityCredentialsProvider      AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
//                                             (or the profile's web_identity_token_file)
//         ProfileCredentialsProvider          ~/.aws/credentials, then ~/.aws/config
//         ContainerCredentialsProvider        AWS_CONTAINER_CREDENTIALS_{RELATIVE,FULL}_URI
//         InstanceMetadataCredentialsProvider EC2 IMDSv2))
//
// The environment is read once, in main, into an AwsEnvironment snapshot;
// nothing here calls getenv. Every network endpoint (STS, the container
// endpoint, IMDS) can be overridden, so tests point them at a loopback fake.
//
// Error convention: a provider that is simply not configured (no variables,
// no profile) answers NotFound and the chain moves on. Any other error means
// the source is configured but broken (a half-set environment, an unreadable
// token file, STS refused the token): the chain stops and reports it, as
// the SDKs do, rather than silently using some other identity.
//
// Secrets: no error message and no log line carries a secret access key, a
// session token, a web identity token, a container authorization token or
// the body of a credentials response. Messages name variables, files,
// profiles and endpoints only (tests check this).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/aws/http_client.h"
#include "backends/aws/sigv4_signer.h"
#include "backends/common/clock.h"

namespace awsfacade::backends::aws {

// A snapshot of the environment variables the AWS client reads. Built once
// in main (FromProcessEnvironment) or by hand in tests (Set).
struct AwsEnvironment {
  absl::flat_hash_map<std::string, std::string> variables;

  // Every variable whose name starts with "AWS_", plus HOME.
  static AwsEnvironment FromProcessEnvironment();

  // The value of `name` when it is set and not empty (the SDKs treat an
  // empty variable as unset).
  std::optional<std::string> Get(absl::string_view name) const;
  // Get, or `fallback`.
  std::string GetOr(absl::string_view name, absl::string_view fallback) const;

  AwsEnvironment& Set(absl::string_view name, absl::string_view value) {
    variables[std::string(name)] = std::string(value);
    return *this;
  }
};

// Credentials and the time they stop working (absl::InfiniteFuture() for
// long-term keys).
struct TimedCredentials {
  Credentials credentials;
  absl::Time expiration = absl::InfiniteFuture();
};

// "Credentials{access_key_id=AKIA…MPLE, secret_access_key=<redacted>,
// session_token=<redacted>|<none>}": the only way to print credentials.
std::string RedactedCredentials(const Credentials& credentials);

// Provides AWS credentials. Thread-safe implementations only.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // The credentials to sign a request with now. NotFound when this source is
  // not configured; other errors per the file comment. May block on the
  // network unless the provider says otherwise.
  virtual absl::StatusOr<Credentials> GetCredentials() = 0;

  // The credentials to sign with now, when they can be had without waiting
  // (no I/O, no lock held across I/O); nullopt when only GetCredentials,
  // which may block, can tell. For callers on an I/O thread (the AWS
  // backend's asynchronous calls). The default: nullopt.
  virtual std::optional<absl::StatusOr<Credentials>> GetCredentialsIfReady() {
    return std::nullopt;
  }

  // GetCredentials plus the expiration. The default reports none.
  virtual absl::StatusOr<TimedCredentials> GetTimedCredentials();

  // A short name for messages: "environment", "profile", ...
  virtual absl::string_view Name() const { return "custom"; }
};

// Base for the providers below: they implement GetTimedCredentials, and
// GetCredentials drops the expiration.
class TimedCredentialsProvider : public CredentialsProvider {
 public:
  absl::StatusOr<Credentials> GetCredentials() final;
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override = 0;
};

// Fixed credentials (tests, flags).
class StaticCredentialsProvider final : public TimedCredentialsProvider {
 public:
  explicit StaticCredentialsProvider(TimedCredentials credentials)
      : credentials_(std::move(credentials)) {}
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override { return credentials_; }
  std::optional<absl::StatusOr<Credentials>> GetCredentialsIfReady() override {
    return credentials_.credentials;
  }
  absl::string_view Name() const override { return "static"; }

 private:
  const TimedCredentials credentials_;
};

// What the network-backed providers need. Pointers are not owned and must
// outlive the providers.
struct CredentialsOptions {
  HttpClient* http = nullptr;    // required by web identity, container, IMDS
  const Clock* clock = nullptr;  // required; SystemClock in production
  // How to wait between attempts (they run off the gRPC threads). Default:
  // absl::SleepFor. Tests pass a no-op.
  std::function<void(absl::Duration)> sleep;

  // Endpoint overrides, as absolute URLs ("http://127.0.0.1:8080"). Empty
  // means: the conventional variable (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL
  // for STS, AWS_EC2_METADATA_SERVICE_ENDPOINT for IMDS), else AWS's address.
  std::string sts_endpoint;
  std::string container_endpoint;  // base of the RELATIVE_URI: http://169.254.170.2
  std::string imds_endpoint;

  absl::Duration sts_timeout = absl::Seconds(10);       // per attempt
  absl::Duration sts_deadline = absl::Seconds(30);      // all attempts
  absl::Duration container_timeout = absl::Seconds(2);  // botocore TIMEOUT_SECONDS
  int container_attempts = 3;                           // botocore RETRY_ATTEMPTS
  absl::Duration container_retry_sleep = absl::Seconds(1);
  // IMDS: botocore's defaults (AWS_METADATA_SERVICE_TIMEOUT and
  // AWS_METADATA_SERVICE_NUM_ATTEMPTS override them).
  absl::Duration imds_timeout = absl::Seconds(1);
  int imds_attempts = 1;
};

// --- Environment ------------------------------------------------------------

// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, or the
// legacy AWS_SECURITY_TOKEN; + AWS_CREDENTIAL_EXPIRATION, RFC 3339).
// NotFound without AWS_ACCESS_KEY_ID; InvalidArgument when the key id is set
// without the secret (botocore PartialCredentialsError).
class EnvironmentCredentialsProvider final : public TimedCredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(AwsEnvironment env) : env_(std::move(env)) {}
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override;
  absl::string_view Name() const override { return "environment"; }

 private:
  const AwsEnvironment env_;
};

// --- Shared config and credentials files ------------------------------------

// A parsed INI file as botocore's raw_config_parse reads it: section name ->
// (key lowercased -> value). '#' and ';' start comment lines only (no inline
// comments); "=" or ":" separate key and value; indented lines continue the
// previous value (joined with '\n'); repeated sections merge, later keys
// winning; lines before the first section are ignored.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile ParseIni(absl::string_view text);

// Where the two files are: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE
// ("~/" expanded with HOME), else $HOME/.aws/credentials and
// $HOME/.aws/config. Empty when neither the variable nor HOME is set.
std::string SharedCredentialsFilePath(const AwsEnvironment& env);
std::string ConfigFilePath(const AwsEnvironment& env);

// AWS_PROFILE, else "default".
std::string ProfileName(const AwsEnvironment& env);

// One profile from both files. `config` is "[profile <name>]" (or
// "[default]") of the config file; `credentials` is "[<name>]" of the
// credentials file. Missing files read as empty; a file that exists but
// cannot be read is an error (PermissionDenied / Internal).
struct Profile {
  std::string name;
  bool explicitly_selected = false;  // via AWS_PROFILE
  std::map<std::string, std::string> config;
  std::map<std::string, std::string> credentials;
  bool found() const { return !config.empty() || !credentials.empty(); }
};
absl::StatusOr<Profile> LoadProfile(const AwsEnvironment& env);

// AWS_REGION, else AWS_DEFAULT_REGION, else the profile's "region" (config
// file), else nullopt.
std::optional<std::string> ResolveRegion(const AwsEnvironment& env);

// Static keys of the selected profile: aws_access_key_id,
// aws_secret_access_key, aws_session_token (or aws_security_token), first
// from the credentials file, then from the config file (botocore's
// SharedCredentialProvider, then ConfigProvider).
// NotFound when the default profile does not exist or holds no keys.
// InvalidArgument when AWS_PROFILE names a profile that is in neither file
// (botocore ProfileNotFound), or when a key id comes without its secret. A
// profile whose credentials come from role_arn + source_profile,
// credential_source, credential_process or SSO gives Unimplemented: this
// client does not support those, and silently falling through to another
// identity would be wrong. (A profile with role_arn +
// web_identity_token_file is served by WebIdentityCredentialsProvider.)
class ProfileCredentialsProvider final : public TimedCredentialsProvider {
 public:
  explicit ProfileCredentialsProvider(AwsEnvironment env) : env_(std::move(env)) {}
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override;
  absl::string_view Name() const override { return "profile"; }

 private:
  const AwsEnvironment env_;
};

// --- Web identity (STS AssumeRoleWithWebIdentity) ---------------------------

// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME), or
// the profile's web_identity_token_file + role_arn (+ role_session_name):
// the token file is read at every fetch (Kubernetes rotates it) and sent to
// STS AssumeRoleWithWebIdentity (Query protocol, unsigned POST; version
// 2011-06-15). STS endpoint: options.sts_endpoint, else AWS_ENDPOINT_URL_STS,
// else AWS_ENDPOINT_URL, else https://sts.<region>.amazonaws.com(.cn) for
// the resolved region, else https://sts.amazonaws.com. Attempts are retried
// under the standard retry mode (STS traits) within options.sts_deadline.
// NotFound without a token file; InvalidArgument with a token file but no
// role ARN; FailedPrecondition when the token file cannot be read; STS
// errors as Unauthenticated (4xx) or Unavailable (5xx, transport) with the
// STS error code.
class WebIdentityCredentialsProvider final : public TimedCredentialsProvider {
 public:
  WebIdentityCredentialsProvider(AwsEnvironment env, CredentialsOptions options)
      : env_(std::move(env)), options_(std::move(options)) {}
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override;
  absl::string_view Name() const override { return "web-identity"; }

 private:
  const AwsEnvironment env_;
  const CredentialsOptions options_;
};

// Parses an AssumeRoleWithWebIdentity (or AssumeRole) response body. For
// tests; errors never quote the body.
absl::StatusOr<TimedCredentials> ParseStsCredentialsXml(absl::string_view xml);

// --- Container (ECS, EKS Pod Identity) --------------------------------------

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to
// options.container_endpoint, default http://169.254.170.2), else
// AWS_CONTAINER_CREDENTIALS_FULL_URI, which must be https or point at a
// loopback address, 169.254.170.2, 169.254.170.23, fd00:ec2::23 or
// localhost. Authorization header: the contents of
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at every fetch), else
// AWS_CONTAINER_AUTHORIZATION_TOKEN; CR or LF in it is an error. The JSON
// answer must hold AccessKeyId and SecretAccessKey; Token and Expiration are
// used when present. Up to options.container_attempts attempts.
// NotFound when neither variable is set; InvalidArgument for a disallowed
// URI or a bad token; Unavailable when the endpoint does not answer 200 with
// valid credentials.
class ContainerCredentialsProvider final : public TimedCredentialsProvider {
 public:
  ContainerCredentialsProvider(AwsEnvironment env, CredentialsOptions options)
      : env_(std::move(env)), options_(std::move(options)) {}
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override;
  absl::string_view Name() const override { return "container"; }

 private:
  const AwsEnvironment env_;
  const CredentialsOptions options_;
};

// --- EC2 instance metadata (IMDSv2) -----------------------------------------

// PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds: 21600), then
// GET /latest/meta-data/iam/security-credentials/ for the role name and
// GET .../security-credentials/<role> for the credentials, each with the
// token header. Endpoint: options.imds_endpoint, else
// AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://[fd00:ec2::254] when
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is IPv6, else http://169.254.169.254.
// As in botocore: a 403/404/405 answer to the token request, or a read
// timeout on it, falls back to IMDSv1 (no token) unless
// AWS_EC2_METADATA_V1_DISABLED is true.
// Every failure is NotFound (the SDKs treat an absent or unusable IMDS as
// "no credentials here"), including AWS_EC2_METADATA_DISABLED=true.
class InstanceMetadataCredentialsProvider final : public TimedCredentialsProvider {
 public:
  InstanceMetadataCredentialsProvider(AwsEnvironment env, CredentialsOptions options)
      : env_(std::move(env)), options_(std::move(options)) {}
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override;
  absl::string_view Name() const override { return "instance-metadata"; }

 private:
  const AwsEnvironment env_;
  const CredentialsOptions options_;
};

// --- Chain ------------------------------------------------------------------

// Tries providers in order; the first to answer OK wins and is remembered,
// so later calls (refreshes) go straight to it. NotFound moves on; any
// other error stops the chain and is returned, prefixed with the provider's
// name. When every provider says NotFound: NotFound listing what was tried.
class ChainCredentialsProvider final : public TimedCredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers)
      : providers_(std::move(providers)) {}
  absl::StatusOr<TimedCredentials> GetTimedCredentials() override;
  absl::string_view Name() const override { return "chain"; }

  // The name of the provider that answered last, or "" before any did.
  std::string ActiveProviderName() const;

 private:
  const std::vector<std::unique_ptr<CredentialsProvider>> providers_;
  mutable absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = -1;
};

// --- Caching and refreshing -------------------------------------------------

struct CachingOptions {
  // Temporary credentials are refreshed in the background from this long
  // before they expire; callers keep getting the current ones meanwhile.
  absl::Duration refresh_before_expiry = absl::Minutes(5);
  // With less than this left, the current credentials are no longer handed
  // out (a request signed now could arrive after expiry): callers wait for a
  // fresh set.
  absl::Duration min_remaining = absl::Seconds(30);
  // After a failed background refresh, the next one starts no sooner than
  // this.
  absl::Duration retry_failed_refresh_after = absl::Seconds(30);
};

// Caches the child's credentials until they come near expiry.
//
//  - Valid and not near expiry: returned at once, no lock held across I/O.
//  - Within refresh_before_expiry: returned at once; one background refresh
//    (a worker thread owned by this object) fetches new ones. Concurrent
//    callers never start a second refresh.
//  - None, or less than min_remaining left: the caller fetches (one caller;
//    others wait for that single fetch and share its result or error).
// A failed background refresh keeps the old credentials until they become
// unusable. All time comes from `clock`. Destruction waits for a running
// refresh to finish (so the child's HttpClient must outlive this object).
//
// Only the very first call (and a call after a long outage) waits on the
// network: call GetCredentials once at start-up, in main, so that no gRPC
// thread ever does.
class CachingCredentialsProvider final : public TimedCredentialsProvider {
 public:
  CachingCredentialsProvider(std::unique_ptr<CredentialsProvider> child, const Clock& clock,
                             CachingOptions options = {});
  ~CachingCredentialsProvider() override;

  absl::StatusOr<TimedCredentials> GetTimedCredentials() override;
  // The cached credentials while they are usable (starting the background
  // refresh when due, as GetTimedCredentials does); nullopt when a caller
  // would have to wait for a fetch.
  std::optional<absl::StatusOr<Credentials>> GetCredentialsIfReady() override;
  absl::string_view Name() const override { return child_->Name(); }

  // How many times the child was asked (for tests and metrics).
  int64_t fetches() const;
  // Callers waiting for another caller's fetch (for tests).
  int waiters() const;
  // Blocks until no fetch is running (for tests).
  void WaitUntilIdle() const;

 private:
  void StartBackgroundRefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The cached credentials when usable at `now` (starting a due background
  // refresh), else nullopt.
  std::optional<TimedCredentials> UsableLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WorkerLoop();
  void StoreLocked(const absl::StatusOr<TimedCredentials>& result, bool background)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<CredentialsProvider> child_;
  const Clock& clock_;
  const CachingOptions options_;

  mutable absl::Mutex mu_;
  std::optional<TimedCredentials> cached_ ABSL_GUARDED_BY(mu_);
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool refresh_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // completed fetches
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  absl::Time next_background_attempt_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t fetches_ ABSL_GUARDED_BY(mu_) = 0;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread worker_ ABSL_GUARDED_BY(mu_);
};

// --- The default chain ------------------------------------------------------

// Caching(Chain(environment, web identity, profile, container, IMDS)) over
// `env`, in the SDKs' order. InvalidArgument when options.http or
// options.clock is missing.
absl::StatusOr<std::unique_ptr<CachingCredentialsProvider>> MakeDefaultCredentialsProvider(
    const AwsEnvironment& env, CredentialsOptions options, CachingOptions caching = {});

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_CREDENTIALS_H_
