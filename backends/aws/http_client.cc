#include "backends/aws/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace awsfacade::backends::aws {
namespace {

constexpr absl::string_view kTransportErrorPayload = "type.awsfacade/transport_error";

using SteadyTime = std::chrono::steady_clock::time_point;

SteadyTime SteadyNow() { return std::chrono::steady_clock::now(); }

SteadyTime SteadyDeadline(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return SteadyTime::max();
  if (timeout < absl::ZeroDuration()) timeout = absl::ZeroDuration();
  return SteadyNow() + absl::ToChronoNanoseconds(timeout);
}

// Milliseconds from now until `deadline`, at least 1 (curl treats 0 as "no
// timeout"), at most a day.
long MillisUntil(SteadyTime deadline) {
  if (deadline == SteadyTime::max()) return 24L * 3600 * 1000;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyNow()).count();
  return static_cast<long>(std::clamp<int64_t>(left, 1, 24LL * 3600 * 1000));
}

}  // namespace

absl::string_view TransportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "None";
    case TransportError::kConnectTimeout:
      return "ConnectTimeout";
    case TransportError::kReadTimeout:
      return "ReadTimeout";
    case TransportError::kConnectionError:
      return "ConnectionError";
    case TransportError::kConnectionClosed:
      return "ConnectionClosed";
    case TransportError::kOther:
      return "Other";
  }
  return "Other";
}

absl::Status MakeTransportError(TransportError error, absl::string_view message,
                                absl::StatusCode code_for_other) {
  absl::StatusCode code = code_for_other;
  switch (error) {
    case TransportError::kNone:
      return absl::OkStatus();
    case TransportError::kConnectTimeout:
    case TransportError::kReadTimeout:
      code = absl::StatusCode::kDeadlineExceeded;
      break;
    case TransportError::kConnectionError:
    case TransportError::kConnectionClosed:
      code = absl::StatusCode::kUnavailable;
      break;
    case TransportError::kOther:
      break;
  }
  absl::Status status(code, message);
  status.SetPayload(kTransportErrorPayload, absl::Cord(absl::StrCat(static_cast<int>(error))));
  return status;
}

TransportError TransportErrorOf(const absl::Status& status) {
  if (status.ok()) return TransportError::kNone;
  const auto payload = status.GetPayload(kTransportErrorPayload);
  int value = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &value) ||
      value < static_cast<int>(TransportError::kConnectTimeout) ||
      value > static_cast<int>(TransportError::kOther)) {
    return TransportError::kOther;
  }
  return static_cast<TransportError>(value);
}

std::optional<std::string> FindHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::string RequestUrl(const HttpRequest& request) {
  std::string url = absl::StrCat(request.scheme.empty() ? "https" : request.scheme, "://",
                                 request.host, request.path.empty() ? "/" : request.path);
  if (!request.query.empty()) absl::StrAppend(&url, "?", CanonicalQueryString(request.query));
  return url;
}

std::string HostnameOf(absl::string_view authority) {
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close != absl::string_view::npos) return std::string(authority.substr(1, close - 1));
    return std::string(authority);
  }
  const size_t colon = authority.find(':');
  if (colon == absl::string_view::npos ||
      authority.find(':', colon + 1) != absl::string_view::npos) {
    return std::string(authority);  // no port, or a bare IPv6 literal
  }
  return std::string(authority.substr(0, colon));
}

