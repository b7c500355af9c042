#include "backends/aws/http_client.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/aws/fake_http_server.h"

namespace awsfacade::backends::aws {
namespace {

// The tests talk to loopback fakes directly; a proxy from the environment
// the tests run in must not get in between.
const bool kProxiesCleared = [] {
  for (const char* name :
       {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    ::unsetenv(name);
  }
  return true;
}();

using ::awsfacade::testing::FakeHttpServer;
using ::awsfacade::testing::FakeRequest;
using ::awsfacade::testing::FakeResponse;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;

std::unique_ptr<CurlHttpClient> MakeClient(CurlHttpClientOptions options = {}) {
  absl::StatusOr<std::unique_ptr<CurlHttpClient>> client = CurlHttpClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return *std::move(client);
}

HttpRequest RequestTo(const FakeHttpServer& server, std::string method, std::string path) {
  HttpRequest request;
  request.scheme = "http";
  request.method = std::move(method);
  request.host = server.host();
  request.path = std::move(path);
  return request;
}

// A port nothing listens on: bound, then closed.
int UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(HttpClientTest, GetReturnsStatusHeadersAndBody) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response = FakeResponse::Ok("{\"a\":1}");
    response.headers.emplace_back("x-amzn-RequestId", "req-123");
    return response;
  });
  auto client = MakeClient();
  HttpRequest request = RequestTo(server, "GET", "/identitypools/us-east-1%3Aab/records");
  request.query = {{"nextToken", "a b/c"}, {"maxResults", "10"}};
  request.headers = {{"X-Custom", "yes"}};
  absl::StatusOr<HttpResponse> response = SendAndWait(*client, request, absl::Seconds(5));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"a\":1}");
  EXPECT_THAT(FindHeader(response->headers, "X-AMZN-REQUESTID"), Optional(Eq("req-123")));

  ASSERT_EQ(server.request_count(), 1);
  const FakeRequest seen = server.requests()[0];
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/identitypools/us-east-1%3Aab/records");
  EXPECT_EQ(seen.query, "maxResults=10&nextToken=a%20b%2Fc");
  EXPECT_THAT(seen.Header("X-Custom"), Optional(Eq("yes")));
  EXPECT_THAT(seen.Header("Host"), Optional(Eq(server.host())));
  EXPECT_THAT(seen.Header("User-Agent"), Optional(HasSubstr("aws-grpc-facade")));
}

TEST(HttpClientTest, PostSendsTheBodyWithoutInventedHeaders) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::Ok("{}"); });
  auto client = MakeClient();
  HttpRequest request = RequestTo(server, "POST", "/");
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "DynamoDBStreams_20120810.GetRecords"}};
  request.body = std::string(5000, 'x');  // large enough for curl's Expect: 100-continue
  ASSERT_TRUE(SendAndWait(*client, request, absl::Seconds(5)).ok());
  const FakeRequest seen = server.requests().at(0);
  EXPECT_EQ(seen.body, request.body);
  EXPECT_THAT(seen.Header("Content-Type"), Optional(Eq("application/x-amz-json-1.0")));
  EXPECT_THAT(seen.Header("Content-Length"), Optional(Eq("5000")));
  EXPECT_EQ(seen.Header("Expect"), std::nullopt);
}

TEST(HttpClientTest, BodylessPostGetsNoContentTypeFromCurl) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::Ok(""); });
  auto client = MakeClient();
  ASSERT_TRUE(SendAndWait(*client, RequestTo(server, "DELETE", "/x"), absl::Seconds(5)).ok());
  ASSERT_TRUE(
      SendAndWait(*client, RequestTo(server, "PUT", "/latest/api/token"), absl::Seconds(5)).ok());
  for (const FakeRequest& seen : server.requests()) {
    EXPECT_THAT(seen.Header("Content-Length"), Optional(Eq("0"))) << seen.method;
    EXPECT_EQ(seen.Header("Content-Type"), std::nullopt) << seen.method;
  }
  EXPECT_EQ(server.requests()[0].method, "DELETE");
  EXPECT_EQ(server.requests()[1].method, "PUT");
}

TEST(HttpClientTest, HttpErrorStatusesAreDataNotErrors) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse::Status(503, "{\"__type\":\"ServiceUnavailable\"}");
  });
  auto client = MakeClient();
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Seconds(5));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
  EXPECT_THAT(response->body, HasSubstr("ServiceUnavailable"));
}

