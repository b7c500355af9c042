#include "backends/common/token_sealer.h"

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

TEST(TokenSealerTest, RejectsOtherPurpose) {
  TokenSealer sealer("key");
  std::string token = sealer.Seal("a", "payload");
  EXPECT_EQ(sealer.Open("b", token).status().code(), absl::StatusCode::kInvalidArgument);
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
