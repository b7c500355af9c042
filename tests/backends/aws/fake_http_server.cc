#include "tests/backends/aws/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace awsfacade::testing {
namespace {

constexpr int kPollMillis = 20;

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<std::string> FakeRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    std::perror("FakeHttpServer socket");
    std::abort();
  }
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    std::perror("FakeHttpServer bind/listen");
    std::abort();
  }
  socklen_t length = sizeof(address);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() { Stop(); }

void FakeHttpServer::SetHandler(Handler handler) {
  absl::MutexLock lock(&mu_);
  handler_ = std::move(handler);
}

std::string FakeHttpServer::host() const { return absl::StrCat("127.0.0.1:", port_); }
std::string FakeHttpServer::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

std::vector<FakeRequest> FakeHttpServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

int FakeHttpServer::request_count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(requests_.size());
}

int FakeHttpServer::connections_accepted() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

int FakeHttpServer::max_concurrent_requests() const {
  absl::MutexLock lock(&mu_);
  return max_concurrent_;
}

int FakeHttpServer::open_connections() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(open_fds_.size());
}

bool FakeHttpServer::Stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void FakeHttpServer::Stop() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && listen_fd_ < 0) return;
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  {
    absl::MutexLock lock(&mu_);
    threads.swap(connection_threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

void FakeHttpServer::AcceptLoop() {
  while (!Stopping()) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, kPollMillis);
    if (ready <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      ::close(fd);
      break;
    }
    const int id = ++connections_;
    open_fds_.push_back(fd);
    connection_threads_.emplace_back([this, fd, id] { ServeConnection(fd, id); });
  }
}

void FakeHttpServer::ServeConnection(int fd, int connection_id) {
  std::string buffer;
  // Reads more bytes into `buffer`; false on EOF, error or server stop.
  auto read_more = [&]() -> bool {
    while (true) {
      if (Stopping()) return false;
      pollfd pfd{fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, kPollMillis);
      if (ready < 0 && errno != EINTR) return false;
      if (ready <= 0) continue;
      char chunk[16384];
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
  };

  bool keep_going = true;
  while (keep_going) {
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) {
        keep_going = false;
        break;
      }
    }
    if (!keep_going) break;

    FakeRequest request;
    request.connection_id = connection_id;
    std::vector<absl::string_view> lines =
        absl::StrSplit(absl::string_view(buffer).substr(0, header_end), "\r\n");
    std::vector<absl::string_view> request_line = absl::StrSplit(lines[0], ' ');
    if (request_line.size() < 2) break;
    request.method = std::string(request_line[0]);
    request.target = std::string(request_line[1]);
    const size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    size_t content_length = 0;
    bool client_wants_close = false;
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == absl::string_view::npos) continue;
      std::string name(absl::StripAsciiWhitespace(lines[i].substr(0, colon)));
      std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
      if (absl::EqualsIgnoreCase(name, "content-length")) {
        absl::SimpleAtoi(value, &content_length);
      }
      if (absl::EqualsIgnoreCase(name, "connection") && absl::EqualsIgnoreCase(value, "close")) {
        client_wants_close = true;
      }
      request.headers.emplace_back(std::move(name), std::move(value));
    }
    buffer.erase(0, header_end + 4);
    while (buffer.size() < content_length) {
      if (!read_more()) {
        keep_going = false;
        break;
      }
    }
    if (!keep_going) break;
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);

    Handler handler;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      handler = handler_;
      max_concurrent_ = std::max(max_concurrent_, ++concurrent_);
    }
    FakeResponse response = handler ? handler(request) : FakeResponse::Status(404);

    // Sleep in small steps so Stop() is never held up for long.
    const absl::Time wake = absl::Now() + response.delay;
    while (absl::Now() < wake && !Stopping()) {
      absl::SleepFor(std::min(absl::Milliseconds(kPollMillis), wake - absl::Now()));
    }

    const std::string status_line =
        absl::StrCat("HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status), "\r\n");
    bool sent = true;
    switch (response.action) {
      case FakeResponse::Action::kRespond: {
        std::string head = status_line;
        for (const auto& [name, value] : response.headers) {
          absl::StrAppend(&head, name, ": ", value, "\r\n");
        }
        const bool close = response.close_after || client_wants_close;
        absl::StrAppend(&head, "Content-Length: ", response.body.size(), "\r\n",
                        close ? "Connection: close\r\n" : "", "\r\n");
        sent = SendAll(fd, head) && SendAll(fd, response.body);
        if (close) keep_going = false;
        break;
      }
      case FakeResponse::Action::kCloseWithoutResponse:
        keep_going = false;
        break;
      case FakeResponse::Action::kPartialThenClose: {
        std::string head =
            absl::StrCat(status_line, "Content-Length: ", response.body.size(), "\r\n\r\n",
                         response.body.substr(0, response.body.size() / 2));
        SendAll(fd, head);
        keep_going = false;
        break;
      }
      case FakeResponse::Action::kHang:
        // Wait for the client to give up (EOF) or the server to stop.
        while (read_more()) {
        }
        keep_going = false;
        break;
    }
    {
      absl::MutexLock lock(&mu_);
      --concurrent_;
    }
    if (!sent) keep_going = false;
  }
  absl::MutexLock lock(&mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

}  // namespace awsfacade::testing
