// awsfacade-server: the gRPC facade over Cognito Sync, Personalize and
// DynamoDB Streams. Flags and environment are read here and only here.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "app/command_line.h"
#include "app/server.h"
#include "backends/aws/aws_backends.h"
#include "backends/aws/credentials.h"
#include "backends/common/redaction.h"
#include "observability/json_log.h"
#include "observability/metrics.h"
#include "observability/metrics_endpoint.h"
#include "service/aws_wire/signature_check.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on (HOST:PORT; port 0 picks one).");
ABSL_FLAG(std::string, backend, "simulator", "Backend for every service: simulator | aws.");
ABSL_FLAG(std::string, cognito_sync_backend, "", "Backend for Cognito Sync (default: --backend).");
ABSL_FLAG(std::string, personalize_backend, "", "Backend for Personalize (default: --backend).");
ABSL_FLAG(std::string, dynamodb_backend, "", "Backend for DynamoDB (default: --backend).");
ABSL_FLAG(std::string, dynamodbstreams_backend, "",
          "Backend for DynamoDB Streams (default: --backend).");
ABSL_FLAG(std::string, endpoint_url, "",
          "AWS backend: endpoint URL for every service (e.g. http://127.0.0.1:5000), over "
          "$AWS_ENDPOINT_URL_<SERVICE> and $AWS_ENDPOINT_URL.");
ABSL_FLAG(absl::Duration, aws_call_timeout, absl::Seconds(30),
          "AWS backend: time limit of one AWS operation, retries included.");
ABSL_FLAG(
    std::string, region, "",
    "AWS region for ARNs and endpoints (default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's "
    "region, us-east-1).");
ABSL_FLAG(
    std::string, account_id, "",
    "Account id the simulator puts in ARNs (default: $AWSFACADE_ACCOUNT_ID or 123456789012).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM/SIGINT, how long in-flight calls may take to finish.");
ABSL_FLAG(std::string, token_key_file, "",
          "File whose bytes (at least 32) seal subscription continuation tokens; replicas sharing "
          "it resume each other's tokens (default: a random key per process).");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain: serve TLS instead of plaintext.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: mutual TLS, every client must present a certificate it signed.");
ABSL_FLAG(int, max_concurrent_streams, 1000, "Concurrent calls (HTTP/2 streams) per connection.");
ABSL_FLAG(int, max_metadata_bytes, 16 << 10, "Largest header block (metadata) a client may send.");
ABSL_FLAG(
    absl::Duration, keepalive_time, absl::Minutes(2),
    "Ping idle connections this often; drop peers that do not answer within --keepalive_timeout.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20), "See --keepalive_time.");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(10),
          "Clients pinging more often get GOAWAY (ENHANCE_YOUR_CALM) after two strikes.");
ABSL_FLAG(
    absl::Duration, max_connection_age, absl::ZeroDuration(),
    "Close connections gracefully after this age (0: never), so clients re-resolve replicas.");
ABSL_FLAG(int64_t, transport_memory_bytes, 256 << 20,
          "gRPC's resource quota for connections and calls: past it gRPC shrinks reads, cancels "
          "streams and closes idle connections (0: no quota). It bounds only what gRPC 1.51 "
          "accounts for: it did not bound Rapid Reset or stalled readers (see docs/security.md).");
ABSL_FLAG(
    int64_t, subscription_buffer_bytes, 64 << 20,
    "Record bytes all subscriptions together may hold before they stop reading ahead and send "
    "small batches (bounds the memory stalled readers can pin).");
ABSL_FLAG(
    double, shard_reads_per_second, -1,
    "Upstream GetRecords per second per stream shard, shared by all subscriptions on the shard in "
    "this process (0: unlimited; negative: 5 on --backend=aws, unlimited on the simulator).");
ABSL_FLAG(
    std::string, authz_policy_file, "",
    "JSON policy: which callers (client certificate, bearer token, peer) may call which operations "
    "on which resources; PERMISSION_DENIED otherwise (default: no checks).");
ABSL_FLAG(bool, serve_simulator_control, true,
          "Serve awsfacade.simulator.v1.SimulatorService (reset, faults, clock) when a service is "
          "simulated; under --authz_policy_file its calls need a rule like any other operation.");
ABSL_FLAG(
    int, max_subscriptions_per_caller, 0,
    "Open subscriptions per caller (client certificate under mTLS, else peer address); 0: no cap.");
ABSL_FLAG(bool, bench_echo, false,
          "Also serve awsfacade.bench.v1.EchoService (benchmark baseline).");
