#include "backends/common/crypto.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends {
namespace {

std::string Hex(const Digest& d) { return absl::BytesToHexString(AsView(d)); }

// RFC 4231 test cases 1 (a short key) and 6 (a key longer than a block,
// hashed first): both HMAC forms give the RFC's values.
TEST(CryptoTest, HmacSha256MatchesRfc4231) {
  const std::string short_key(20, '\x0b');
  const std::string long_key(131, '\xaa');
  const std::string long_data = "Test Using Larger Than Block-Size Key - Hash Key First";
  EXPECT_EQ(Hex(HmacSha256(short_key, "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256Key(short_key).Mac({"Hi There"})),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256(long_key, long_data)),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(Hex(HmacSha256Key(long_key).Mac({long_data})),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// The kept key MACs its parts as one message, call after call (the digest
// states it starts from are copied, never advanced), for keys of every
// length around the block size.
TEST(CryptoTest, KeptKeyMacsThePartsAsOneMessageEveryTime) {
  for (size_t key_size : {0, 1, 32, 63, 64, 65, 200}) {
    const std::string key(key_size, 'k');
    const HmacSha256Key kept(key);
    const std::string message = "12:purpose|abcpayload of some length";
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(Hex(kept.Mac({"12:", "purpose|abc", "", "payload of some length"})),
                Hex(HmacSha256(key, message)))
          << "key of " << key_size << " bytes, call " << i;
    }
    EXPECT_EQ(Hex(kept.Mac({})), Hex(HmacSha256(key, ""))) << key_size;
  }
}

}  // namespace
}  // namespace awsfacade::backends
