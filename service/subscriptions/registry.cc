#include "service/subscriptions/registry.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace awsfacade::service::subscriptions {

absl::Status SubscriptionRegistry::Admit(std::shared_ptr<Stoppable> subscription,
                                         const std::string& caller) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  if (static_cast<int>(open_.size()) >= max_subscriptions_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many open subscriptions on this server (", max_subscriptions_, ")"));
  }
  int& mine = per_caller_[caller];
  if (max_per_caller_ > 0 && mine >= max_per_caller_) {
    if (mine == 0) per_caller_.erase(caller);
    return absl::ResourceExhaustedError(absl::StrCat("too many open subscriptions for caller ",
                                                     caller, " (", max_per_caller_, ")"));
  }
  ++mine;
  Stoppable* key = subscription.get();
  open_.emplace(key, Admitted{std::move(subscription), caller});
  return absl::OkStatus();
}

bool SubscriptionRegistry::Release(Stoppable* subscription) {
  Admitted released;  // dropped after the lock
  absl::MutexLock lock(&mu_);
  auto it = open_.find(subscription);
  if (it == open_.end()) return false;
  auto count = per_caller_.find(it->second.caller);
  if (count != per_caller_.end() && --count->second <= 0) per_caller_.erase(count);
  released = std::move(it->second);
  open_.erase(it);
  return true;
}

void SubscriptionRegistry::StopAll(absl::Duration grace) {
  std::vector<std::shared_ptr<Stoppable>> open;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (const auto& [raw, admitted] : open_) open.push_back(admitted.subscription);
  }
  for (auto& s : open) s->Stop();
  open.clear();
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(
      absl::Condition(
          +[](absl::flat_hash_map<Stoppable*, Admitted>* open) { return open->empty(); }, &open_),
      grace);
}

void SubscriptionRegistry::Clear() {
  absl::flat_hash_map<Stoppable*, Admitted> dropped;
  absl::MutexLock lock(&mu_);
  dropped.swap(open_);
  per_caller_.clear();
}

int SubscriptionRegistry::open() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(open_.size());
}

}  // namespace awsfacade::service::subscriptions
