// awsfacade: the command-line client of the aws-grpc-facade server.
// Global options are the only ABSL_FLAGs (style rule 6); the operation's
// parameters come from the request message's descriptor (client/cli/cli.cc).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "client/cli/cli.h"

ABSL_FLAG(std::string, endpoint, "127.0.0.1:50051", "Server address, HOST:PORT.");
ABSL_FLAG(std::string, output, "json", "Output format: json or table.");

namespace {
// Lines are flushed as they are written, so an interrupt loses nothing:
// Ctrl-C is how `tail` is meant to end.
void OnInterrupt(int) { _exit(0); }

bool IsGlobalFlag(const std::string& arg) {
  for (const char* name : {"--endpoint", "--output"}) {
    if (arg == name || absl::StartsWith(arg, std::string(name) + "=")) return true;
  }
  return false;
}
}  // namespace

int main(int argc, char** argv) {
  // Global options may appear anywhere (as with the AWS CLI): hand them to
  // absl, everything else to the command.
  std::vector<char*> global = {argv[0]};
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (IsGlobalFlag(arg)) {
      global.push_back(argv[i]);
      if (arg.find('=') == std::string::npos && i + 1 < argc) global.push_back(argv[++i]);
    } else {
      command.push_back(std::move(arg));
    }
  }
  absl::ParseCommandLine(static_cast<int>(global.size()), global.data());
  std::signal(SIGINT, OnInterrupt);
  awsfacade::client::cli::CliOptions options;
  options.endpoint = absl::GetFlag(FLAGS_endpoint);
  options.output = absl::GetFlag(FLAGS_output);
  return awsfacade::client::cli::RunCli(options, command, std::cout, std::cerr);
}
