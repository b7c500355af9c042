// awsfacade: the command-line client of the aws-grpc-facade server.
// Global options are parsed by the CLI library (ParseCommandLine: the AWS
// CLI's spellings, anywhere on the line); the operation's parameters come
// from the request message's descriptor (client/cli/cli.cc). The environment
// is read here, once.
#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "client/cli/cli.h"

int main(int argc, char** argv) {
  // SIGINT/SIGTERM go to one thread of ours (blocked here, before gRPC starts
  // any thread, so every thread inherits the mask): a tail then prints its
  // continuation token between two events, never in the middle of one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    awsfacade::client::cli::ExitOnInterrupt();
  }).detach();

  awsfacade::client::cli::CliEnvironment env;
  if (const char* endpoint = std::getenv("AWSFACADE_ENDPOINT")) env.endpoint = endpoint;
  return awsfacade::client::cli::Main(std::vector<std::string>(argv + 1, argv + argc), env,
                                      std::cout, std::cerr);
}