absl::StatusOr<HttpRequest> RequestForUrl(absl::string_view method, absl::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) {
    return absl::InvalidArgumentError("URL has no scheme (expected http:// or https://)");
  }
  const std::string scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(
        absl::StrCat("URL scheme must be http or https, not \"", scheme.substr(0, 16), "\""));
  }
  absl::string_view rest = url.substr(scheme_end + 3);
  const size_t fragment = rest.find('#');
  if (fragment != absl::string_view::npos) rest = rest.substr(0, fragment);
  const size_t authority_end = rest.find_first_of("/?");
  const absl::string_view authority = rest.substr(0, authority_end);
  if (authority.empty()) return absl::InvalidArgumentError("URL has no host");
  if (absl::StrContains(authority, '@')) {
    return absl::InvalidArgumentError("URL must not carry user information");
  }
  HttpRequest request;
  request.method = std::string(method);
  request.scheme = scheme;
  request.host = std::string(authority);
  if (authority_end != absl::string_view::npos) {
    absl::string_view path_and_query = rest.substr(authority_end);
    const size_t question = path_and_query.find('?');
    request.path = std::string(path_and_query.substr(0, question));
    if (question != absl::string_view::npos) {
      for (absl::string_view part :
           absl::StrSplit(path_and_query.substr(question + 1), '&', absl::SkipEmpty())) {
        const size_t eq = part.find('=');
        if (eq == absl::string_view::npos) {
          request.query.emplace_back(UriDecode(part), "");
        } else {
          request.query.emplace_back(UriDecode(part.substr(0, eq)), UriDecode(part.substr(eq + 1)));
        }
      }
    }
  }
  if (request.path.empty()) request.path = "/";
  return request;
}

absl::StatusOr<HttpResponse> SendAndWait(HttpClient& client, HttpRequest request,
                                         absl::Duration timeout) {
  struct State {
    absl::Notification done;
    absl::StatusOr<HttpResponse> result;
  };
  auto state = std::make_shared<State>();
  client.Send(std::move(request), timeout, [state](absl::StatusOr<HttpResponse> result) {
    state->result = std::move(result);
    state->done.Notify();
  });
  state->done.WaitForNotification();
  return std::move(state->result);
}

// ---------------------------------------------------------------------------

class CurlHttpClient::Impl {
 public:
  explicit Impl(CurlHttpClientOptions options) : options_(std::move(options)) {
    options_.max_in_flight = std::max(1, options_.max_in_flight);
  }

  ~Impl() {
    {
      absl::MutexLock lock(&mu_);
      shutdown_ = true;
    }
    if (multi_ != nullptr) curl_multi_wakeup(multi_);
    if (thread_.joinable()) thread_.join();
    for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
  }