ABSL_FLAG(int, max_message_bytes, 16 << 20, "Largest message accepted or sent.");
ABSL_FLAG(absl::Duration, consumer_group_lease_duration, absl::Seconds(10),
          "Consumer groups: a lease not renewed for this long is taken over (KCL's failover "
          "time; 1s..10m). Every replica of a group should use the same.");
ABSL_FLAG(int, max_subscriptions, 10000,
          "Open SubscribeToShard/SubscribeToStream calls at once (RESOURCE_EXHAUSTED past it).");
ABSL_FLAG(absl::Duration, shard_rollover_interval, absl::Hours(4),
          "Simulator: close and roll over stream shards this often (simulator time).");
ABSL_FLAG(int64_t, shard_rollover_records, 0,
          "Simulator: also roll a shard over after this many records (0 = off).");
ABSL_FLAG(int, open_shards_per_stream, 1,
          "Simulator: open shards per stream; items are spread over them by partition key.");
ABSL_FLAG(std::string, state_dir, "",
          "Simulator only: keep the simulated state in this directory (a journal of every "
          "acknowledged change plus snapshots), so it survives restarts, even kill -9. Empty: "
          "in memory only.");
ABSL_FLAG(bool, state_fsync, false,
          "With --state_dir: fdatasync each journal entry before acknowledging it, so changes "
          "survive a power loss too (without it they survive the process dying).");
ABSL_FLAG(int64_t, state_snapshot_bytes, 64 << 20,
          "With --state_dir: snapshot once the journal has grown by this many bytes (and by "
          "the last snapshot's size).");
ABSL_FLAG(std::string, metrics_listen, "",
          "Serve Prometheus metrics at http://HOST:PORT/metrics (port 0 picks one; empty = off).");
ABSL_FLAG(std::string, aws_listen, "",
          "Also serve the AWS wire protocols (DynamoDB, DynamoDB Streams, Personalize, Cognito "
          "Sync) at http://HOST:PORT, for boto3, the AWS CLI and the AWS SDKs with an endpoint URL "
          "(port 0 picks one; empty = off).");
ABSL_FLAG(bool, aws_verify_signatures, false,
          "With --aws_listen: verify SigV4 signatures against --aws_keys_file (or "
          "$AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY); default: any credentials are accepted.");
ABSL_FLAG(std::string, aws_keys_file, "",
          "With --aws_verify_signatures: a file of 'ACCESS_KEY_ID SECRET_ACCESS_KEY' lines.");
ABSL_FLAG(int64_t, aws_max_body_bytes, 16 << 20,
          "With --aws_listen: largest request body (413 RequestEntityTooLargeException past it).");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe log line written to stderr (JSON lines): debug | info | warning | error.");

namespace {

std::string FirstNonEmpty(std::initializer_list<const char*> values, const char* fallback) {
  for (const char* v : values) {
    if (v != nullptr && *v != '\0') return v;
  }
  return fallback;
}

// The bytes of a file (certificates, keys); NotFound when it cannot be read.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(path);
  std::string contents{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) return absl::NotFoundError(path);
  return contents;
}

// --help lists the flags of this file (absl's default looks for a file named
// after the program, which has none).
bool IsServerFlagFile(absl::string_view path) { return absl::EndsWith(path, "app/main.cc"); }

