#include "service/subscriptions/registry.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {

using ::testing::HasSubstr;

// Counts Stop calls; when given a registry, releases itself on Stop (as a
// subscription does once its stream has ended).
class FakeSubscription final : public Stoppable {
 public:
  explicit FakeSubscription(SubscriptionRegistry* releases_into = nullptr)
      : registry_(releases_into) {}
  void Stop() override {
    ++stops;
    if (registry_ != nullptr) registry_->Release(this);
  }
  int stops = 0;

 private:
  SubscriptionRegistry* registry_;
};

TEST(SubscriptionRegistryTest, GlobalCapRefusesPastItAndFreesOnRelease) {
  SubscriptionRegistry registry(2, 0);
  auto a = std::make_shared<FakeSubscription>(), b = std::make_shared<FakeSubscription>(),
       c = std::make_shared<FakeSubscription>();
  EXPECT_TRUE(registry.Admit(a, "x").ok());
  EXPECT_TRUE(registry.Admit(b, "y").ok());
  absl::Status refused = registry.Admit(c, "z");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("on this server (2)"));
  EXPECT_EQ(registry.open(), 2);
  EXPECT_TRUE(registry.Release(a.get()));
  EXPECT_FALSE(registry.Release(a.get()));  // once
  EXPECT_TRUE(registry.Admit(c, "z").ok());
  EXPECT_EQ(registry.open(), 2);
}

TEST(SubscriptionRegistryTest, PerCallerCapCountsEachCallerApart) {
  SubscriptionRegistry registry(100, 1);
  std::vector<std::shared_ptr<FakeSubscription>> s(3);
  for (auto& one : s) one = std::make_shared<FakeSubscription>();
  EXPECT_TRUE(registry.Admit(s[0], "alice").ok());
  absl::Status refused = registry.Admit(s[1], "alice");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("for caller alice (1)"));
  EXPECT_TRUE(registry.Admit(s[2], "bob").ok());
  registry.Release(s[0].get());
  EXPECT_TRUE(registry.Admit(s[1], "alice").ok());
}

TEST(SubscriptionRegistryTest, ReleaseOfOneNeverAdmittedChangesNothing) {
  SubscriptionRegistry registry(1, 1);
  FakeSubscription stranger;
  EXPECT_FALSE(registry.Release(&stranger));
  EXPECT_TRUE(registry.Admit(std::make_shared<FakeSubscription>(), "x").ok());
}

TEST(SubscriptionRegistryTest, StopAllStopsEveryOpenOneWaitsForThemAndRefusesNewOnes) {
  SubscriptionRegistry registry(10, 0);
  std::vector<std::shared_ptr<FakeSubscription>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_shared<FakeSubscription>(&registry));
    ASSERT_TRUE(registry.Admit(open.back(), "x").ok());
  }
  // They release themselves when stopped, so this returns at once, well
  // before the grace period.
  registry.StopAll(absl::Hours(1));
  EXPECT_EQ(registry.open(), 0);
  for (const auto& s : open) EXPECT_EQ(s->stops, 1);
  EXPECT_EQ(registry.Admit(std::make_shared<FakeSubscription>(), "x").code(),
            absl::StatusCode::kUnavailable);
}

TEST(SubscriptionRegistryTest, StopAllGivesUpAfterTheGraceAndClearDropsTheRest) {
  SubscriptionRegistry registry(10, 0);
  auto stuck = std::make_shared<FakeSubscription>();  // never releases itself
  ASSERT_TRUE(registry.Admit(stuck, "x").ok());
  registry.StopAll(absl::ZeroDuration());
  EXPECT_EQ(stuck->stops, 1);
  EXPECT_EQ(registry.open(), 1);
  EXPECT_EQ(stuck.use_count(), 2);  // the registry holds it
  registry.Clear();
  EXPECT_EQ(registry.open(), 0);
  EXPECT_EQ(stuck.use_count(), 1);
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