TEST(HttpClientTest, DotSegmentsInThePathAreSentAsIs) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::Ok(""); });
  auto client = MakeClient();
  ASSERT_TRUE(
      SendAndWait(*client, RequestTo(server, "GET", "/datasets/../a/./my.ds/.."), absl::Seconds(5))
          .ok());
  EXPECT_EQ(server.requests().at(0).path, "/datasets/../a/./my.ds/..");
}

TEST(HttpClientTest, KeepAliveReusesOneConnection) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::Ok("ok"); });
  auto client = MakeClient();
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<HttpResponse> response =
        SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Seconds(5));
    ASSERT_TRUE(response.ok()) << response.status();
  }
  EXPECT_EQ(server.connections_accepted(), 1);
  EXPECT_EQ(client->stats().connections_opened, 1);
  for (const FakeRequest& seen : server.requests()) EXPECT_EQ(seen.connection_id, 1);
}

TEST(HttpClientTest, ReconnectsAfterTheServerClosesAKeptAliveConnection) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response = FakeResponse::Ok("ok");
    response.close_after = true;
    return response;
  });
  auto client = MakeClient();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Seconds(5)).ok());
  }
  EXPECT_EQ(server.connections_accepted(), 3);
}

TEST(HttpClientTest, SlowResponseWithinTheTimeoutSucceeds) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response = FakeResponse::Ok("late");
    response.delay = absl::Milliseconds(300);
    return response;
  });
  auto client = MakeClient();
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Seconds(5));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "late");
}

TEST(HttpClientTest, SlowResponseBeyondTheTimeoutIsAReadTimeout) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response = FakeResponse::Ok("too late");
    response.delay = absl::Seconds(3);
    return response;
  });
  auto client = MakeClient();
  const absl::Time start = absl::Now();
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(TransportErrorOf(response.status()), TransportError::kReadTimeout);
  EXPECT_LT(took, absl::Seconds(2));
  EXPECT_GE(took, absl::Milliseconds(150));
}

TEST(HttpClientTest, ConnectionClosedWithoutResponseIsConnectionClosed) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response;
    response.action = FakeResponse::Action::kCloseWithoutResponse;
    return response;
  });
  auto client = MakeClient();
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Seconds(5));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(TransportErrorOf(response.status()), TransportError::kConnectionClosed);
}

TEST(HttpClientTest, TruncatedResponseIsConnectionClosed) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response = FakeResponse::Ok(std::string(1000, 'r'));
    response.action = FakeResponse::Action::kPartialThenClose;
    return response;
  });
  auto client = MakeClient();
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Seconds(5));
  EXPECT_EQ(TransportErrorOf(response.status()), TransportError::kConnectionClosed)
      << response.status();
}

TEST(HttpClientTest, RefusedConnectionIsAConnectionError) {
  auto client = MakeClient();
  HttpRequest request;
  request.scheme = "http";
  request.method = "GET";
  request.host = absl::StrCat("127.0.0.1:", UnusedPort());
  absl::StatusOr<HttpResponse> response = SendAndWait(*client, request, absl::Seconds(5));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(TransportErrorOf(response.status()), TransportError::kConnectionError);
}

// `openssl s_server -www` with a fresh self-signed certificate for
// "localhost" (no IP address in it), on a loopback port. Skips the test when
// the openssl command is not there.
class TlsServer {
 public:
  // Files go to a fresh directory under `parent`: ctest runs these tests as
  // parallel processes, which must not share a certificate.
  explicit TlsServer(const std::string& parent) {
    std::string pattern = parent + "/awsfacade-tls-XXXXXX";
    dir_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : parent;
  }
  ~TlsServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::remove(cert_.c_str());
    std::remove(key_.c_str());
    ::rmdir(dir_.c_str());
  }

  bool Start() {
    cert_ = dir_ + "/cert.pem";
    key_ = dir_ + "/key.pem";
    const std::string command = absl::StrCat(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 ",
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout ", key_, " -out ", cert_,
        " >/dev/null 2>&1");
    if (std::system(command.c_str()) != 0) return false;
    port_ = UnusedPort();
    const std::string accept = absl::StrCat("127.0.0.1:", port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execlp("openssl", "openssl", "s_server", "-accept", accept.c_str(), "-cert", cert_.c_str(),
               "-key", key_.c_str(), "-www", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready when it accepts connections.
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (absl::Now() < until) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(static_cast<uint16_t>(port_));
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
      ::close(fd);
      if (up) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  int port() const { return port_; }
  const std::string& cert() const { return cert_; }

 private:
  std::string dir_;
  std::string cert_;
  std::string key_;
  int port_ = 0;
  pid_t pid_ = -1;
};

HttpRequest HttpsGet(absl::string_view host, int port) {
  HttpRequest request;
  request.method = "GET";
  request.host = absl::StrCat(host, ":", port);
  request.path = "/";
  return request;  // scheme defaults to https
}

TEST(HttpClientTlsTest, UntrustedCertificateIsRejected) {
  TlsServer server(::testing::TempDir());
  if (!server.Start()) GTEST_SKIP() << "openssl s_server is not available";
  auto client = MakeClient();
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, HttpsGet("localhost", server.port()), absl::Seconds(10));
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(TransportErrorOf(response.status()), TransportError::kConnectionError)
      << response.status();
  EXPECT_THAT(response.status().message(), HasSubstr("certificate"));
}

TEST(HttpClientTlsTest, TrustedCertificateIsAccepted) {
  TlsServer server(::testing::TempDir());
  if (!server.Start()) GTEST_SKIP() << "openssl s_server is not available";
  CurlHttpClientOptions options;
  options.ca_file = server.cert();
  auto client = MakeClient(options);
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, HttpsGet("localhost", server.port()), absl::Seconds(10));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST(HttpClientTlsTest, HostNameIsVerified) {
  TlsServer server(::testing::TempDir());
  if (!server.Start()) GTEST_SKIP() << "openssl s_server is not available";
  CurlHttpClientOptions options;
  options.ca_file = server.cert();  // trusted, but issued for "localhost" only
  auto client = MakeClient(options);
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, HttpsGet("127.0.0.1", server.port()), absl::Seconds(10));
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(TransportErrorOf(response.status()), TransportError::kConnectionError)
      << response.status();
}

