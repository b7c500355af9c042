#include "tests/integration/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace awsfacade::testing {

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(std::vector<std::string> args) {
  const char* bin = std::getenv("AWSFACADE_SERVER_BIN");
  if (bin == nullptr) return absl::FailedPreconditionError("AWSFACADE_SERVER_BIN is not set");
  int fds[2];
  if (pipe(fds) != 0) return absl::InternalError("pipe failed");
  args.insert(args.begin(), "--listen=127.0.0.1:0");
  args.insert(args.begin(), bin);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(bin, argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  server->pid_ = pid;
  server->stderr_fd_ = fds[0];
  fcntl(fds[0], F_SETFL, O_NONBLOCK);

  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  const std::string kMarker = "listening on port ";
  while (absl::Now() < deadline) {
    server->Drain(100);
    auto at = server->stderr_.find(kMarker);
    if (at != std::string::npos) {
      auto end = server->stderr_.find(' ', at + kMarker.size());
      if (end != std::string::npos &&
          absl::SimpleAtoi(server->stderr_.substr(at + kMarker.size(), end - at - kMarker.size()),
                           &server->port_)) {
        return server;
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      return absl::InternalError(absl::StrCat("server exited early: ", server->stderr_));
    }
  }
  return absl::DeadlineExceededError(absl::StrCat("server did not start: ", server->stderr_));
}

void ServerProcess::Drain(int timeout_ms) {
  if (stderr_fd_ < 0) return;
  pollfd p{stderr_fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return;
  char buf[4096];
  for (;;) {
    ssize_t n = read(stderr_fd_, buf, sizeof buf);
    if (n <= 0) break;
    stderr_.append(buf, static_cast<size_t>(n));
  }
}

int ServerProcess::SignalAndWait(int signal) {
  if (pid_ < 0) return -1;
  kill(pid_, signal);
  int status = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    Drain(50);
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
  }
  Drain(0);
  pid_ = -1;
  return status;
}

std::string ServerProcess::Stderr() {
  Drain(0);
  return stderr_;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) SignalAndWait(SIGTERM);
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

}  // namespace awsfacade::testing
