#include "backends/aws/sigv4_signer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "backends/common/crypto.h"

namespace awsfacade::backends::aws {
namespace {

using ::awsfacade::backends::AsView;
using ::awsfacade::backends::Digest;
using ::awsfacade::backends::HmacSha256;
using ::awsfacade::backends::Sha256;

constexpr absl::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr absl::string_view kTerminator = "aws4_request";
constexpr absl::string_view kHexDigits = "0123456789abcdef";
constexpr absl::string_view kUpperHexDigits = "0123456789ABCDEF";

// Headers botocore (1.43, SIGNED_HEADERS_BLACKLIST) never signs: hop-by-hop
// headers a proxy may rewrite, and client-specific ones. Lowercase.
constexpr std::array<absl::string_view, 11> kUnsignedHeaders = {"connection",
                                                                "expect",
                                                                "keep-alive",
                                                                "proxy-authenticate",
                                                                "proxy-authorization",
                                                                "te",
                                                                "trailer",
                                                                "transfer-encoding",
                                                                "upgrade",
                                                                "user-agent",
                                                                "x-amzn-trace-id"};

std::string Hex(const Digest& d) {
  std::string out(2 * d.size(), '\0');
  for (size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kHexDigits[d[i] >> 4];
    out[2 * i + 1] = kHexDigits[d[i] & 0xf];
  }
  return out;
}

bool IsUnreserved(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void AppendUriEncoded(absl::string_view data, bool keep_slash, std::string& out) {
  for (unsigned char c : data) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kUpperHexDigits[c >> 4]);
      out.push_back(kUpperHexDigits[c & 0xf]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python's str.split() whitespace for ASCII, which is what botocore collapses.
bool IsHeaderSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void AppendTrimmedHeaderValue(absl::string_view value, std::string& out) {
  bool pending_space = false;
  bool wrote_any = false;
  for (char c : value) {
    if (IsHeaderSpace(c)) {
      pending_space = wrote_any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    wrote_any = true;
    out.push_back(c);
  }
}

void AppendTwoDigits(int v, std::string& out) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

// The date part "YYYYMMDD"; absl::FormatTime is several times slower than
// this and the signer formats a date on every call.
void AppendDateStamp(const absl::CivilSecond& cs, std::string& out) {
  int64_t year = std::clamp<int64_t>(cs.year(), 0, 9999);
  AppendTwoDigits(static_cast<int>(year / 100), out);
  AppendTwoDigits(static_cast<int>(year % 100), out);
  AppendTwoDigits(cs.month(), out);
  AppendTwoDigits(cs.day(), out);
}

struct HeaderRef {
  absl::string_view name;
  absl::string_view value;
};

// CanonicalHeaders over views, so the signer can pass a filtered subset of the
// request's headers without copying them.
CanonicalHeadersResult CanonicalHeadersOf(const std::vector<HeaderRef>& headers) {
  struct Entry {
    std::string lower_name;
    size_t index;
  };
  std::vector<Entry> entries;
  entries.reserve(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    entries.push_back({absl::AsciiStrToLower(headers[i].name), i});
  }
  // Stable: repeated names keep their original order, as the suite's
  // get-header-value-order and get-header-key-duplicate cases require.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.lower_name < b.lower_name; });

  CanonicalHeadersResult result;
  result.canonical_headers.reserve(64 * entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const bool same_as_previous = i > 0 && entries[i].lower_name == entries[i - 1].lower_name;
    if (same_as_previous) {
      result.canonical_headers.back() = ',';  // replaces the previous '\n'
    } else {
      if (!result.signed_headers.empty()) result.signed_headers.push_back(';');
      result.signed_headers.append(entries[i].lower_name);
      result.canonical_headers.append(entries[i].lower_name);
      result.canonical_headers.push_back(':');
    }
    AppendTrimmedHeaderValue(headers[entries[i].index].value, result.canonical_headers);
    result.canonical_headers.push_back('\n');
  }
  return result;
}

std::string AssembleCanonicalRequest(absl::string_view method, absl::string_view path,
                                     const QueryParams& query,
                                     const CanonicalHeadersResult& headers,
                                     absl::string_view payload_hash,
                                     const CanonicalRequestOptions& options) {
  std::string out;
  out.reserve(method.size() + 2 * path.size() + headers.canonical_headers.size() +
              headers.signed_headers.size() + payload_hash.size() + 64);
  out.append(method.data(), method.size());
  out.push_back('\n');
  out.append(CanonicalUri(path, options));
  out.push_back('\n');
  out.append(CanonicalQueryString(query));
  out.push_back('\n');
  out.append(headers.canonical_headers);
  out.push_back('\n');
  out.append(headers.signed_headers);
  out.push_back('\n');
  out.append(payload_hash.data(), payload_hash.size());
  return out;
}

bool IsUnsignedHeader(absl::string_view name) {
  for (absl::string_view unsigned_name : kUnsignedHeaders) {
    if (absl::EqualsIgnoreCase(name, unsigned_name)) return true;
  }
  return false;
}

void RemoveHeader(HttpHeaders& headers, absl::string_view name) {
  headers.erase(
      std::remove_if(headers.begin(), headers.end(),
                     [name](const auto& h) { return absl::EqualsIgnoreCase(h.first, name); }),
      headers.end());
}

const std::string* FindHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

}  // namespace

std::string AmzDate(absl::Time time) {
  const absl::CivilSecond cs = absl::ToCivilSecond(time, absl::UTCTimeZone());
  std::string out;
  out.reserve(16);
  AppendDateStamp(cs, out);
  out.push_back('T');
  AppendTwoDigits(cs.hour(), out);
  AppendTwoDigits(cs.minute(), out);
  AppendTwoDigits(cs.second(), out);
  out.push_back('Z');
  return out;
}

std::string DateStamp(absl::Time time) {
  std::string out;
  out.reserve(8);
  AppendDateStamp(absl::ToCivilSecond(time, absl::UTCTimeZone()), out);
  return out;
}

std::string HexSha256(absl::string_view data) { return Hex(Sha256(data)); }

std::string UriEncode(absl::string_view data, bool keep_slash) {
  std::string out;
  out.reserve(data.size() + data.size() / 2);
  AppendUriEncoded(data, keep_slash, out);
  return out;
}

std::string UriDecode(absl::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '%' && i + 2 < data.size() && HexValue(data[i + 1]) >= 0 &&
        HexValue(data[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(data[i + 1]) * 16 + HexValue(data[i + 2])));
      i += 2;
    } else {
      out.push_back(data[i]);
    }
  }
  return out;
}

std::string NormalizePath(absl::string_view path) {
  if (path.empty()) return "/";
  std::vector<absl::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == absl::string_view::npos) end = path.size();
    absl::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  out.reserve(path.size());
  if (path.front() == '/') out.push_back('/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i].data(), segments[i].size());
  }
  if (path.back() == '/' && !segments.empty()) out.push_back('/');
  return out;
}

std::string CanonicalUri(absl::string_view path, const CanonicalRequestOptions& options) {
  std::string normalized;
  if (options.normalize_path) {
    normalized = NormalizePath(path);
    path = normalized;
  } else if (path.empty()) {
    path = "/";
  }
  if (!options.double_encode_path) return std::string(path);
  return UriEncode(path, /*keep_slash=*/true);
}

std::string CanonicalQueryString(const QueryParams& query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  size_t total = 0;
  for (const auto& [key, value] : query) {
    encoded.emplace_back(UriEncode(key, false), UriEncode(value, false));
    total += encoded.back().first.size() + encoded.back().second.size() + 2;
  }
  // Byte order of the encoded strings (uppercase before lowercase), by key and
  // then by value for a repeated key: botocore's sorted() over (key, value).
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (i > 0) out.push_back('&');
    out.append(encoded[i].first);
    out.push_back('=');
    out.append(encoded[i].second);
  }
  return out;
}

