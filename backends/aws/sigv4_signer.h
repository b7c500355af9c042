#ifndef AWSFACADE_BACKENDS_AWS_SIGV4_SIGNER_H_
#define AWSFACADE_BACKENDS_AWS_SIGV4_SIGNER_H_

// AWS Signature Version 4 (AWS4-HMAC-SHA256) request signing, header form.
//
// The signing steps are small pure functions, each checked on its own against
// AWS's official SigV4 test suite (tests/testdata/sigv4/):
//
//   CanonicalRequest(method, path, query, headers, payload hash, options)
//   CredentialScope(date, region, service)
//   StringToSign(amz date, scope, canonical request)
//   SigningKey(secret, date, region, service)
//   Signature(signing key, string to sign)
//
// SigV4Signer strings them together for one HttpRequest, with the signing
// time passed in by the caller (never read from the wall clock here) and the
// derived signing key cached per (secret, date, region, service).
//
// The rules follow the AWS General Reference "Create a signed AWS API
// request" and, where the reference is silent, botocore's SigV4Auth (the
// project's oracle: tests/backends/aws/sigv4_botocore_oracle_test.py).
//
// Secrets: no function here puts a secret access key, a signing key or a
// session token into an error message or a log line.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace awsfacade::backends::aws {

// Header names and values in the order they are sent. Names may repeat and
// may use any case; SigV4 lowercases names and joins repeated values with ','
// in this order.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Query parameters as decoded (not percent-encoded) key/value pairs, in any
// order; keys may repeat. A parameter sent without '=' has an empty value.
// The HTTP layer must send them encoded as UriEncode does ("%20", never '+',
// for a space); CanonicalQueryString(query) is such a query string. Any other
// encoding on the wire would not match the signature.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// An HTTP request as the AWS backend builds it, before and after signing.
struct HttpRequest {
  std::string method;  // "GET", "POST", ... (used as given; AWS wants uppercase)
  // The authority the request goes to, "host" or "host:port" (the port only
  // when it is not the scheme's default), exactly as the Host header must
  // read. Used when `headers` has no Host header.
  std::string host;
  // The path as sent on the wire, already percent-encoded by the protocol
  // codec (restJson labels: "/identitypools/us-east-1%3A0000-ab/..."). Empty
  // means "/".
  std::string path;
  QueryParams query;
  HttpHeaders headers;
  std::string body;
  // "https" or "http" (a loopback endpoint such as moto or a test fake).
  // Not part of the signature; used by the HTTP layer to build the URL.
  std::string scheme = "https";
};

// AWS credentials. A non-empty session_token marks temporary credentials (STS,
// container, instance metadata); it is sent as X-Amz-Security-Token.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

// How the path enters the canonical request. Every AWS service except Amazon
// S3 (and S3-like services) wants the defaults; S3 wants ForS3().
struct CanonicalRequestOptions {
  // Remove "." and ".." segments and collapse repeated slashes, as botocore's
  // remove_dot_segments does.
  bool normalize_path = true;
  // Percent-encode the (already encoded) wire path once more, so "%3A" signs as
  // "%253A". When false the path is signed exactly as given.
  bool double_encode_path = true;

  static CanonicalRequestOptions ForS3() { return {false, false}; }
};

// ---------------------------------------------------------------------------
// Pure functions. None of them fails: any bytes are accepted.

// "20150830T123600Z" and "20150830" for `time`, in UTC.
std::string AmzDate(absl::Time time);
std::string DateStamp(absl::Time time);

// Lowercase hex of SHA-256(data): the payload hash, and the last line of the
// string to sign.
std::string HexSha256(absl::string_view data);

// RFC 3986 percent-encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes
// %XX (uppercase hex); '/' is kept when `keep_slash`. Bytes are bytes, so UTF-8
// text is encoded byte by byte ("ሴ" -> "%E1%88%B4").
std::string UriEncode(absl::string_view data, bool keep_slash);

// Inverse of UriEncode for parsing a query string: "%XX" becomes the byte,
// anything else (including '+' and a malformed '%') is kept as is.
std::string UriDecode(absl::string_view data);

// RFC 3986 §5.2.4 dot-segment removal plus collapsing of empty segments, with
// botocore's edge rules: "" -> "/", a trailing '/' is kept only when a segment
// remains ("/a/b/../.." -> "/", "//example//" -> "/example/").
std::string NormalizePath(absl::string_view path);

// The CanonicalURI line for a wire path under `options`.
std::string CanonicalUri(absl::string_view path, const CanonicalRequestOptions& options);

// The CanonicalQueryString line: every key and value UriEncode'd (keeping no
// '/'), pairs sorted by encoded key, then by encoded value, joined as
// "k=v&k=v". An empty list gives "".
std::string CanonicalQueryString(const QueryParams& query);

// A header value as SigV4 signs it: leading and trailing whitespace removed and
// each inner run of whitespace (space, tab, CR, LF, VT, FF: this covers
// folded multi-line values) replaced by one space.
std::string TrimHeaderValue(absl::string_view value);

// The CanonicalHeaders block (each "name:value\n", names lowercased and sorted,
// values trimmed, repeated names joined with ',' in their original order) and
// the SignedHeaders line ("host;x-amz-date") for exactly the given headers.
struct CanonicalHeadersResult {
  std::string canonical_headers;
  std::string signed_headers;
};
CanonicalHeadersResult CanonicalHeaders(const HttpHeaders& headers);