// Writes out what the logger holds before the process exits.
void FlushBeforeExit(const std::shared_ptr<awsfacade::observability::JsonLogger>& logger) {
  if (!logger->Flush(absl::Seconds(2))) {
    // stderr is not draining (a full pipe nobody reads): the writer thread is
    // blocked in write(), and joining it would hang the exit. Leave it to
    // the OS with the rest of the process.
    (void)new std::shared_ptr<awsfacade::observability::JsonLogger>(logger);
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "awsfacade-server --listen=127.0.0.1:50051 --backend=simulator\n"
      "Serves Cognito Sync, Personalize, DynamoDB and DynamoDB Streams over gRPC, on a simulator "
      "or "
      "on AWS.");
  absl::FlagsUsageConfig usage;  // for absl's other usage flags (--helpmatch=...)
  usage.contains_help_flags = IsServerFlagFile;
  usage.contains_helpshort_flags = IsServerFlagFile;
  usage.contains_helppackage_flags = IsServerFlagFile;
  absl::SetFlagsUsageConfig(usage);
  if (awsfacade::app::WantsHelp(argc, argv)) {  // absl's own --help exits 1
    std::cout << awsfacade::app::FlagsHelp(absl::ProgramUsageMessage(), "app/main.cc");
    return 0;
  }
  // A mistyped flag or a bad value: one line, exit 2 (absl alone exits 1).
  if (absl::Status checked = awsfacade::app::CheckCommandLine(argc, argv); !checked.ok()) {
    std::cerr << "awsfacade-server: " << checked.message() << "\n";
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles
  // (a debugging aid that shows up as several percent of CPU in profiles).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the shutdown signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  awsfacade::app::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.bench_echo = absl::GetFlag(FLAGS_bench_echo);
  options.serve_simulator_control = absl::GetFlag(FLAGS_serve_simulator_control);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.subscriptions.max_subscriptions = absl::GetFlag(FLAGS_max_subscriptions);
  options.subscriptions.max_subscriptions_per_caller =
      absl::GetFlag(FLAGS_max_subscriptions_per_caller);
  options.subscriptions.max_buffered_bytes = absl::GetFlag(FLAGS_subscription_buffer_bytes);
  if (const double reads = absl::GetFlag(FLAGS_shard_reads_per_second); reads >= 0) {
    options.subscriptions.shard_reads_per_second = reads;
  }
  options.consumer_groups.lease_duration = absl::GetFlag(FLAGS_consumer_group_lease_duration);
  if (options.consumer_groups.lease_duration < absl::Seconds(1) ||
      options.consumer_groups.lease_duration > absl::Minutes(10)) {
    std::cerr << "awsfacade-server: --consumer_group_lease_duration must be 1s..10m\n";
    return 2;
  }
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.max_metadata_bytes = absl::GetFlag(FLAGS_max_metadata_bytes);
  options.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  options.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  options.min_client_ping_interval = absl::GetFlag(FLAGS_min_client_ping_interval);
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.transport_memory_bytes = absl::GetFlag(FLAGS_transport_memory_bytes);
  if (options.transport_memory_bytes != 0 && options.transport_memory_bytes < (16 << 20)) {
    std::cerr
        << "awsfacade-server: --transport_memory_bytes must be 0 (no quota) or at least 16 MiB\n";
    return 2;
  }
  if (options.max_concurrent_streams < 1 || options.max_metadata_bytes < 1024 ||
      options.subscriptions.max_subscriptions_per_caller < 0 ||
      options.subscriptions.max_buffered_bytes < (1 << 20) ||
      options.keepalive_time <= absl::ZeroDuration() ||
      options.keepalive_timeout <= absl::ZeroDuration() ||
      options.min_client_ping_interval < absl::ZeroDuration() ||
      options.max_connection_age < absl::ZeroDuration()) {
    std::cerr
        << "awsfacade-server: --max_concurrent_streams must be positive, --max_metadata_bytes at "
           "least 1024, --max_subscriptions_per_caller >= 0, --subscription_buffer_bytes at least "
           "1 MiB, "
           "keepalive durations positive\n";
    return 2;
  }
  for (auto [flag, out] : {std::pair{&FLAGS_tls_cert_file, &options.tls_cert_chain},
                           std::pair{&FLAGS_tls_key_file, &options.tls_private_key},
                           std::pair{&FLAGS_tls_client_ca_file, &options.tls_client_ca}}) {
    const std::string path = absl::GetFlag(*flag);
    if (path.empty()) continue;
    absl::StatusOr<std::string> contents = ReadWholeFile(path);
    if (!contents.ok() || contents->empty()) {
      std::cerr << "awsfacade-server: cannot read " << path << " (or it is empty)\n";
      return 2;
    }
    *out = *std::move(contents);
  }
  options.backends.dynamodb.shard_rollover_interval = absl::GetFlag(FLAGS_shard_rollover_interval);
  options.backends.dynamodb.shard_rollover_records = absl::GetFlag(FLAGS_shard_rollover_records);
  options.backends.dynamodb.open_shards_per_stream = absl::GetFlag(FLAGS_open_shards_per_stream);
  if (const std::string dir = absl::GetFlag(FLAGS_state_dir); !dir.empty()) {
    awsfacade::backends::simulator::PersistenceOptions persistence;
    persistence.dir.path = dir;
    persistence.dir.fsync = absl::GetFlag(FLAGS_state_fsync);
    persistence.snapshot_min_bytes = absl::GetFlag(FLAGS_state_snapshot_bytes);
    if (persistence.snapshot_min_bytes < 1) {
      std::cerr << "awsfacade-server: --state_snapshot_bytes must be positive\n";
      return 2;
    }
    options.backends.persistence = std::move(persistence);
  }
  if (options.subscriptions.max_subscriptions < 1 ||
      options.backends.dynamodb.open_shards_per_stream < 1 ||
      options.backends.dynamodb.open_shards_per_stream > 64 ||
      options.backends.dynamodb.shard_rollover_interval <= absl::ZeroDuration() ||
      options.backends.dynamodb.shard_rollover_records < 0) {
    std::cerr
        << "awsfacade-server: --max_subscriptions and --open_shards_per_stream (1..64) must be "
           "positive, --shard_rollover_interval > 0, --shard_rollover_records >= 0\n";
    return 2;
  }
  auto kind = awsfacade::app::ParseBackendKind(absl::GetFlag(FLAGS_backend));
  if (!kind.ok()) {
    std::cerr << "awsfacade-server: " << kind.status().message() << "\n";
    return 2;
  }
  options.backends.kind = *kind;
  bool any_aws = *kind == awsfacade::app::BackendKind::kAws;
  for (auto [flag, target] :
       {std::pair{&FLAGS_cognito_sync_backend, &options.backends.cognito_sync_kind},
        std::pair{&FLAGS_personalize_backend, &options.backends.personalize_kind},
        std::pair{&FLAGS_dynamodb_backend, &options.backends.dynamodb_kind},
        std::pair{&FLAGS_dynamodbstreams_backend, &options.backends.dynamodb_streams_kind}}) {
    const std::string name = absl::GetFlag(*flag);
    if (name.empty()) continue;
    auto service_kind = awsfacade::app::ParseBackendKind(name);
    if (!service_kind.ok()) {
      std::cerr << "awsfacade-server: " << service_kind.status().message() << "\n";
      return 2;
    }
    *target = *service_kind;
    any_aws = any_aws || *service_kind == awsfacade::app::BackendKind::kAws;
  }
  // The one read of the AWS environment (credentials chain, region, endpoints).
  const auto aws_env = awsfacade::backends::aws::AwsEnvironment::FromProcessEnvironment();
  options.backends.region =
      absl::GetFlag(FLAGS_region).empty()
          ? awsfacade::backends::aws::ResolveRegion(aws_env).value_or("us-east-1")
          : absl::GetFlag(FLAGS_region);
  if (any_aws) {
    auto& aws = options.backends.aws;
    aws.region = options.backends.region;
    aws.environment = aws_env;
    aws.endpoints = awsfacade::backends::aws::EndpointsFromEnvironment(
        aws_env, absl::GetFlag(FLAGS_endpoint_url));
    aws.call_timeout = absl::GetFlag(FLAGS_aws_call_timeout);
    if (aws.call_timeout <= absl::ZeroDuration()) {
      std::cerr << "awsfacade-server: --aws_call_timeout must be positive\n";
      return 2;
    }
  }
  options.backends.account_id =
      absl::GetFlag(FLAGS_account_id).empty()
          ? FirstNonEmpty({std::getenv("AWSFACADE_ACCOUNT_ID")}, "123456789012")
          : absl::GetFlag(FLAGS_account_id);

  if (const std::string path = absl::GetFlag(FLAGS_authz_policy_file); !path.empty()) {
    absl::StatusOr<std::string> policy = ReadWholeFile(path);
    if (!policy.ok() || policy->empty()) {
      std::cerr << "awsfacade-server: --authz_policy_file: cannot read " << path
                << " (or it is empty)\n";
      return 2;
    }
    options.authz_policy = *std::move(policy);
  }
  if (const std::string path = absl::GetFlag(FLAGS_token_key_file); !path.empty()) {
    absl::StatusOr<std::string> key = ReadWholeFile(path);
    if (!key.ok() || key->empty()) {
      std::cerr << "awsfacade-server: --token_key_file: cannot read " << path
                << " (or it is empty)\n";
      return 2;
    }
    options.subscription_token_key = *std::move(key);
  }

  options.aws_wire.listen = absl::GetFlag(FLAGS_aws_listen);
  options.aws_wire.max_body_bytes = absl::GetFlag(FLAGS_aws_max_body_bytes);
  options.aws_wire.handler.verify_signatures = absl::GetFlag(FLAGS_aws_verify_signatures);
  if (options.aws_wire.max_body_bytes < 1) {
    std::cerr << "awsfacade-server: --aws_max_body_bytes must be positive\n";
    return 2;
  }
  if (options.aws_wire.handler.verify_signatures) {
    if (const std::string path = absl::GetFlag(FLAGS_aws_keys_file); !path.empty()) {
      absl::StatusOr<std::string> text = ReadWholeFile(path);
      absl::StatusOr<std::vector<awsfacade::backends::aws::Credentials>> keys =
          text.ok() ? awsfacade::service::aws_wire::ParseKeysFile(*text) : text.status();
      if (!keys.ok()) {
        std::cerr << "awsfacade-server: --aws_keys_file " << path << ": " << keys.status().message()
                  << "\n";
        return 2;
      }
      options.aws_wire.handler.keys = *std::move(keys);
    } else if (auto id = aws_env.Get("AWS_ACCESS_KEY_ID")) {
      options.aws_wire.handler.keys.push_back(
          {*id, aws_env.GetOr("AWS_SECRET_ACCESS_KEY", ""), ""});
    }
    if (options.aws_wire.handler.keys.empty()) {
      std::cerr << "awsfacade-server: --aws_verify_signatures needs keys: --aws_keys_file or "
                   "$AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY\n";
      return 2;
    }
  }

  // Observability: metrics (when served) and the JSON-lines logger.
  namespace obs = awsfacade::observability;
  const auto log_level = obs::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!log_level.ok()) {
    std::cerr << "awsfacade-server: --log_level: " << log_level.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<obs::MetricsEndpoint> metrics_endpoint;
  if (const std::string listen = absl::GetFlag(FLAGS_metrics_listen); !listen.empty()) {
    options.observability.metrics = std::make_shared<obs::FacadeMetrics>();
    auto endpoint = obs::MetricsEndpoint::Start(listen, options.observability.metrics->registry());
    if (!endpoint.ok()) {
      std::cerr << "awsfacade-server: --metrics_listen: " << endpoint.status().message() << "\n";
      return 1;
    }
    metrics_endpoint = *std::move(endpoint);
  }
  obs::JsonLoggerOptions log_options;
  log_options.level = *log_level;
  log_options.redact = [](absl::string_view line) {
    return awsfacade::backends::RedactCredentials(line);
  };
  if (auto metrics = options.observability.metrics) {
    log_options.on_dropped = [metrics](int64_t lines) { metrics->LogLinesDropped(lines); };
  }
  auto logger = std::make_shared<obs::JsonLogger>(std::move(log_options));
  options.observability.logger = logger;
  awsfacade::app::RouteLibraryLogs(logger);

  auto server = awsfacade::app::FacadeServer::Start(options);
  if (!server.ok()) {
    const bool port_taken = absl::StrContains(server.status().message(), "address already in use");
    logger->Log(
        obs::LogLevel::kError,
        absl::StrCat(
            "awsfacade-server: ", server.status().message(),
            port_taken ? "; pick another port, or --listen=127.0.0.1:0 for a free one" : ""),
        {{"code", absl::StatusCodeToString(server.status().code())}});
    FlushBeforeExit(logger);
    return 1;
  }
  // One parseable line that scripts and tests wait for: its "msg" keeps the
  // plain-text form "listening on port N (...)".
  nlohmann::json started = {{"port", (*server)->port()},
                            {"backend", absl::GetFlag(FLAGS_backend)},
                            {"region", options.backends.region}};
  if (metrics_endpoint) started["metrics_port"] = metrics_endpoint->port();
  if ((*server)->aws_wire_port() != 0) started["aws_port"] = (*server)->aws_wire_port();
  if (const auto& sim = (*server)->simulator_hooks(); sim && sim->state) {
    logger->Announce(absl::StrCat("awsfacade-server: ", sim->recovery_summary),
                     {{"state_dir", absl::GetFlag(FLAGS_state_dir)}});
  }
  logger->Announce(
      absl::StrCat(
          "awsfacade-server: listening on port ", (*server)->port(), " (backend ",
          absl::GetFlag(FLAGS_backend), ", region ", options.backends.region,
          metrics_endpoint ? absl::StrCat(", metrics on port ", metrics_endpoint->port()) : "",
          (*server)->aws_wire_port() != 0
              ? absl::StrCat(", AWS wire protocols on port ", (*server)->aws_wire_port())
              : "",
          ")"),
      std::move(started));

  int sig = 0;
  sigwait(&signals, &sig);
  logger->Announce(absl::StrCat("awsfacade-server: signal ", sig, ", shutting down"),
                   {{"signal", sig}});
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  logger->Announce("awsfacade-server: stopped");
  FlushBeforeExit(logger);
  // Stopping civetweb waits out its workers' 2 s poll; the process is ending,
  // so the OS reclaims the metrics endpoint instead.
  (void)metrics_endpoint.release();
  return 0;
}
