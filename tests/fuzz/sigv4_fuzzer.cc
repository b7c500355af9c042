// Fuzzes SigV4 canonicalisation and signing (backends/aws/sigv4_signer.h).
//
// Input: an HTTP/1.1 request as the AWS SigV4 test suite writes them
// (tests/testdata/sigv4/*/request.txt): "METHOD URI HTTP/1.1", header lines
// "Name:value" (a line starting with a space or tab continues the previous
// value), an empty line, the body. The URI's query is split on '&' and '='
// and percent-decoded.
//
// Checked: no crash or sanitizer report on any of the pure functions;
// UriDecode inverts UriEncode; NormalizePath is idempotent on absolute
// paths; the canonical query string holds only unreserved characters, '%',
// '=' and '&'; signing is deterministic (the same signer twice, with its key
// cache warm, and a second signer without a cache give the same headers and
// trace, with and without a session token); the signer's canonical request
// is the pure CanonicalRequest of the headers it signed; and its
// Authorization signature is Signature(SigningKey(...), StringToSign(...)).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "backends/aws/sigv4_signer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace aws = awsfacade::backends::aws;

constexpr char kRegion[] = "us-east-1";
constexpr char kService[] = "service";

aws::HttpRequest ParseRequest(absl::string_view input) {
  aws::HttpRequest request;
  request.host = "example.amazonaws.com";
  absl::string_view line = awsfacade::fuzz::TakeLine(&input);
  if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
  size_t space = line.find(' ');
  request.method = std::string(line.substr(0, space));
  absl::string_view uri =
      space == absl::string_view::npos ? absl::string_view() : line.substr(space + 1);
  if (size_t version = uri.rfind(" HTTP/"); version != absl::string_view::npos) {
    uri = uri.substr(0, version);
  }
  size_t question = uri.find('?');
  request.path = std::string(uri.substr(0, question));
  if (question != absl::string_view::npos) {
    for (absl::string_view pair : absl::StrSplit(uri.substr(question + 1), '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      request.query.emplace_back(
          aws::UriDecode(pair.substr(0, eq)),
          eq == absl::string_view::npos ? std::string() : aws::UriDecode(pair.substr(eq + 1)));
    }
  }
  while (!input.empty()) {
    line = awsfacade::fuzz::TakeLine(&input);
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      absl::StrAppend(&request.headers.back().second, "\n", line);
      continue;
    }
    size_t colon = line.find(':');
    request.headers.emplace_back(
        std::string(line.substr(0, colon)),
        colon == absl::string_view::npos ? std::string() : std::string(line.substr(colon + 1)));
  }
  request.body = std::string(input);
  return request;
}

