#ifndef AWSFACADE_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define AWSFACADE_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace awsfacade::testing {

// The real awsfacade-server binary, started on a loopback port picked by
// the kernel, stopped (SIGTERM, then SIGKILL) by the destructor.
class ServerProcess {
 public:
  // Starts the binary (path from $AWSFACADE_SERVER_BIN) with `args` plus
  // --listen=127.0.0.1:0 and waits for its "listening on port N" line.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(std::vector<std::string> args = {});
  ~ServerProcess();

  int port() const { return port_; }
  int pid() const { return static_cast<int>(pid_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Sends `signal` and waits for the exit; returns the exit status as
  // waitpid reports it.
  int SignalAndWait(int signal);
  // Everything the server wrote to stderr so far (after SignalAndWait: all).
  std::string Stderr();

 private:
  ServerProcess() = default;
  void Drain(int timeout_ms);

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  int port_ = 0;
  std::string stderr_;
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_INTEGRATION_SERVER_PROCESS_H_
