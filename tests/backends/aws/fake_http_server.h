#ifndef AWSFACADE_TESTS_BACKENDS_AWS_FAKE_HTTP_SERVER_H_
#define AWSFACADE_TESTS_BACKENDS_AWS_FAKE_HTTP_SERVER_H_

// A small HTTP/1.1 server on 127.0.0.1:<ephemeral port> for tests: it stands
// in for STS, the ECS container endpoint and EC2 IMDS, and misbehaves on
// request (slow answers, dropped connections, hangs) for the HTTP client's
// fault tests. Plain POSIX sockets, one thread per connection, keep-alive
// (several requests per connection) unless asked to close. Bodies must come
// with Content-Length (what CurlHttpClient sends); no chunked requests.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace awsfacade::testing {

struct FakeRequest {
  std::string method;
  std::string target;  // as on the request line: path[?query]
  std::string path;    // target before '?'
  std::string query;   // target after '?', still encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int connection_id = 0;  // 1 for the first accepted connection, ...

  // The first header named `name` (case-insensitive).
  std::optional<std::string> Header(absl::string_view name) const;
};

struct FakeResponse {
  enum class Action {
    kRespond,               // send the response (after `delay`)
    kCloseWithoutResponse,  // read the request, then close the connection
    kPartialThenClose,      // send the status line and half the body, then close
    kHang,                  // never answer; keep the connection open until the
                            // client closes it or the server stops
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration delay = absl::ZeroDuration();
  Action action = Action::kRespond;
  bool close_after = false;  // "Connection: close" and close after responding

  static FakeResponse Ok(std::string body) {
    FakeResponse r;
    r.body = std::move(body);
    return r;
  }
  static FakeResponse Status(int status, std::string body = "") {
    FakeResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  // Listens on 127.0.0.1:0. Aborts the test binary if the socket cannot be
  // set up (there is nothing sensible to test without it).
  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();  // Stop()
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  void SetHandler(Handler handler);

  // Closes the listener and every connection, and joins the threads.
  void Stop();

  int port() const { return port_; }
  std::string host() const;  // "127.0.0.1:<port>"
  std::string url() const;   // "http://127.0.0.1:<port>"

  std::vector<FakeRequest> requests() const;
  int request_count() const;
  int connections_accepted() const;
  // The largest number of requests being handled (read, not yet answered)
  // at the same time.
  int max_concurrent_requests() const;
  // Connections currently open (accepted, not yet closed by either side).
  int open_connections() const;

 private:
  void AcceptLoop();
  void ServeConnection(int fd, int connection_id);
  bool Stopping() const;

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;

  mutable absl::Mutex mu_;
  Handler handler_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> connection_threads_ ABSL_GUARDED_BY(mu_);
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<FakeRequest> requests_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  int concurrent_ ABSL_GUARDED_BY(mu_) = 0;
  int max_concurrent_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_BACKENDS_AWS_FAKE_HTTP_SERVER_H_
