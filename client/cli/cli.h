#ifndef AWSFACADE_CLIENT_CLI_CLI_H_
#define AWSFACADE_CLIENT_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace awsfacade::client::cli {

// Exit codes of the awsfacade command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitServiceError = 1;  // the service answered with an error
inline constexpr int kExitUsage = 2;         // bad command line
inline constexpr int kExitConnection = 3;    // no answer from the endpoint

// The options main() parses (with ABSL_FLAG) before the command words.
struct CliOptions {
  std::string endpoint = "127.0.0.1:50051";
  std::string output = "json";  // json | table
};

// Runs `awsfacade <service> <operation> [--flags]` (args without the
// program name and the global options): data to `out`, status and errors to
// `err`; returns the exit code.
int RunCli(const CliOptions& options, const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace awsfacade::client::cli

#endif  // AWSFACADE_CLIENT_CLI_CLI_H_
