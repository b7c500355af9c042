#include "service/aws_wire/signature_check.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"

namespace awsfacade::service::aws_wire {
namespace {

using backends::AwsError;
using backends::aws::FindHeaderValue;

constexpr absl::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr absl::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

absl::Status Incomplete(absl::string_view what) {
  return AwsError("IncompleteSignatureException",
                  absl::StrCat("Authorization header requires ", what, "."));
}

}  // namespace

absl::StatusOr<SignatureParts> ParseAuthorization(const WireRequest& request) {
  absl::string_view header = FindHeaderValue(request.headers, "Authorization");
  if (header.empty()) {
    return AwsError("MissingAuthenticationTokenException",
                    "Request is missing Authentication Token");
  }
  header = absl::StripAsciiWhitespace(header);
  if (!absl::ConsumePrefix(&header, kAlgorithm) || header.empty() ||
      !absl::ascii_isspace(static_cast<unsigned char>(header.front()))) {
    return Incomplete("the AWS4-HMAC-SHA256 algorithm");
  }
  SignatureParts parts;
  std::string credential;
  for (absl::string_view item : absl::StrSplit(header, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.first == "Credential") credential = std::string(kv.second);
    if (kv.first == "SignedHeaders") parts.signed_headers = std::string(kv.second);
    if (kv.first == "Signature") parts.signature = std::string(kv.second);
  }
  if (credential.empty()) return Incomplete("'Credential' parameter");
  if (parts.signed_headers.empty()) return Incomplete("'SignedHeaders' parameter");
  if (parts.signature.empty()) return Incomplete("'Signature' parameter");
  std::vector<std::string> scope = absl::StrSplit(credential, '/');
  if (scope.size() != 5 || scope[0].empty() || scope[4] != "aws4_request") {
    return Incomplete("a Credential of the form <id>/<date>/<region>/<service>/aws4_request");
  }
  parts.access_key_id = std::move(scope[0]);
  parts.date = std::move(scope[1]);
  parts.region = std::move(scope[2]);
  parts.service = std::move(scope[3]);
  return parts;
}

namespace {

constexpr char kAmzDateFormat[] = "%Y%m%dT%H%M%SZ";

// AWS accepts a signature made at most kMaxClockSkew before or after its own
// clock, and words the refusal this way.
// "20231114T221320Z" (checked to be 16 characters by the caller). absl's
// ParseTime reads %Y greedily, so the fields are cut out by position.
std::optional<absl::Time> ParseAmzDate(absl::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto field = [&](size_t at, size_t length, int* out) {
    return absl::SimpleAtoi(text.substr(at, length), out) &&
           std::all_of(text.begin() + at, text.begin() + at + length, absl::ascii_isdigit);
  };
  int year, month, day, hour, minute, second;
  if (!field(0, 4, &year) || !field(4, 2, &month) || !field(6, 2, &day) || !field(9, 2, &hour) ||
      !field(11, 2, &minute) || !field(13, 2, &second)) {
    return std::nullopt;
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (civil.month() != month || civil.day() != day || civil.hour() != hour ||
      civil.minute() != minute || civil.second() != second) {
    return std::nullopt;  // out of range: CivilSecond normalized it
  }
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

// AWS accepts a signature made at most kMaxClockSkew before or after its own
// clock, and words the refusal this way.
absl::Status CheckSigningTime(absl::string_view amz_date, absl::Time now) {
  std::optional<absl::Time> parsed = ParseAmzDate(amz_date);
  if (!parsed) {
    return AwsError(
        "IncompleteSignatureException",
        absl::StrCat("X-Amz-Date '", amz_date, "' is not of the form YYYYMMDDTHHMMSSZ."));
  }
  const absl::Time signed_at = *parsed;
  auto format = [](absl::Time t) {
    return absl::FormatTime(kAmzDateFormat, t, absl::UTCTimeZone());
  };
  if (signed_at < now - kMaxClockSkew) {
    return AwsError("InvalidSignatureException",
                    absl::StrCat("Signature expired: ", amz_date, " is now earlier than ",
                                 format(now - kMaxClockSkew), " (", format(now), " - 15 min.)"));
  }
  if (signed_at > now + kMaxClockSkew) {
    return AwsError("InvalidSignatureException",
                    absl::StrCat("Signature not yet current: ", amz_date, " is still later than ",
                                 format(now + kMaxClockSkew), " (", format(now), " + 15 min.)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> VerifySignature(const WireRequest& request,
                                            const std::vector<backends::aws::Credentials>& keys,
                                            absl::string_view region,
                                            absl::string_view signing_name, absl::Time now) {
  absl::StatusOr<SignatureParts> parts = ParseAuthorization(request);
  if (!parts.ok()) return parts.status();
  const backends::aws::Credentials* key = nullptr;
  for (const auto& k : keys) {
    if (k.access_key_id == parts->access_key_id) key = &k;
  }
  if (key == nullptr) {
    return AwsError("UnrecognizedClientException",
                    "The security token included in the request is invalid.");
  }
  if (parts->service != signing_name) {
    return AwsError(
        "InvalidSignatureException",
        absl::StrCat("Credential should be scoped to correct service: '", signing_name, "'. "));
  }
  if (parts->region != region) {
    return AwsError(
        "InvalidSignatureException",
        absl::StrCat("Credential should be scoped to a valid region, not '", parts->region, "'. "));
  }
  const absl::string_view amz_date = FindHeaderValue(request.headers, "X-Amz-Date");
  if (amz_date.size() != 16 || !absl::StartsWith(amz_date, parts->date)) {
    return AwsError("InvalidSignatureException",
                    "X-Amz-Date is missing or does not match the date of the credential scope.");
  }
  if (absl::Status fresh = CheckSigningTime(amz_date, now); !fresh.ok()) return fresh;
  // The headers the client signed, as it sent them.
  backends::aws::HttpHeaders signed_headers;
  for (absl::string_view name : absl::StrSplit(parts->signed_headers, ';')) {
    bool found = false;
    for (const auto& [header, value] : request.headers) {
      if (absl::EqualsIgnoreCase(header, name)) {
        signed_headers.emplace_back(header, value);
        found = true;
      }
    }
    if (!found) return AwsError("InvalidSignatureException", kSignatureMismatch);
  }
  backends::aws::QueryParams query;
  for (absl::string_view part : absl::StrSplit(request.query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    query.emplace_back(backends::aws::UriDecode(kv.first), backends::aws::UriDecode(kv.second));
  }
  absl::string_view payload_hash = FindHeaderValue(request.headers, "X-Amz-Content-Sha256");
  const std::string body_hash =
      payload_hash.empty() ? backends::aws::HexSha256(request.body) : std::string(payload_hash);
  const backends::aws::CanonicalRequestResult canonical = backends::aws::CanonicalRequest(
      request.method, request.path, query, signed_headers, body_hash);
  const std::string scope =
      backends::aws::CredentialScope(parts->date, parts->region, parts->service);
  const std::string expected = backends::aws::Signature(
      backends::aws::SigningKey(key->secret_access_key, parts->date, parts->region, parts->service),
      backends::aws::StringToSign(amz_date, scope, canonical.canonical_request));
  if (expected.size() != parts->signature.size() ||
      CRYPTO_memcmp(expected.data(), parts->signature.data(), expected.size()) != 0) {
    return AwsError("InvalidSignatureException", kSignatureMismatch);
  }
  return parts->access_key_id;
}

absl::StatusOr<std::vector<backends::aws::Credentials>> ParseKeysFile(absl::string_view text) {
  std::vector<backends::aws::Credentials> keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipWhitespace());
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": expected ACCESS_KEY_ID SECRET_ACCESS_KEY, two fields"));
    }
    keys.push_back({std::string(fields[0]), std::string(fields[1]), ""});
  }
  return keys;
}

}  // namespace awsfacade::service::aws_wire