// The headers SigV4Signer leaves unsigned (sigv4_signer.h).
bool Unsigned(absl::string_view name) {
  for (absl::string_view h : {"connection", "expect", "keep-alive", "proxy-authenticate",
                              "proxy-authorization", "te", "trailer", "transfer-encoding",
                              "upgrade", "user-agent", "x-amzn-trace-id", "authorization"}) {
    if (absl::EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

const std::string* FindHeader(const aws::HttpHeaders& headers, absl::string_view name) {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

std::string HeaderValue(const aws::HttpHeaders& headers, absl::string_view name) {
  const std::string* value = FindHeader(headers, name);
  return value == nullptr ? "" : *value;
}

void CheckSigning(const aws::HttpRequest& request, const aws::Credentials& credentials) {
  static const aws::SigV4Signer cached(kRegion, kService);
  static const aws::SigV4Signer uncached(kRegion, kService, [] {
    aws::SignerOptions options;
    options.cache_signing_key = false;
    return options;
  }());
  const absl::Time now = absl::FromUnixSeconds(1440938160);  // 2015-08-30T12:36:00Z

  aws::HttpRequest first = request, second = request, third = request;
  aws::SigningTrace first_trace, second_trace, third_trace;
  absl::Status a = cached.Sign(first, credentials, now, &first_trace);
  absl::Status b = cached.Sign(second, credentials, now, &second_trace);
  absl::Status c = uncached.Sign(third, credentials, now, &third_trace);
  AWSFACADE_FUZZ_CHECK(a == b && b == c, absl::StrCat(a.ToString(), b.ToString(), c.ToString()));
  if (!a.ok()) {
    AWSFACADE_FUZZ_CHECK(a.code() == absl::StatusCode::kInvalidArgument, a.ToString());
    return;
  }
  AWSFACADE_FUZZ_CHECK(first.headers == second.headers && second.headers == third.headers,
                       "signed headers differ between runs");
  AWSFACADE_FUZZ_CHECK(first_trace.canonical_request == second_trace.canonical_request &&
                           second_trace.canonical_request == third_trace.canonical_request &&
                           first_trace.string_to_sign == third_trace.string_to_sign,
                       "traces differ between runs");

  // The signer agrees with the pure functions.
  aws::HttpHeaders signed_headers;
  for (const auto& header : first.headers) {
    if (!Unsigned(header.first)) signed_headers.push_back(header);
  }
  const std::string* given_hash = FindHeader(first.headers, "x-amz-content-sha256");
  const std::string payload_hash = given_hash != nullptr ? *given_hash : aws::HexSha256(first.body);
  aws::CanonicalRequestResult pure =
      aws::CanonicalRequest(first.method, first.path, first.query, signed_headers, payload_hash);
  AWSFACADE_FUZZ_CHECK(pure.canonical_request == first_trace.canonical_request,
                       absl::StrCat("signer:\n", first_trace.canonical_request, "\npure:\n",
                                    pure.canonical_request));
  const std::string date = aws::DateStamp(now);
  const std::string scope = aws::CredentialScope(date, kRegion, kService);
  const std::string string_to_sign =
      aws::StringToSign(aws::AmzDate(now), scope, pure.canonical_request);
  AWSFACADE_FUZZ_CHECK(string_to_sign == first_trace.string_to_sign, string_to_sign);
  const std::string signature = aws::Signature(
      aws::SigningKey(credentials.secret_access_key, date, kRegion, kService), string_to_sign);
  AWSFACADE_FUZZ_CHECK(HeaderValue(first.headers, "authorization") ==
                           aws::AuthorizationHeader(credentials.access_key_id, scope,
                                                    pure.signed_headers, signature),
                       HeaderValue(first.headers, "authorization"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const aws::HttpRequest request = ParseRequest(awsfacade::fuzz::AsView(data, size));

  for (bool keep_slash : {false, true}) {
    for (absl::string_view text :
         {absl::string_view(request.path), absl::string_view(request.body)}) {
      std::string encoded = aws::UriEncode(text, keep_slash);
      AWSFACADE_FUZZ_CHECK(aws::UriDecode(encoded) == text, encoded);
    }
  }
  // Idempotent for the paths HTTP sends (absolute). Not for a relative one
  // that vanishes: "a/.." -> "" but "" -> "/", as botocore's
  // remove_dot_segments and normalize_url_path do.
  const std::string normalized = aws::NormalizePath(request.path);
  AWSFACADE_FUZZ_CHECK(
      !absl::StartsWith(request.path, "/") || aws::NormalizePath(normalized) == normalized,
      absl::StrCat("'", absl::CEscape(request.path), "' -> '", absl::CEscape(normalized), "' -> '",
                   absl::CEscape(aws::NormalizePath(normalized)), "'"));
  aws::CanonicalUri(request.path, {});
  aws::CanonicalUri(request.path, aws::CanonicalRequestOptions::ForS3());
  const std::string query = aws::CanonicalQueryString(request.query);
  for (char ch : query) {
    AWSFACADE_FUZZ_CHECK(
        absl::ascii_isalnum(ch) || absl::string_view("-_.~%=&").find(ch) != absl::string_view::npos,
        query);
  }
  aws::CanonicalHeaders(request.headers);
  for (const auto& header : request.headers) aws::TrimHeaderValue(header.second);
  aws::CanonicalRequest(request.method, request.path, request.query, request.headers,
                        "UNSIGNED-PAYLOAD", aws::CanonicalRequestOptions::ForS3());

  aws::Credentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  CheckSigning(request, credentials);
  credentials.session_token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW";
  CheckSigning(request, credentials);
  return 0;
}
