#include "backends/common/token_sealer.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "backends/common/crypto.h"

namespace awsfacade::backends {
namespace {
constexpr size_t kMacBytes = 16;

std::string RandomKey() {
  std::string key(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size()));
  return key;
}
}  // namespace

TokenSealer::TokenSealer() : TokenSealer(RandomKey()) {}

TokenSealer::TokenSealer(std::string key) : key_(key) { OPENSSL_cleanse(key.data(), key.size()); }

std::string TokenSealer::Mac(absl::string_view purpose, absl::string_view payload) const {
  // Length-prefix the purpose so ("ab","c") and ("a","bc") differ.
  const absl::AlphaNum length(purpose.size());
  Digest mac = key_.Mac({length.Piece(), ":", purpose, payload});
  return std::string(reinterpret_cast<const char*>(mac.data()), kMacBytes);
}

std::string TokenSealer::Seal(absl::string_view purpose, absl::string_view payload) const {
  std::string raw = absl::StrCat(payload, Mac(purpose, payload));
  std::string token;
  absl::WebSafeBase64Escape(raw, &token);
  return token;
}

absl::StatusOr<std::string> TokenSealer::Open(absl::string_view purpose,
                                              absl::string_view token) const {
  std::string raw;
  if (token.empty() || !absl::WebSafeBase64Unescape(token, &raw) || raw.size() < kMacBytes) {
    return absl::InvalidArgumentError("token is not a token issued by this service");
  }
  absl::string_view payload(raw.data(), raw.size() - kMacBytes);
  std::string expected = Mac(purpose, payload);
  if (CRYPTO_memcmp(expected.data(), raw.data() + payload.size(), kMacBytes) != 0) {
    return absl::InvalidArgumentError("token was altered or belongs to another request");
  }
  return std::string(payload);
}

}  // namespace awsfacade::backends