TEST(HttpClientTest, OversizedResponseIsRejected) {
  FakeHttpServer server(
      [](const FakeRequest&) { return FakeResponse::Ok(std::string(4096, 'b')); });
  CurlHttpClientOptions options;
  options.max_response_bytes = 100;
  auto client = MakeClient(options);
  absl::StatusOr<HttpResponse> response =
      SendAndWait(*client, RequestTo(server, "GET", "/"), absl::Seconds(5));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(TransportErrorOf(response.status()), TransportError::kOther);
}

TEST(HttpClientTest, SendNeverBlocksTheCaller) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response = FakeResponse::Ok("slow");
    response.delay = absl::Milliseconds(500);
    return response;
  });
  auto client = MakeClient();
  absl::Notification done;
  const absl::Time start = absl::Now();
  client->Send(RequestTo(server, "GET", "/"), absl::Seconds(5),
               [&done](absl::StatusOr<HttpResponse>) { done.Notify(); });
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_FALSE(done.HasBeenNotified());
  done.WaitForNotification();
}

TEST(HttpClientTest, InFlightRequestsAreBoundedAndTheRestQueue) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response = FakeResponse::Ok("ok");
    response.delay = absl::Milliseconds(150);
    return response;
  });
  CurlHttpClientOptions options;
  options.max_in_flight = 2;
  auto client = MakeClient(options);
  constexpr int kRequests = 6;
  absl::BlockingCounter remaining(kRequests);
  std::atomic<int> ok{0};
  for (int i = 0; i < kRequests; ++i) {
    client->Send(RequestTo(server, "GET", "/"), absl::Seconds(10),
                 [&](absl::StatusOr<HttpResponse> response) {
                   if (response.ok() && response->status == 200) ++ok;
                   remaining.DecrementCount();
                 });
  }
  remaining.Wait();
  EXPECT_EQ(ok.load(), kRequests);
  EXPECT_EQ(server.max_concurrent_requests(), 2);
  EXPECT_EQ(client->stats().max_in_flight_seen, 2);
  EXPECT_EQ(client->stats().completed, kRequests);
  EXPECT_LE(server.connections_accepted(), 2);
}

TEST(HttpClientTest, QueuedRequestTimesOutWithoutBeingSent) {
  FakeHttpServer server([](const FakeRequest& request) {
    FakeResponse response = FakeResponse::Ok("ok");
    if (request.path == "/hang") response.action = FakeResponse::Action::kHang;
    return response;
  });
  CurlHttpClientOptions options;
  options.max_in_flight = 1;
  auto client = MakeClient(options);
  absl::Notification hang_done;
  client->Send(RequestTo(server, "GET", "/hang"), absl::Seconds(2),
               [&](absl::StatusOr<HttpResponse>) { hang_done.Notify(); });
  absl::StatusOr<HttpResponse> queued =
      SendAndWait(*client, RequestTo(server, "GET", "/queued"), absl::Milliseconds(300));
  EXPECT_EQ(queued.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(TransportErrorOf(queued.status()), TransportError::kConnectTimeout);
  EXPECT_THAT(queued.status().message(), HasSubstr("never sent"));
  EXPECT_EQ(server.request_count(), 1);
  hang_done.WaitForNotification();
}

TEST(HttpClientTest, CallbacksMaySendAgain) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse::Ok("ok"); });
  auto client = MakeClient();
  absl::Notification second_done;
  client->Send(RequestTo(server, "GET", "/first"), absl::Seconds(5),
               [&](absl::StatusOr<HttpResponse> first) {
                 ASSERT_TRUE(first.ok());
                 client->Send(RequestTo(server, "GET", "/second"), absl::Seconds(5),
                              [&](absl::StatusOr<HttpResponse> second) {
                                EXPECT_TRUE(second.ok());
                                second_done.Notify();
                              });
               });
  second_done.WaitForNotification();
  EXPECT_EQ(server.request_count(), 2);
}

