// Fuzzes TokenSealer (backends/common/token_sealer.h), the seal behind every
// page token, shard iterator, sync session token and continuation token.
//
// Input: "<purpose>\n<token>". Checked: Open never crashes and fails with
// InvalidArgument on what it rejects; whatever it opens re-seals to a token
// that opens to the same payload; and the input's second part, sealed as a
// payload, opens back under its purpose only (not under another purpose,
// another key, or truncated).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/common/token_sealer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using awsfacade::backends::TokenSealer;
  static const TokenSealer sealer(std::string(32, 'k'));
  static const TokenSealer other(std::string(32, 'o'));

  absl::string_view rest = awsfacade::fuzz::AsView(data, size);
  const absl::string_view purpose = awsfacade::fuzz::TakeLine(&rest);

  absl::StatusOr<std::string> opened = sealer.Open(purpose, rest);
  if (opened.ok()) {
    absl::StatusOr<std::string> again = sealer.Open(purpose, sealer.Seal(purpose, *opened));
    AWSFACADE_FUZZ_CHECK(again.ok() && *again == *opened, "re-sealed payload does not open");
  } else {
    AWSFACADE_FUZZ_CHECK(opened.status().code() == absl::StatusCode::kInvalidArgument,
                         opened.status().ToString());
  }

  const std::string token = sealer.Seal(purpose, rest);
  absl::StatusOr<std::string> payload = sealer.Open(purpose, token);
  AWSFACADE_FUZZ_CHECK(payload.ok() && *payload == rest, "sealed payload does not open");
  AWSFACADE_FUZZ_CHECK(!sealer.Open(absl::StrCat(purpose, "x"), token).ok(),
                       "opens under another purpose");
  AWSFACADE_FUZZ_CHECK(!other.Open(purpose, token).ok(), "opens under another key");
  AWSFACADE_FUZZ_CHECK(
      !sealer.Open(purpose, absl::string_view(token).substr(0, token.size() - 1)).ok(),
      "opens truncated");
  return 0;
}
