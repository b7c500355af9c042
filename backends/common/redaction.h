#ifndef AWSFACADE_BACKENDS_COMMON_REDACTION_H_
#define AWSFACADE_BACKENDS_COMMON_REDACTION_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace awsfacade::backends {

// What replaces a secret.
inline constexpr absl::string_view kRedacted = "<redacted>";

// `text` (an AWS error message, a log line) with credentials replaced by
// kRedacted, so it can be relayed to a client or logged:
//  - every value in `secrets` (the secret access key and session token the
//    call was signed with) wherever it appears; values under 4 bytes are
//    ignored;
//  - the value after a signature or session-token name, in any case and as
//    a header, query parameter, JSON member or XML element: "Signature=",
//    "X-Amz-Signature=", "x-amz-security-token:", "X-Amz-Security-Token=",
//    "SessionToken", "SecretAccessKey", ... (AWS signature errors quote the
//    canonical request, the string to sign and sometimes headers);
//  - an Authorization header's value that carries no "Signature=" (another
//    scheme): all of it. A SigV4 one keeps its credential scope and signed
//    headers, which say what went wrong, and loses its signature.
// A value ends at whitespace, one of ,;&"'<>\ or the end; so JSON-escaped
// text (a rendered log line) is redacted alike.
std::string RedactCredentials(absl::string_view text, absl::Span<const std::string> secrets = {});

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_REDACTION_H_