// The canonical request for exactly these inputs: all of `headers` are signed,
// `payload_hash` is used as given (hex SHA-256 of the body, or a sentinel such
// as "UNSIGNED-PAYLOAD"), and `method` is used as given.
struct CanonicalRequestResult {
  std::string canonical_request;
  std::string signed_headers;  // the SignedHeaders line, for Authorization
};
CanonicalRequestResult CanonicalRequest(absl::string_view method, absl::string_view path,
                                        const QueryParams& query, const HttpHeaders& headers,
                                        absl::string_view payload_hash,
                                        const CanonicalRequestOptions& options = {});

// "20150830/us-east-1/service/aws4_request". `date_stamp` is DateStamp(time).
std::string CredentialScope(absl::string_view date_stamp, absl::string_view region,
                            absl::string_view service);

// "AWS4-HMAC-SHA256\n<amz_date>\n<credential_scope>\n<hex sha256(canonical)>".
std::string StringToSign(absl::string_view amz_date, absl::string_view credential_scope,
                         absl::string_view canonical_request);

// The 32-byte (binary) signing key:
// HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
std::string SigningKey(absl::string_view secret_access_key, absl::string_view date_stamp,
                       absl::string_view region, absl::string_view service);

// Lowercase hex HMAC-SHA256(signing_key, string_to_sign).
std::string Signature(absl::string_view signing_key, absl::string_view string_to_sign);

// "AWS4-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=<list>, Signature=<sig>".
std::string AuthorizationHeader(absl::string_view access_key_id, absl::string_view credential_scope,
                                absl::string_view signed_headers, absl::string_view signature);

// ---------------------------------------------------------------------------

// How SigV4Signer signs. The defaults are right for DynamoDB, DynamoDB
// Streams, Personalize and Cognito Sync.
struct SignerOptions {
  CanonicalRequestOptions canonical;
  // Add (and sign) "X-Amz-Content-Sha256: <payload hash>". Amazon S3 requires
  // it; the services above do not.
  bool add_content_sha256_header = false;
  // Sign the session token (the usual rule). When false the X-Amz-Security-Token
  // header is added after signing, outside SignedHeaders, as a few services
  // (and the suite's post-sts-header-after case) want.
  bool sign_session_token = true;
  // Cache the derived signing key (one entry, keyed on secret, date, region,
  // service). Turned off only to measure the cost of deriving it.
  bool cache_signing_key = true;
};

// What SigV4Signer::Sign computed, for tests and for debugging a
// SignatureDoesNotMatch answer. The canonical request holds the session token
// when the token is signed: treat a trace as secret and never log it.
struct SigningTrace {
  std::string canonical_request;
  std::string string_to_sign;
};

// Signs requests for one service in one region. Thread-safe: Sign may be called
// concurrently; the signing-key cache is guarded by a mutex that is never held
// while hashing.
class SigV4Signer {
 public:
  // `region` ("us-east-1") and `service` are the credential-scope values: the
  // SigV4 signing name, e.g. "dynamodb" for DynamoDB Streams (not its endpoint
  // prefix "streams.dynamodb"); see docs/aws-semantics.md §1.3.
  SigV4Signer(std::string region, std::string service, SignerOptions options = {});

  SigV4Signer(const SigV4Signer&) = delete;
  SigV4Signer& operator=(const SigV4Signer&) = delete;

  // Signs `request` in place as of `now`:
  //  - removes any Authorization, X-Amz-Date and X-Amz-Security-Token headers
  //    (the signer owns them), so a retry is simply signed again;
  //  - adds Host (from request.host) when the request has none, X-Amz-Date,
  //    X-Amz-Security-Token when credentials.session_token is set,
  //    X-Amz-Content-Sha256 when options.add_content_sha256_header and the
  //    request has none yet, and last Authorization.
  // Signed headers: every header except the hop-by-hop and client-specific ones
  // botocore leaves out (Connection, Expect, Keep-Alive, Proxy-Authenticate,
  // Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade, User-Agent,
  // X-Amzn-Trace-Id). The payload hash is the value of an X-Amz-Content-Sha256
  // header the caller set (e.g. "UNSIGNED-PAYLOAD"), else SHA-256 of the body.
  //
  // Errors (request left unchanged): InvalidArgument when the access key id,
  // secret access key or method is empty, or when there is neither a Host
  // header nor request.host. Messages name the missing field, never a value.
  //
  // When `trace` is given it receives the canonical request and string to sign.
  absl::Status Sign(HttpRequest& request, const Credentials& credentials, absl::Time now,
                    SigningTrace* trace = nullptr) const;

  const std::string& region() const { return region_; }
  const std::string& service() const { return service_; }

  // How many times a signing key has been derived (cache misses, or every
  // signature when caching is off). For tests and metrics.
  int64_t signing_key_derivations() const;

 private:
  std::string CachedSigningKey(absl::string_view secret, absl::string_view date_stamp) const;

  const std::string region_;
  const std::string service_;
  const SignerOptions options_;

  mutable absl::Mutex mu_;
  struct CachedKey {
    std::string secret;
    std::string date_stamp;
    std::string key;
  };
  mutable CachedKey cached_ ABSL_GUARDED_BY(mu_);
  mutable bool has_cached_ ABSL_GUARDED_BY(mu_) = false;
  mutable int64_t derivations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_SIGV4_SIGNER_H_