std::string TrimHeaderValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  AppendTrimmedHeaderValue(value, out);
  return out;
}

CanonicalHeadersResult CanonicalHeaders(const HttpHeaders& headers) {
  std::vector<HeaderRef> refs;
  refs.reserve(headers.size());
  for (const auto& [name, value] : headers) refs.push_back({name, value});
  return CanonicalHeadersOf(refs);
}

CanonicalRequestResult CanonicalRequest(absl::string_view method, absl::string_view path,
                                        const QueryParams& query, const HttpHeaders& headers,
                                        absl::string_view payload_hash,
                                        const CanonicalRequestOptions& options) {
  CanonicalHeadersResult canonical_headers = CanonicalHeaders(headers);
  CanonicalRequestResult result;
  result.canonical_request =
      AssembleCanonicalRequest(method, path, query, canonical_headers, payload_hash, options);
  result.signed_headers = std::move(canonical_headers.signed_headers);
  return result;
}

std::string CredentialScope(absl::string_view date_stamp, absl::string_view region,
                            absl::string_view service) {
  return absl::StrCat(date_stamp, "/", region, "/", service, "/", kTerminator);
}

std::string StringToSign(absl::string_view amz_date, absl::string_view credential_scope,
                         absl::string_view canonical_request) {
  return absl::StrCat(kAlgorithm, "\n", amz_date, "\n", credential_scope, "\n",
                      HexSha256(canonical_request));
}

std::string SigningKey(absl::string_view secret_access_key, absl::string_view date_stamp,
                       absl::string_view region, absl::string_view service) {
  std::string secret = absl::StrCat("AWS4", secret_access_key);
  Digest k_date = HmacSha256(secret, date_stamp);
  OPENSSL_cleanse(secret.data(), secret.size());
  Digest k_region = HmacSha256(AsView(k_date), region);
  Digest k_service = HmacSha256(AsView(k_region), service);
  Digest k_signing = HmacSha256(AsView(k_service), kTerminator);
  return std::string(AsView(k_signing));
}

