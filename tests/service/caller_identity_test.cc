#include "service/caller_identity.h"

#include "gtest/gtest.h"

namespace awsfacade::service {
namespace {

TEST(PeerHostTest, DropsThePortOfIpv4AndIpv6Peers) {
  EXPECT_EQ(PeerHost("ipv4:10.0.0.1:5000"), "ipv4:10.0.0.1");
  EXPECT_EQ(PeerHost("ipv6:[::1]:5000"), "ipv6:[::1]");
  EXPECT_EQ(PeerHost("ipv6:[2001:db8::7]:443"), "ipv6:[2001:db8::7]");
}

TEST(PeerHostTest, KeepsOtherFormsAsTheyAre) {
  EXPECT_EQ(PeerHost("unix:/tmp/sock"), "unix:/tmp/sock");
  EXPECT_EQ(PeerHost("ipv4:"), "ipv4:");
  EXPECT_EQ(PeerHost(""), "");
}

}  // namespace
}  // namespace awsfacade::service
