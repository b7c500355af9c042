#include "backends/common/redaction.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"

namespace awsfacade::backends {
namespace {

// Names whose value is a secret, lower case; found inside longer names too
// ("x-amz-signature", "X-Amz-Security-Token", "aws_session_token").
constexpr absl::string_view kSecretNames[] = {
    "signature",     "security-token", "securitytoken",   "security_token",    "sessiontoken",
    "session_token", "session-token",  "secretaccesskey", "secret_access_key", "secret-access-key",
};
constexpr absl::string_view kAuthorization = "authorization";

// Every name above contains one of these, so a text with none of them has
// no named value to redact: most log lines (one per RPC) then cost four
// searches instead of eleven.
constexpr absl::string_view kTriggers[] = {"signature", "token", "secret", kAuthorization};

constexpr bool HasTrigger(absl::string_view name) {
  const std::string_view text(name.data(), name.size());
  for (absl::string_view trigger : kTriggers) {
    if (text.find(std::string_view(trigger.data(), trigger.size())) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

constexpr bool EveryNameHasATrigger() {
  for (absl::string_view name : kSecretNames) {
    if (!HasTrigger(name)) return false;
  }
  return HasTrigger(kAuthorization);
}
static_assert(EveryNameHasATrigger(), "a secret name that no trigger finds would go unredacted");
constexpr size_t kMinSecretBytes = 4;

bool EndsValue(char c) {
  switch (c) {
    case ',':
    case ';':
    case '&':
    case '"':
    case '\'':
    case '<':
    case '>':
    case '\\':
      return true;
    default:
      return absl::ascii_isspace(static_cast<unsigned char>(c));
  }
}

bool EndsLine(char c) { return c == '\n' || c == '\r' || c == '"' || c == '\\'; }

// Where the value after a name ending at `pos` starts: past a closing quote
// (JSON, plain or escaped), spaces, one of = : > (query/JSON, header, XML),
// spaces and an opening quote. npos when no separator follows: the name was
// a word in a sentence ("SignatureDoesNotMatch", "the signature we ...").
size_t ValueStart(absl::string_view text, size_t pos) {
  auto skip_quote = [&] {
    if (pos < text.size() && text[pos] == '\\') ++pos;
    if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) ++pos;
  };
  auto skip_spaces = [&] {
    while (pos < text.size() && text[pos] == ' ') ++pos;
  };
  skip_quote();
  skip_spaces();
  if (pos >= text.size() || (text[pos] != '=' && text[pos] != ':' && text[pos] != '>')) {
    return absl::string_view::npos;
  }
  ++pos;
  skip_spaces();
  skip_quote();
  return pos;
}

}  // namespace

std::string RedactCredentials(absl::string_view text, absl::Span<const std::string> secrets) {
  std::string out(text);
  for (const std::string& secret : secrets) {
    if (secret.size() >= kMinSecretBytes) absl::StrReplaceAll({{secret, kRedacted}}, &out);
  }
  const std::string lowered = absl::AsciiStrToLower(out);
  const absl::string_view lower = lowered;
  if (std::none_of(std::begin(kTriggers), std::end(kTriggers),
                   [&](absl::string_view trigger) { return absl::StrContains(lower, trigger); })) {
    return out;
  }
  std::vector<std::pair<size_t, size_t>> spans;  // [begin, end) to replace
  for (absl::string_view name : kSecretNames) {
    for (size_t at = lower.find(name); at != absl::string_view::npos;
         at = lower.find(name, at + 1)) {
      const size_t begin = ValueStart(out, at + name.size());
      if (begin == absl::string_view::npos) continue;
      size_t end = begin;
      while (end < out.size() && !EndsValue(out[end])) ++end;
      if (end > begin) spans.emplace_back(begin, end);
    }
  }
  for (size_t at = lower.find(kAuthorization); at != absl::string_view::npos;
       at = lower.find(kAuthorization, at + 1)) {
    const size_t begin = ValueStart(out, at + kAuthorization.size());
    if (begin == absl::string_view::npos) continue;
    size_t end = begin;
    while (end < out.size() && !EndsLine(out[end])) ++end;
    // SigV4: the signature is redacted above, the rest says what was signed.
    if (lower.substr(begin, end - begin).find("signature=") != absl::string_view::npos) {
      continue;
    }
    if (end > begin) spans.emplace_back(begin, end);
  }
  if (spans.empty()) return out;
  std::sort(spans.begin(), spans.end());
  std::string redacted;
  size_t copied = 0;
  for (const auto& [begin, end] : spans) {
    if (end <= copied) continue;  // inside a span already replaced
    if (begin >= copied) {
      redacted.append(out, copied, begin - copied);
      redacted.append(kRedacted.data(), kRedacted.size());
    }
    copied = end;
  }
  redacted.append(out, copied, std::string::npos);
  return redacted;
}

}  // namespace awsfacade::backends
