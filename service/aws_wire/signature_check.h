#ifndef AWSFACADE_SERVICE_AWS_WIRE_SIGNATURE_CHECK_H_
#define AWSFACADE_SERVICE_AWS_WIRE_SIGNATURE_CHECK_H_

// SigV4 on the receiving side of the wire endpoint: the credential scope of
// a request (region and service), and, under --aws_verify_signatures, the
// signature itself, recomputed with the pure functions of
// backends/aws/sigv4_signer.h from the configured secret keys.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/aws/sigv4_signer.h"
#include "service/aws_wire/wire_protocol.h"

namespace awsfacade::service::aws_wire {

// What `Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/
// <service>/aws4_request, SignedHeaders=<a;b>, Signature=<hex>` says.
struct SignatureParts {
  std::string access_key_id;
  std::string date;  // "20240501"
  std::string region;
  std::string service;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;
};

// Errors (AWS errors, as AWS names them):
//   MissingAuthenticationTokenException  no Authorization header;
//   IncompleteSignatureException         a header that is not the form above.
absl::StatusOr<SignatureParts> ParseAuthorization(const WireRequest& request);

// How far a request's X-Amz-Date may be from the receiver's clock, as AWS
// allows.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(15);

// Checks the request's signature against the secret of its access key id in
// `keys`, at time `now`, and returns that access key id (the caller's
// identity: only its holder can sign with it). Errors: those of
// ParseAuthorization; UnrecognizedClientException for an access key id not
// in `keys`; InvalidSignatureException when the signature differs,
// X-Amz-Date is missing, does not match the scope's date or is more than
// kMaxClockSkew from `now` ("Signature expired" / "Signature not yet
// current", as AWS words them), or the scope names another `region` or a
// service other than `signing_name` (the routed service's SigV4 name).
absl::StatusOr<std::string> VerifySignature(const WireRequest& request,
                                            const std::vector<backends::aws::Credentials>& keys,
                                            absl::string_view region,
                                            absl::string_view signing_name, absl::Time now);

// Reads the keys file of --aws_keys_file: one `ACCESS_KEY_ID SECRET_ACCESS_KEY`
// pair per line; blank lines and lines starting with '#' are skipped.
// InvalidArgument naming the line number for any other line.
absl::StatusOr<std::vector<backends::aws::Credentials>> ParseKeysFile(absl::string_view text);

}  // namespace awsfacade::service::aws_wire

#endif  // AWSFACADE_SERVICE_AWS_WIRE_SIGNATURE_CHECK_H_
