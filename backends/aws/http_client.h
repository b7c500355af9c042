#ifndef AWSFACADE_BACKENDS_AWS_HTTP_CLIENT_H_
#define AWSFACADE_BACKENDS_AWS_HTTP_CLIENT_H_

// The HTTP transport of the real-AWS backend.
//
// HttpClient is the interface the backend and the credentials providers use;
// CurlHttpClient is its one implementation, on libcurl's multi interface
// driven by a single internal thread. Only http_client.cc includes curl.
//
// HTTP status codes are data, not errors: a 403 or a 503 from AWS arrives as
// an OK StatusOr<HttpResponse> and is mapped to a status in one place by the
// protocol layer. A non-OK status means no complete HTTP response was
// received; TransportErrorOf(status) says why, in the vocabulary the retry
// classifier (retry.h) and botocore use.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/aws/sigv4_signer.h"

namespace awsfacade::backends::aws {

// A complete HTTP response. Header names keep the server's case; use
// FindHeader to look one up.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

// The value of the first header named `name` (ASCII case-insensitive), or
// nullopt.
std::optional<std::string> FindHeader(const HttpHeaders& headers, absl::string_view name);

// Why an exchange produced no complete response. The classes are botocore's
// (botocore.exceptions), because retry decisions and retry-quota costs are
// defined on them:
enum class TransportError {
  kNone = 0,
  // Connecting (TCP or TLS handshake) did not finish in time.
  // botocore ConnectTimeoutError: retried (a ConnectionError); quota cost 10.
  kConnectTimeout,
  // Connected, but the response did not complete in time.
  // botocore ReadTimeoutError: retried (an HTTPClientError); quota cost 10.
  kReadTimeout,
  // Could not connect: refused, unreachable, name resolution, TLS failure,
  // proxy failure. botocore EndpointConnectionError / SSLError /
  // ProxyConnectionError: retried (ConnectionError).
  kConnectionError,
  // The connection broke after the request was (partly) sent: reset, closed
  // without (a complete) response. botocore ConnectionClosedError: retried
  // (HTTPClientError).
  kConnectionClosed,
  // A local failure that a retry cannot fix: malformed URL, response larger
  // than allowed, client shut down, out of memory. Not retried.
  kOther,
};

absl::string_view TransportErrorName(TransportError error);

// The transport error a non-OK status from HttpClient carries (stored as a
// status payload by MakeTransportError), kNone for OK, and kOther for any
// status HttpClient did not make.
TransportError TransportErrorOf(const absl::Status& status);

// A status for `error`: the code (DeadlineExceeded for the timeouts,
// Unavailable for connection errors, Internal/Cancelled/ResourceExhausted
// for kOther as the caller chooses via `code`), the message, and the payload
// read back by TransportErrorOf.
absl::Status MakeTransportError(TransportError error, absl::string_view message,
                                absl::StatusCode code_for_other = absl::StatusCode::kInternal);

// The URL an HttpRequest goes to: "<scheme>://<host><path>?<query>", with an
// empty path sent as "/" and the query encoded as CanonicalQueryString does
// (the only encoding that matches a SigV4 signature).
std::string RequestUrl(const HttpRequest& request);

// Splits an absolute "http://" or "https://" URL (an endpoint override, a
// container-credentials URI) into a request with `method`: scheme, host
// ("host[:port]", IPv6 literals keep their brackets), path (as written,
// already percent-encoded) and query (decoded pairs). InvalidArgument for
// anything else; the message quotes at most the scheme.
absl::StatusOr<HttpRequest> RequestForUrl(absl::string_view method, absl::string_view url);

// The hostname of a request's authority without port or IPv6 brackets:
// "127.0.0.1:80" -> "127.0.0.1", "[::1]:80" -> "::1".
std::string HostnameOf(absl::string_view authority);

// Sends HTTP requests asynchronously.
//
// Contract for every implementation:
//  - Send never blocks the caller on the network; it only queues.
//  - `done` is called exactly once, with the response or a transport error,
//    on an internal thread (or, when the client is shutting down, possibly
//    on the calling thread). `done` must not block for long: it runs on the
//    thread that drives every other request. It may call Send again.
//  - `timeout` bounds the whole exchange from the moment Send is called,
//    including any time spent queued behind the in-flight bound.
//  - Thread-safe.
class HttpClient {
 public:
  using Callback = std::function<void(absl::StatusOr<HttpResponse>)>;

  virtual ~HttpClient() = default;

  virtual void Send(HttpRequest request, absl::Duration timeout, Callback done) = 0;
};

// Sends `request` and waits for the answer: for the credentials providers,
// which run outside gRPC's threads. Never call it from an HttpClient
// callback (it would wait for the thread it is blocking).
absl::StatusOr<HttpResponse> SendAndWait(HttpClient& client, HttpRequest request,
                                         absl::Duration timeout);

struct CurlHttpClientOptions {
  // Requests handed to curl at once; further ones wait in a FIFO queue.
  int max_in_flight = 64;
  // Idle keep-alive connections kept for reuse (curl's connection cache).
  int max_idle_connections = 32;
  // Upper bound for the TCP + TLS connect phase (never above the request's
  // own timeout).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Responses with a larger body fail with kOther (ResourceExhausted).
  size_t max_response_bytes = size_t{64} << 20;
  // Sent when the request has no User-Agent header.
  std::string user_agent = "aws-grpc-facade/0.1";
  // TLS trust store overrides; empty means curl's built-in default. Peer and
  // host verification are always on.
  std::string ca_file;
  std::string ca_path;
};

// HttpClient on libcurl's multi interface. One thread drives all transfers;
// connections are kept alive and reused across requests to the same host
// (curl's connection cache); TLS peer and host verification are on; curl
// honours the proxy environment (http_proxy, https_proxy, no_proxy); paths
// are sent as given (CURLOPT_PATH_AS_IS: Cognito dataset names may hold
// "." and ".."); redirects are not followed.
//
// Destruction is a clean shutdown: queued and in-flight requests complete
// with Cancelled (kOther) before the destructor returns, and later Sends are
// answered with Cancelled at once. Do not destroy it from one of its own
// callbacks.
class CurlHttpClient final : public HttpClient {
 public:
  // Fails (Internal) when curl cannot be initialised or the thread cannot
  // start.
  static absl::StatusOr<std::unique_ptr<CurlHttpClient>> Create(CurlHttpClientOptions options = {});

  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  void Send(HttpRequest request, absl::Duration timeout, Callback done) override;

  // Counters, for tests and metrics.
  struct Stats {
    int64_t started = 0;    // handed to curl
    int64_t completed = 0;  // done called (any outcome)
    int in_flight = 0;      // handed to curl, not completed
    int queued = 0;         // waiting for an in-flight slot
    int max_in_flight_seen = 0;
    int64_t connections_opened = 0;  // new TCP connections curl made
  };
  Stats stats() const;

 private:
  class Impl;
  explicit CurlHttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_HTTP_CLIENT_H_
