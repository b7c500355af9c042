#include "backends/simulator/dynamodb_expressions_internal.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/common/aws_error.h"

namespace awsfacade::backends::simulator::expressions_internal {

absl::Status Invalid(absl::string_view message, absl::string_view field) {
  return AwsError("ValidationException", message, field);
}

size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  }
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if (cc < 0x80 || cc > 0xBF) return 0;
  }
  return n;
}

std::string Printable(absl::string_view text) {
  constexpr size_t kMaxEcho = 512;
  std::string out;
  const size_t limit = std::min(text.size(), kMaxEcho);
  size_t i = 0;
  while (i < limit) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7F))) {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned>(c), absl::kZeroPad2));
      ++i;
    } else {
      out.append(text.data() + i, len);
      i += len;
    }
  }
  if (text.size() > limit) out.append("...");
  return out;
}

}  // namespace awsfacade::backends::simulator::expressions_internal