TEST(HttpClientTest, DestructionCancelsInFlightAndQueuedRequests) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response;
    response.action = FakeResponse::Action::kHang;
    return response;
  });
  CurlHttpClientOptions options;
  options.max_in_flight = 1;
  auto client = MakeClient(options);
  std::vector<absl::Status> results;
  absl::Mutex mu;
  for (int i = 0; i < 3; ++i) {
    client->Send(RequestTo(server, "GET", "/"), absl::Seconds(30),
                 [&](absl::StatusOr<HttpResponse> response) {
                   absl::MutexLock lock(&mu);
                   results.push_back(response.status());
                 });
  }
  // Let the first one reach the server.
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (server.request_count() == 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
  const absl::Time start = absl::Now();
  client.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  absl::MutexLock lock(&mu);
  ASSERT_EQ(results.size(), 3u);
  for (const absl::Status& status : results) {
    EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  }
}

TEST(HttpClientTest, ProxyEnvironmentIsHonouredByCurl) {
  FakeHttpServer proxy([](const FakeRequest&) { return FakeResponse::Ok("via proxy"); });
  ::setenv("http_proxy", proxy.url().c_str(), 1);
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  {
    auto client = MakeClient();
    HttpRequest request;
    request.scheme = "http";
    request.method = "GET";
    request.host = "streams.dynamodb.example.invalid";
    request.path = "/x";
    absl::StatusOr<HttpResponse> response = SendAndWait(*client, request, absl::Seconds(5));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, "via proxy");
  }
  ::unsetenv("http_proxy");
  ASSERT_EQ(proxy.request_count(), 1);
  EXPECT_EQ(proxy.requests()[0].target, "http://streams.dynamodb.example.invalid/x");
}

TEST(HttpUrlTest, RequestForUrlSplitsAnEndpoint) {
  absl::StatusOr<HttpRequest> request =
      RequestForUrl("GET", "http://127.0.0.1:8080/v2/credentials?id=a%20b&flag");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->scheme, "http");
  EXPECT_EQ(request->host, "127.0.0.1:8080");
  EXPECT_EQ(request->path, "/v2/credentials");
  EXPECT_THAT(request->query, ElementsAre(Pair("id", "a b"), Pair("flag", "")));
  EXPECT_EQ(RequestUrl(*request), "http://127.0.0.1:8080/v2/credentials?flag=&id=a%20b");
}

TEST(HttpUrlTest, RequestForUrlRejectsOtherSchemesAndUserInfo) {
  EXPECT_EQ(RequestForUrl("GET", "ftp://x/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RequestForUrl("GET", "x/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RequestForUrl("GET", "https://user:pw@host/").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<HttpRequest> bare = RequestForUrl("GET", "HTTPS://sts.amazonaws.com");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->scheme, "https");
  EXPECT_EQ(bare->path, "/");
}

TEST(HttpUrlTest, HostnameOfStripsPortAndBrackets) {
  EXPECT_EQ(HostnameOf("127.0.0.1:80"), "127.0.0.1");
  EXPECT_EQ(HostnameOf("[fd00:ec2::23]:80"), "fd00:ec2::23");
  EXPECT_EQ(HostnameOf("[::1]"), "::1");
  EXPECT_EQ(HostnameOf("localhost"), "localhost");
}

TEST(HttpTransportErrorTest, RoundTripsThroughTheStatus) {
  absl::Status status = MakeTransportError(TransportError::kReadTimeout, "slow");
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(TransportErrorOf(status), TransportError::kReadTimeout);
  EXPECT_EQ(TransportErrorOf(absl::UnavailableError("other")), TransportError::kOther);
  EXPECT_EQ(TransportErrorOf(absl::OkStatus()), TransportError::kNone);
}

}  // namespace
}  // namespace awsfacade::backends::aws