  absl::Status Start() {
    static absl::once_flag once;
    static CURLcode global_init = CURLE_OK;
    absl::call_once(once, [] { global_init = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (global_init != CURLE_OK) {
      return absl::InternalError(
          absl::StrCat("curl_global_init failed: ", curl_easy_strerror(global_init)));
    }
    multi_ = curl_multi_init();
    if (multi_ == nullptr) return absl::InternalError("curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS,
                      static_cast<long>(std::max(1, options_.max_idle_connections)));
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  void Send(HttpRequest request, absl::Duration timeout, Callback done) {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = std::move(request);
    transfer->done = std::move(done);
    transfer->deadline = SteadyDeadline(timeout);
    {
      absl::MutexLock lock(&mu_);
      if (!shutdown_) {
        queue_.push_back(std::move(transfer));
        ++stats_.queued;
      }
    }
    if (transfer != nullptr) {  // not queued: shutting down
      transfer->done(MakeTransportError(TransportError::kOther, "HTTP client is shut down",
                                        absl::StatusCode::kCancelled));
      return;
    }
    curl_multi_wakeup(multi_);
  }

  Stats stats() const {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

 private:
  // One request from Send to done. Owned by queue_, then by active_.
  struct Transfer {
    HttpRequest request;
    Callback done;
    SteadyTime deadline;
    std::string url;
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    HttpResponse response;
    bool too_large = false;
    size_t max_bytes = 0;
    char error_buffer[CURL_ERROR_SIZE] = {0};
  };

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (transfer->response.body.size() + bytes > transfer->max_bytes) {
      transfer->too_large = true;
      return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    transfer->response.body.append(data, bytes);
    return bytes;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    absl::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (absl::StartsWith(line, "HTTP/")) {
      // A new status line: an interim (100 Continue) or proxy CONNECT
      // response came before; only the final response's headers count.
      transfer->response.headers.clear();
      return bytes;
    }
    if (line.empty()) return bytes;
    HttpHeaders& headers = transfer->response.headers;
    if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
      absl::StrAppend(&headers.back().second, " ", absl::StripAsciiWhitespace(line));
      return bytes;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return bytes;
    headers.emplace_back(std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
                         std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
    return bytes;
  }

  // What the caller may see of a URL in an error message: never the path or
  // query (a presigned query holds credentials).
  static std::string Where(const HttpRequest& request) {
    return absl::StrCat(request.method, " ", request.scheme, "://", request.host);
  }

  static absl::Status ShutDownError(const HttpRequest& request) {
    return MakeTransportError(TransportError::kOther,
                              absl::StrCat(Where(request), ": HTTP client shut down"),
                              absl::StatusCode::kCancelled);
  }

  CURL* TakeEasy() {
    if (!idle_easy_.empty()) {
      CURL* easy = idle_easy_.back();
      idle_easy_.pop_back();
      curl_easy_reset(easy);
      return easy;
    }
    return curl_easy_init();
  }

  void ReleaseEasy(CURL* easy) {
    if (static_cast<int>(idle_easy_.size()) < options_.max_in_flight) {
      idle_easy_.push_back(easy);
    } else {
      curl_easy_cleanup(easy);
    }
  }

  // Sets up `transfer` and hands it to curl. On failure completes it.
  void Begin(std::unique_ptr<Transfer> transfer) {
    CURL* easy = TakeEasy();
    if (easy == nullptr) {
      Complete(std::move(transfer),
               MakeTransportError(TransportError::kOther, "curl_easy_init failed",
                                  absl::StatusCode::kResourceExhausted));
      return;
    }
    Transfer* t = transfer.get();
    t->easy = easy;
    t->max_bytes = options_.max_response_bytes;
    t->url = RequestUrl(t->request);
    const HttpRequest& request = t->request;

    curl_easy_setopt(easy, CURLOPT_URL, t->url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error_buffer);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.ca_path.empty()) curl_easy_setopt(easy, CURLOPT_CAPATH, options_.ca_path.c_str());
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    const long total_ms = MillisUntil(t->deadline);
    const long connect_ms = std::min<long>(
        total_ms, std::max<long>(1, absl::ToInt64Milliseconds(options_.connect_timeout)));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);

    const bool has_body_semantics =
        !(request.method == "GET" && request.body.empty()) && request.method != "HEAD";
    if (request.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (!has_body_semantics) {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      // Any other method sends its body (possibly empty, as Content-Length: 0)
      // from memory that lives as long as the transfer.
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    bool has_user_agent = false;
    bool has_content_type = false;
    bool has_expect = false;
    for (const auto& [name, value] : request.headers) {
      has_user_agent |= absl::EqualsIgnoreCase(name, "user-agent");
      has_content_type |= absl::EqualsIgnoreCase(name, "content-type");
      has_expect |= absl::EqualsIgnoreCase(name, "expect");
      // "Name;" is curl's spelling of a header with an empty value.
      const std::string line =
          value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value);
      t->header_list = curl_slist_append(t->header_list, line.c_str());
    }
    // No "Expect: 100-continue" round trip, and no unsigned
    // application/x-www-form-urlencoded content type invented by curl.
    if (!has_expect) t->header_list = curl_slist_append(t->header_list, "Expect:");
    if (has_body_semantics && !has_content_type) {
      t->header_list = curl_slist_append(t->header_list, "Content-Type:");
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->header_list);
    if (!has_user_agent) curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());

    const CURLMcode added = curl_multi_add_handle(multi_, easy);
    if (added != CURLM_OK) {
      Complete(
          std::move(transfer),
          MakeTransportError(TransportError::kOther, absl::StrCat("curl_multi_add_handle failed: ",
                                                                  curl_multi_strerror(added))));
      return;
    }
    active_.emplace(easy, std::move(transfer));
    absl::MutexLock lock(&mu_);
    ++stats_.started;
    ++stats_.in_flight;
    stats_.max_in_flight_seen = std::max(stats_.max_in_flight_seen, stats_.in_flight);
  }

  // Maps a finished curl transfer to the caller's result.
  absl::StatusOr<HttpResponse> ResultOf(Transfer& t, CURLcode code) {
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      t.response.status = static_cast<int>(status);
      return std::move(t.response);
    }
    long request_bytes = 0;
    curl_easy_getinfo(t.easy, CURLINFO_REQUEST_SIZE, &request_bytes);
    const bool sent = request_bytes > 0;
    const std::string detail =
        t.error_buffer[0] != '\0' ? std::string(t.error_buffer) : curl_easy_strerror(code);
    const std::string where = Where(t.request);
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        return MakeTransportError(
            sent ? TransportError::kReadTimeout : TransportError::kConnectTimeout,
            absl::StrCat(where, ": ", sent ? "no complete response in time" : "connect timed out",
                         " (", detail, ")"));
      case CURLE_WRITE_ERROR:
        if (t.too_large) {
          return MakeTransportError(
              TransportError::kOther,
              absl::StrCat(where, ": response body larger than ", t.max_bytes, " bytes"),
              absl::StatusCode::kResourceExhausted);
        }
        return MakeTransportError(TransportError::kOther, absl::StrCat(where, ": ", detail));
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return MakeTransportError(TransportError::kOther, absl::StrCat(where, ": ", detail),
                                  absl::StatusCode::kInvalidArgument);
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_PROXY:
        return MakeTransportError(TransportError::kConnectionError,
                                  absl::StrCat(where, ": ", detail));
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_BAD_CONTENT_ENCODING:
        return MakeTransportError(
            sent ? TransportError::kConnectionClosed : TransportError::kConnectionError,
            absl::StrCat(where, ": ", detail));
      default:
        return MakeTransportError(TransportError::kOther, absl::StrCat(where, ": ", detail));
    }
  }

  // Runs the caller's callback. Never called with mu_ held.
  void Complete(std::unique_ptr<Transfer> transfer, absl::StatusOr<HttpResponse> result) {
    if (transfer->easy != nullptr) {
      long connects = 0;
      curl_easy_getinfo(transfer->easy, CURLINFO_NUM_CONNECTS, &connects);
      curl_easy_setopt(transfer->easy, CURLOPT_HTTPHEADER, nullptr);
      ReleaseEasy(transfer->easy);
      transfer->easy = nullptr;
      absl::MutexLock lock(&mu_);
      stats_.connections_opened += connects;
    }
    if (transfer->header_list != nullptr) curl_slist_free_all(transfer->header_list);
    transfer->header_list = nullptr;
    Callback done = std::move(transfer->done);
    transfer.reset();
    {
      absl::MutexLock lock(&mu_);
      ++stats_.completed;
    }
    done(std::move(result));
  }

  void Run() {
    while (true) {
      std::vector<std::unique_ptr<Transfer>> to_start;
      std::vector<std::unique_ptr<Transfer>> expired;
      SteadyTime earliest_queued = SteadyTime::max();
      bool shutting_down = false;
      {
        absl::MutexLock lock(&mu_);
        shutting_down = shutdown_;
        if (!shutting_down) {
          // Expire queued requests whose time ran out before a slot freed.
          const SteadyTime now = SteadyNow();
          for (auto it = queue_.begin(); it != queue_.end();) {
            if ((*it)->deadline <= now) {
              expired.push_back(std::move(*it));
              it = queue_.erase(it);
              --stats_.queued;
            } else {
              ++it;
            }
          }
          const int free_slots = options_.max_in_flight - static_cast<int>(active_.size());
          while (!queue_.empty() && static_cast<int>(to_start.size()) < free_slots) {
            to_start.push_back(std::move(queue_.front()));
            queue_.pop_front();
            --stats_.queued;
          }
          for (const auto& queued : queue_) {
            earliest_queued = std::min(earliest_queued, queued->deadline);
          }
        }
      }
      if (shutting_down) break;
      for (auto& transfer : expired) {
        absl::Status status = MakeTransportError(
            TransportError::kConnectTimeout,
            absl::StrCat(Where(transfer->request),
                         ": timed out waiting for an in-flight slot (never sent)"));
        Complete(std::move(transfer), std::move(status));
      }
      for (auto& transfer : to_start) Begin(std::move(transfer));

      int running = 0;
      curl_multi_perform(multi_, &running);
      int pending = 0;
      while (CURLMsg* message = curl_multi_info_read(multi_, &pending)) {
        if (message->msg != CURLMSG_DONE) continue;
        CURL* easy = message->easy_handle;
        const CURLcode code = message->data.result;
        curl_multi_remove_handle(multi_, easy);
        auto it = active_.find(easy);
        if (it == active_.end()) continue;
        std::unique_ptr<Transfer> transfer = std::move(it->second);
        active_.erase(it);
        {
          absl::MutexLock lock(&mu_);
          --stats_.in_flight;
        }
        absl::StatusOr<HttpResponse> result = ResultOf(*transfer, code);
        Complete(std::move(transfer), std::move(result));
      }

      long wait_ms = 1000;
      long curl_ms = -1;
      curl_multi_timeout(multi_, &curl_ms);
      if (curl_ms >= 0) wait_ms = std::min(wait_ms, curl_ms);
      if (earliest_queued != SteadyTime::max()) {
        wait_ms = std::min(wait_ms, MillisUntil(earliest_queued));
      }
      // Requests finished above may have freed slots for queued ones.
      {
        absl::MutexLock lock(&mu_);
        if (shutdown_ ||
            (!queue_.empty() && static_cast<int>(active_.size()) < options_.max_in_flight)) {
          wait_ms = 0;
        }
      }
      if (wait_ms > 0) curl_multi_poll(multi_, nullptr, 0, static_cast<int>(wait_ms), nullptr);
    }

    // Shutdown: everything still owned completes with Cancelled.
    for (auto& [easy, transfer] : active_) {
      curl_multi_remove_handle(multi_, easy);
      absl::Status status = ShutDownError(transfer->request);
      Complete(std::move(transfer), std::move(status));
    }
    active_.clear();
    std::deque<std::unique_ptr<Transfer>> queued;
    {
      absl::MutexLock lock(&mu_);
      queued.swap(queue_);
      stats_.queued = 0;
      stats_.in_flight = 0;
    }
    for (auto& transfer : queued) {
      absl::Status status = ShutDownError(transfer->request);
      Complete(std::move(transfer), std::move(status));
    }
  }

  CurlHttpClientOptions options_;
  CURLM* multi_ = nullptr;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::unique_ptr<Transfer>> queue_ ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);

  // Owned by the driving thread only.
  absl::flat_hash_map<CURL*, std::unique_ptr<Transfer>> active_;
  std::vector<CURL*> idle_easy_;
};

absl::StatusOr<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(
    CurlHttpClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (absl::Status started = impl->Start(); !started.ok()) return started;
  return std::unique_ptr<CurlHttpClient>(new CurlHttpClient(std::move(impl)));
}

CurlHttpClient::CurlHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CurlHttpClient::~CurlHttpClient() = default;

void CurlHttpClient::Send(HttpRequest request, absl::Duration timeout, Callback done) {
  impl_->Send(std::move(request), timeout, std::move(done));
}

CurlHttpClient::Stats CurlHttpClient::stats() const { return impl_->stats(); }

}  // namespace awsfacade::backends::aws
