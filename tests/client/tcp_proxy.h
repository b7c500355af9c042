#ifndef AWSFACADE_TESTS_CLIENT_TCP_PROXY_H_
#define AWSFACADE_TESTS_CLIENT_TCP_PROXY_H_

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace awsfacade::testing {

// A loopback TCP proxy in front of a server, so a test can cut every open
// connection (a network failure as the client sees it: UNAVAILABLE) while
// the server keeps its state. New connections are accepted after a cut.
class TcpProxy {
 public:
  static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(int upstream_port);
  ~TcpProxy();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Shuts down every connection open now, both sides.
  void CutAll();
  // Connections accepted so far.
  int accepted() const { return accepted_; }

 private:
  TcpProxy() = default;
  void AcceptLoop();
  void Pump(int client_fd, int upstream_fd);

  int listen_fd_ = -1;
  int port_ = 0;
  int upstream_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_CLIENT_TCP_PROXY_H_
