#include "service/aws_wire/aws_wire_server.h"

#include <civetweb.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "observability/metrics_endpoint.h"

namespace awsfacade::service::aws_wire {
namespace {

// Whether civetweb keeps the connection open after this request (its own
// rule, with keep-alive enabled): HTTP/1.1 unless the client sent
// "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
bool KeepsAlive(mg_connection* connection) {
  const char* header = mg_get_header(connection, "Connection");
  if (header != nullptr) return absl::StrContains(absl::AsciiStrToLower(header), "keep-alive");
  const char* version = mg_get_request_info(connection)->http_version;
  return version != nullptr && absl::string_view(version) == "1.1";
}

// The status line, the headers and the body in one write, so one send()
// and (on loopback) one segment: civetweb's header calls send each header
// line on its own (9 send() calls for a DynamoDB answer); one write took
// wire GetItem from 3,964 to 6,337 req/s in bench/aws_wire_bench.py. The
// same headers as civetweb's: Date and Connection after ours.
void SendAnswer(mg_connection* connection, const WireResponse& response) {
  std::string out = absl::StrCat("HTTP/1.1 ", response.status, " ",
                                 mg_get_response_code_text(connection, response.status), "\r\n");
  for (const auto& [name, value] : response.headers)
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  absl::StrAppend(&out, "Content-Length: ", response.body.size(), "\r\nDate: ",
                  absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(), absl::UTCTimeZone()),
                  "\r\nConnection: ", KeepsAlive(connection) ? "keep-alive" : "close", "\r\n\r\n",
                  response.body);
  mg_write(connection, out.data(), out.size());
}

// Through civetweb's header calls, which also mark the connection to be
// closed after this answer when `close`.
void Send(mg_connection* connection, const WireResponse& response, bool close) {
  mg_response_header_start(connection, response.status);
  for (const auto& [name, value] : response.headers) {
    mg_response_header_add(connection, name.c_str(), value.data(), static_cast<int>(value.size()));
  }
  const std::string length = absl::StrCat(response.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  if (close) mg_response_header_add(connection, "Connection", "close", -1);
  mg_response_header_send(connection);
  if (!response.body.empty()) mg_write(connection, response.body.data(), response.body.size());
}

// The client's address in gRPC's peer form without the port, so a policy
// names a wire caller as it names a gRPC one: "ipv4:10.0.0.7", "ipv6:[::1]".
std::string PeerOf(const mg_request_info& info) {
  const absl::string_view address(info.remote_addr);
  if (address.empty()) return "";
  if (absl::StrContains(address, ':')) return absl::StrCat("ipv6:[", address, "]");
  return absl::StrCat("ipv4:", address);
}

}  // namespace

AwsWireServer::AwsWireServer(const AwsWireOptions& options, std::shared_ptr<grpc::Channel> channel)
    : max_body_bytes_(options.max_body_bytes), handler_(options.handler, std::move(channel)) {}

absl::StatusOr<std::unique_ptr<AwsWireServer>> AwsWireServer::Start(
    const AwsWireOptions& options, std::shared_ptr<grpc::Channel> channel) {
  if (absl::Status ok =
          observability::CheckHttpListenAddress("AWS wire", options.listen, "127.0.0.1:4566");
      !ok.ok()) {
    return ok;
  }
  if (options.threads < 1 || options.max_body_bytes < 1 ||
      options.keep_alive_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "AWS wire endpoint: threads and the body limit must be positive");
  }
  std::unique_ptr<AwsWireServer> server(new AwsWireServer(options, std::move(channel)));
  const std::string threads = absl::StrCat(options.threads);
  const std::string keep_alive =
      absl::StrCat(absl::ToInt64Milliseconds(options.keep_alive_timeout));
  const char* civetweb_options[] = {
      "listening_ports",
      options.listen.c_str(),
      "num_threads",
      threads.c_str(),
      "enable_keep_alive",
      "yes",
      "keep_alive_timeout_ms",
      keep_alive.c_str(),
      // A client that stops sending mid-request gives its worker back.
      "request_timeout_ms",
      "30000",
      // Headers and body go out in two writes: without TCP_NODELAY, Nagle
      // holds the body until the client's delayed ACK (40 ms a request).
      "tcp_nodelay",
      "1",
      // Paths reach the router as sent (percent-encoded), as SigV4 signs them.
      "decode_url",
      "no",
      nullptr,
  };
  mg_init_library(0);
  mg_callbacks callbacks{};
  callbacks.begin_request = &AwsWireServer::BeginRequest;
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };  // quiet
  server->context_ = mg_start(&callbacks, server.get(), civetweb_options);
  if (server->context_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot serve the AWS wire protocols on ",
                                               options.listen, " (address in use?)"));
  }
  mg_server_port ports[4] = {};
  const int n = mg_get_server_ports(server->context_, 4, ports);
  if (n < 1 || ports[0].port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve the AWS wire protocols on ", options.listen));
  }
  server->port_ = ports[0].port;
  return server;
}

AwsWireServer::~AwsWireServer() { Shutdown(); }

void AwsWireServer::Shutdown() {
  if (context_ == nullptr) return;
  mg_stop(context_);
  context_ = nullptr;
}

int AwsWireServer::BeginRequest(mg_connection* connection) {
  auto* self = static_cast<AwsWireServer*>(mg_get_user_data(mg_get_context(connection)));
  return self->Serve(connection);
}

int AwsWireServer::Serve(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  WireRequest request;
  request.method = info->request_method != nullptr ? info->request_method : "";
  request.path = info->local_uri != nullptr ? info->local_uri : "/";
  if (info->query_string != nullptr) request.query = info->query_string;
  request.peer = PeerOf(*info);
  for (int i = 0; i < info->num_headers; ++i) {
    request.headers.emplace_back(info->http_headers[i].name, info->http_headers[i].value);
  }
  auto too_large = [&]() {
    WireResponse response =
        ErrorResponse(nullptr, "RequestEntityTooLargeException",
                      absl::StrCat("the request body exceeds the endpoint's limit of ",
                                   max_body_bytes_, " bytes"),
                      NewRequestId(nullptr));
    Send(connection, response, /*close=*/true);
    return response.status;
  };
  if (info->content_length > max_body_bytes_) return too_large();
  // Content-Length, or chunked (content_length -1): read to the end, at most
  // one byte past the limit.
  if (info->content_length > 0) request.body.reserve(static_cast<size_t>(info->content_length));
  char buffer[16 << 10];
  while (true) {
    const int n = mg_read(connection, buffer, sizeof(buffer));
    if (n <= 0) break;
    request.body.append(buffer, static_cast<size_t>(n));
    if (static_cast<int64_t>(request.body.size()) > max_body_bytes_) return too_large();
  }
  const WireResponse response = handler_.Handle(request);
  SendAnswer(connection, response);
  return response.status;
}

}  // namespace awsfacade::service::aws_wire
