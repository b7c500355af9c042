#ifndef AWSFACADE_BACKENDS_COMMON_CRYPTO_H_
#define AWSFACADE_BACKENDS_COMMON_CRYPTO_H_

#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>

#include "absl/strings/string_view.h"
#include "openssl/types.h"

namespace awsfacade::backends {

// SHA-256 and HMAC-SHA256, fast: OpenSSL 3's one-shot HMAC() looks its
// algorithms up on every call (about 2.4 us per HMAC of 200 bytes here,
// against 0.6 us with the algorithm fetched once). Used by the SigV4 signer
// and the token sealer. Thread-safe (one digest context per thread).
inline constexpr size_t kSha256Bytes = 32;
inline constexpr size_t kSha256BlockBytes = 64;
using Digest = std::array<unsigned char, kSha256Bytes>;

// SHA-256 over the concatenation of `a` and `b`.
Digest Sha256(absl::string_view a, absl::string_view b = {});
// HMAC-SHA256 (RFC 2104).
Digest HmacSha256(absl::string_view key, absl::string_view data);

// An HMAC-SHA256 key kept as the two digest states after its padded key
// blocks (RFC 2104's K^ipad and K^opad): each MAC then hashes the message and
// one more block, not two key blocks on top. For a key that MACs many short
// messages (the token sealer's). Thread-safe: Mac() only copies the states.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(absl::string_view key);

  // HMAC-SHA256(key, the parts concatenated).
  Digest Mac(std::initializer_list<absl::string_view> parts) const;

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const;
  };
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> inner_;
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> outer_;
};

inline absl::string_view AsView(const Digest& d) {
  return absl::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_CRYPTO_H_
