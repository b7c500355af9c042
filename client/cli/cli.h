#ifndef AWSFACADE_CLIENT_CLI_CLI_H_
#define AWSFACADE_CLIENT_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace awsfacade::client::cli {

// Exit codes of the awsfacade command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitServiceError = 1;  // the service answered with an error
inline constexpr int kExitUsage = 2;         // bad command line
inline constexpr int kExitConnection = 3;    // no answer from the endpoint

// The global options (the AWS CLI's spelling, accepted anywhere on the
// command line).
struct CliOptions {
  std::string endpoint = "127.0.0.1:50051";  // HOST:PORT
  bool tls = false;                          // an https:// endpoint URL
  std::string output = "json";               // json | table | text | grpc-json
  std::string input = "json";                // json | grpc-json
};

// What main() reads from the environment, once, at start-up.
struct CliEnvironment {
  std::string endpoint;  // AWSFACADE_ENDPOINT: HOST:PORT or http(s)://HOST[:PORT]
};

// A command line split into the global options and the command's own words.
struct Invocation {
  CliOptions options;
  std::vector<std::string> command;  // <service> <operation> [parameters]
};

// Takes the global options out of `args` (the program name excluded), before
// or after the service name: --endpoint-url URL (alias --endpoint HOST:PORT),
// --region (accepted, not used: the server's backend has its own),
// --output, --input, --no-cli-pager (a no-op: nothing is paged). Precedence
// of the endpoint: option, then env.endpoint, then 127.0.0.1:50051.
// INVALID_ARGUMENT with the message to print for a bad value, a missing
// value, or an AWS CLI option this tool does not have (--profile, --query,
// --debug, --no-verify-ssl, ...).
absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& args,
                                            const CliEnvironment& env);

// Runs `awsfacade <service> <operation> [--flags]` (invocation.command):
// data to `out`, status and errors to `err`; returns the exit code.
int RunCli(const CliOptions& options, const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err);

// ParseCommandLine, then RunCli; a usage error exits 2.
int Main(const std::vector<std::string>& args, const CliEnvironment& env, std::ostream& out,
         std::ostream& err);

// For SIGINT/SIGTERM (main calls it from its signal-handling thread): a
// running `tail` writes its continuation token and the command that resumes
// from it to stderr, once the event being printed is complete; then the
// process exits with 0. Never returns.
[[noreturn]] void ExitOnInterrupt();

}  // namespace awsfacade::client::cli

#endif  // AWSFACADE_CLIENT_CLI_CLI_H_
