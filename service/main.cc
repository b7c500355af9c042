// awsfacade-server: the gRPC facade over Cognito Sync, Personalize and
// DynamoDB Streams. Flags and environment are read here and only here.
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve on (HOST:PORT; port 0 picks one).");
ABSL_FLAG(std::string, backend, "simulator", "Backend for every service: simulator | aws.");
ABSL_FLAG(std::string, region, "",
          "AWS region for ARNs and endpoints (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1).");
ABSL_FLAG(std::string, account_id, "",
          "Account id the simulator puts in ARNs (default: $AWSFACADE_ACCOUNT_ID or 123456789012).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM/SIGINT, how long in-flight calls may take to finish.");
ABSL_FLAG(bool, bench_echo, false, "Also serve awsfacade.bench.v1.EchoService (benchmark baseline).");
ABSL_FLAG(int, max_message_bytes, 16 << 20, "Largest message accepted or sent.");
ABSL_FLAG(int, max_subscriptions, 10000,
          "Open SubscribeToShard/SubscribeToStream calls at once (RESOURCE_EXHAUSTED past it).");
ABSL_FLAG(absl::Duration, shard_rollover_interval, absl::Hours(4),
          "Simulator: close and roll over stream shards this often (simulator time).");
ABSL_FLAG(int64_t, shard_rollover_records, 0,
          "Simulator: also roll a shard over after this many records (0 = off).");
ABSL_FLAG(int, open_shards_per_stream, 1,
          "Simulator: open shards per stream; items are spread over them by partition key.");

namespace {

std::string FirstNonEmpty(std::initializer_list<const char*> values, const char* fallback) {
  for (const char* v : values) {
    if (v != nullptr && *v != '\0') return v;
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "awsfacade-server --listen=127.0.0.1:50051 --backend=simulator\n"
      "Serves aws.cognitosync.v1, aws.personalize.v1 (and more) over gRPC.");
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

  awsfacade::service::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.bench_echo = absl::GetFlag(FLAGS_bench_echo);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.subscriptions.max_subscriptions = absl::GetFlag(FLAGS_max_subscriptions);
  options.backends.dynamodb.shard_rollover_interval = absl::GetFlag(FLAGS_shard_rollover_interval);
  options.backends.dynamodb.shard_rollover_records = absl::GetFlag(FLAGS_shard_rollover_records);
  options.backends.dynamodb.open_shards_per_stream = absl::GetFlag(FLAGS_open_shards_per_stream);
  if (options.subscriptions.max_subscriptions < 1 || options.backends.dynamodb.open_shards_per_stream < 1 ||
      options.backends.dynamodb.open_shards_per_stream > 64 ||
      options.backends.dynamodb.shard_rollover_interval <= absl::ZeroDuration() ||
      options.backends.dynamodb.shard_rollover_records < 0) {
    std::cerr << "awsfacade-server: --max_subscriptions and --open_shards_per_stream (1..64) must be "
                 "positive, --shard_rollover_interval > 0, --shard_rollover_records >= 0\n";
    return 2;
  }
  auto kind = awsfacade::service::ParseBackendKind(absl::GetFlag(FLAGS_backend));
  if (!kind.ok()) {
    std::cerr << "awsfacade-server: " << kind.status().message() << "\n";
    return 2;
  }
  options.backends.kind = *kind;
  options.backends.region = absl::GetFlag(FLAGS_region).empty()
                                ? FirstNonEmpty({std::getenv("AWS_REGION"), std::getenv("AWS_DEFAULT_REGION")},
                                                "us-east-1")
                                : absl::GetFlag(FLAGS_region);
  options.backends.account_id = absl::GetFlag(FLAGS_account_id).empty()
                                    ? FirstNonEmpty({std::getenv("AWSFACADE_ACCOUNT_ID")}, "123456789012")
                                    : absl::GetFlag(FLAGS_account_id);

  auto server = awsfacade::service::FacadeServer::Start(options);
  if (!server.ok()) {
    std::cerr << "awsfacade-server: " << server.status().message() << "\n";
    return 1;
  }
  // One parseable line that scripts and tests wait for.
  std::cerr << "awsfacade-server: listening on port " << (*server)->port() << " (backend "
            << absl::GetFlag(FLAGS_backend) << ", region " << options.backends.region << ")"
            << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "awsfacade-server: signal " << sig << ", shutting down" << std::endl;
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::cerr << "awsfacade-server: stopped" << std::endl;
  return 0;
}
