// sigv4_sign_tool: signs one request described as JSON on stdin with
// SigV4Signer and prints the Authorization header value on stdout. Used by
// sigv4_botocore_oracle_test.py to compare our signatures with botocore's.
//
// Input:
//   {"method": "POST", "host": "streams.dynamodb.us-east-1.amazonaws.com",
//    "path": "/", "query": [["k", "v"], ...],        (decoded pairs; optional)
//    "headers": [["Content-Type", "..."], ...],       (in order; optional)
//    "body": "...",                                   (optional)
//    "region": "us-east-1", "service": "dynamodb",
//    "access_key_id": "...", "secret_access_key": "...",
//    "session_token": "...",                          (optional)
//    "time": 1440938160}                              (Unix seconds)
//
// With --trace the canonical request and string to sign go to stderr.
// Exit status 0 on success, 2 on bad input or a signing error.

#include <iostream>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "backends/aws/sigv4_signer.h"
#include "nlohmann/json.hpp"

namespace {

using awsfacade::backends::aws::Credentials;
using awsfacade::backends::aws::HttpRequest;
using awsfacade::backends::aws::SigningTrace;
using awsfacade::backends::aws::SigV4Signer;

int Run(bool trace_wanted) {
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  nlohmann::json json = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    std::cerr << "sigv4_sign_tool: stdin is not a JSON object\n";
    return 2;
  }
  HttpRequest request;
  request.method = json.value("method", "");
  request.host = json.value("host", "");
  request.path = json.value("path", "");
  request.body = json.value("body", "");
  for (const auto& pair : json.value("query", nlohmann::json::array())) {
    request.query.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  for (const auto& pair : json.value("headers", nlohmann::json::array())) {
    request.headers.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  Credentials credentials{json.value("access_key_id", ""), json.value("secret_access_key", ""),
                          json.value("session_token", "")};
  SigV4Signer signer(json.value("region", ""), json.value("service", ""));
  SigningTrace trace;
  absl::Status status =
      signer.Sign(request, credentials, absl::FromUnixSeconds(json.value("time", int64_t{0})),
                  trace_wanted ? &trace : nullptr);
  if (!status.ok()) {
    std::cerr << "sigv4_sign_tool: " << status << "\n";
    return 2;
  }
  if (trace_wanted) {
    std::cerr << "--- canonical request\n"
              << trace.canonical_request << "\n--- string to sign\n"
              << trace.string_to_sign << "\n";
  }
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") std::cout << value << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool trace = argc > 1 && std::string(argv[1]) == "--trace";
  return Run(trace);
}