std::string Signature(absl::string_view signing_key, absl::string_view string_to_sign) {
  return Hex(HmacSha256(signing_key, string_to_sign));
}

std::string AuthorizationHeader(absl::string_view access_key_id, absl::string_view credential_scope,
                                absl::string_view signed_headers, absl::string_view signature) {
  return absl::StrCat(kAlgorithm, " Credential=", access_key_id, "/", credential_scope,
                      ", SignedHeaders=", signed_headers, ", Signature=", signature);
}

SigV4Signer::SigV4Signer(std::string region, std::string service, SignerOptions options)
    : region_(std::move(region)), service_(std::move(service)), options_(options) {}

int64_t SigV4Signer::signing_key_derivations() const {
  absl::MutexLock lock(&mu_);
  return derivations_;
}

std::string SigV4Signer::CachedSigningKey(absl::string_view secret,
                                          absl::string_view date_stamp) const {
  if (options_.cache_signing_key) {
    absl::MutexLock lock(&mu_);
    if (has_cached_ && cached_.date_stamp == date_stamp && cached_.secret.size() == secret.size() &&
        CRYPTO_memcmp(cached_.secret.data(), secret.data(), secret.size()) == 0) {
      return cached_.key;
    }
  }
  // Derived outside the lock: four HMACs are cheap, but a signer shared by
  // many calls should not serialise them. Two threads missing together both
  // derive the same key; the later store is as good as the earlier.
  std::string key = SigningKey(secret, date_stamp, region_, service_);
  absl::MutexLock lock(&mu_);
  ++derivations_;
  if (options_.cache_signing_key) {
    OPENSSL_cleanse(cached_.secret.data(), cached_.secret.size());
    OPENSSL_cleanse(cached_.key.data(), cached_.key.size());
    cached_.secret.assign(secret.data(), secret.size());
    cached_.date_stamp.assign(date_stamp.data(), date_stamp.size());
    cached_.key = key;
    has_cached_ = true;
  }
  return key;
}

absl::Status SigV4Signer::Sign(HttpRequest& request, const Credentials& credentials, absl::Time now,
                               SigningTrace* trace) const {
  if (credentials.access_key_id.empty()) {
    return absl::InvalidArgumentError("SigV4: credentials have no access key id");
  }
  if (credentials.secret_access_key.empty()) {
    return absl::InvalidArgumentError("SigV4: credentials have no secret access key");
  }
  if (request.method.empty()) {
    return absl::InvalidArgumentError("SigV4: request has no method");
  }
  const bool has_host_header = FindHeader(request.headers, "host") != nullptr;
  if (!has_host_header && request.host.empty()) {
    return absl::InvalidArgumentError("SigV4: request has neither a Host header nor a host");
  }

  HttpHeaders& headers = request.headers;
  RemoveHeader(headers, "authorization");
  RemoveHeader(headers, "x-amz-date");
  RemoveHeader(headers, "x-amz-security-token");
  if (!has_host_header) headers.emplace_back("Host", request.host);

  const absl::CivilSecond civil = absl::ToCivilSecond(now, absl::UTCTimeZone());
  std::string date_stamp;
  AppendDateStamp(civil, date_stamp);
  std::string amz_date = AmzDate(now);
  headers.emplace_back("X-Amz-Date", amz_date);

  const bool has_token = !credentials.session_token.empty();
  if (has_token && options_.sign_session_token) {
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  std::string payload_hash;
  if (const std::string* given = FindHeader(headers, "x-amz-content-sha256")) {
    payload_hash = *given;
  } else {
    payload_hash = HexSha256(request.body);
    if (options_.add_content_sha256_header) {
      headers.emplace_back("X-Amz-Content-Sha256", payload_hash);
    }
  }

  std::vector<HeaderRef> to_sign;
  to_sign.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    if (!IsUnsignedHeader(name)) to_sign.push_back({name, value});
  }
  const CanonicalHeadersResult canonical_headers = CanonicalHeadersOf(to_sign);
  const std::string canonical_request =
      AssembleCanonicalRequest(request.method, request.path, request.query, canonical_headers,
                               payload_hash, options_.canonical);
  const std::string scope = CredentialScope(date_stamp, region_, service_);
  const std::string string_to_sign = StringToSign(amz_date, scope, canonical_request);
  std::string key = CachedSigningKey(credentials.secret_access_key, date_stamp);
  const std::string signature = Signature(key, string_to_sign);
  OPENSSL_cleanse(key.data(), key.size());

  if (trace != nullptr) {
    trace->canonical_request = canonical_request;
    trace->string_to_sign = string_to_sign;
  }
  if (has_token && !options_.sign_session_token) {
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  headers.emplace_back("Authorization",
                       AuthorizationHeader(credentials.access_key_id, scope,
                                           canonical_headers.signed_headers, signature));
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::aws
