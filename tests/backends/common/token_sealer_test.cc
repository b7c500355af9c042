#include "backends/common/token_sealer.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends {
namespace {

TEST(TokenSealerTest, RoundTripsPayload) {
  TokenSealer sealer("key");
  std::string token = sealer.Seal("purpose", std::string("pay\0load", 8));
  auto opened = sealer.Open("purpose", token);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, std::string("pay\0load", 8));
}

// The token format is a contract (a persisted simulator's tokens outlive a
// restart, and an upgrade): web-safe base64 of payload || the first 16 bytes
// of HMAC-SHA256(key, "<purpose length>:" purpose payload). Expected values
// from Python's hmac module, for a key shorter and one longer than a block.
TEST(TokenSealerTest, SealsTheDocumentedFormat) {
  EXPECT_EQ(TokenSealer(std::string(32, 'k')).Seal("personalize.ListDatasets|g", "offset=7"),
            "b2Zmc2V0PTcIsSuIzh2swTaINQ2VpTcj");
  EXPECT_EQ(TokenSealer(std::string(100, 'L')).Seal("personalize.ListDatasets|g", "offset=7"),
            "b2Zmc2V0PTedmNOJZcglKCGQqSlhEx8L");
}

TEST(TokenSealerTest, RejectsOtherPurpose) {
  TokenSealer sealer("key");
  std::string token = sealer.Seal("a", "payload");
  EXPECT_EQ(sealer.Open("b", token).status().code(), absl::StatusCode::kInvalidArgument);
}

// The MAC covers the purpose with its length, so bytes cannot move between
// purpose and payload: a token sealed for ("ab", "c") whose payload is
// rewritten to "bc" must not open for purpose "a", although both pairs
// concatenate to "abc".
TEST(TokenSealerTest, BytesCannotMoveBetweenPurposeAndPayload) {
  TokenSealer sealer("key");
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(sealer.Seal("ab", "c"), &raw));
  ASSERT_GT(raw.size(), 1u);
  const std::string mac = raw.substr(1);  // after the one-byte payload "c"
  std::string moved;
  absl::WebSafeBase64Escape(absl::StrCat("bc", mac), &moved);
  EXPECT_FALSE(sealer.Open("a", moved).ok());
  // The same shift of a whole purpose into the payload.
  ASSERT_TRUE(absl::WebSafeBase64Unescape(sealer.Seal("purpose|arn", ""), &raw));
  absl::WebSafeBase64Escape(absl::StrCat("|arn", raw), &moved);
  EXPECT_FALSE(sealer.Open("purpose", moved).ok());
}

TEST(TokenSealerTest, RejectsEveryOneCharacterChange) {
  TokenSealer sealer("key");
  std::string token = sealer.Seal("p", "some payload here");
  for (size_t i = 0; i < token.size(); ++i) {
    std::string forged = token;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(sealer.Open("p", forged).ok()) << "position " << i;
  }
}

TEST(TokenSealerTest, RejectsOtherKeyAndGarbage) {
  TokenSealer a("key-a"), b("key-b");
  EXPECT_FALSE(b.Open("p", a.Seal("p", "x")).ok());
  EXPECT_FALSE(a.Open("p", "").ok());
  EXPECT_FALSE(a.Open("p", "not base64 !!!").ok());
  EXPECT_FALSE(a.Open("p", "AAAA").ok());
}

TEST(TokenSealerTest, RandomKeysDiffer) {
  TokenSealer a, b;
  EXPECT_FALSE(b.Open("p", a.Seal("p", "x")).ok());
}

}  // namespace
}  // namespace awsfacade::backends
