#include "service/consumer_groups/lease_coordinator.h"

#include <algorithm>
#include <utility>

#include "absl/container/btree_map.h"

namespace awsfacade::service::consumer_groups {

LeaseCoordinator::LeaseCoordinator(std::string member_id, const backends::Clock* clock,
                                   LeaseCoordinatorOptions options)
    : member_id_(std::move(member_id)), clock_(clock), options_(options) {}

void LeaseCoordinator::Observe(absl::Span<const Lease> leases) {
  const absl::Time now = clock_->Now();
  for (const Lease& lease : leases) {
    auto [it, inserted] = seen_.try_emplace(lease.lease_key, Seen{lease, now});
    // The counter moving (or going back, after a delete and re-create) is
    // the only sign of life that counts; the time is ours, never the writer's.
    if (!inserted && it->second.lease.counter != lease.counter) it->second.counter_since = now;
    it->second.lease = lease;
  }
}

bool LeaseCoordinator::ExpiredAt(const Seen& seen, absl::Time now) const {
  return seen.lease.owner.empty() || now - seen.counter_since >= options_.lease_duration;
}

bool LeaseCoordinator::Expired(absl::string_view lease_key) const {
  auto it = seen_.find(lease_key);
  return it != seen_.end() && ExpiredAt(it->second, clock_->Now());
}

bool LeaseCoordinator::Assignable(const Lease& lease) const {
  if (lease.finished()) return false;
  return std::all_of(lease.parent_shard_ids.begin(), lease.parent_shard_ids.end(),
                     [this](const std::string& parent) {
                       auto it = seen_.find(parent);
                       return it == seen_.end() || it->second.lease.finished();
                     });
}

LeasePlan LeaseCoordinator::Decide(absl::Span<const std::string> members) const {
  const absl::Time now = clock_->Now();
  // Ordered by key, so that members seeing the same table decide alike.
  absl::btree_map<std::string, const Seen*> assignable;
  for (const auto& [key, seen] : seen_) {
    if (Assignable(seen.lease)) assignable.emplace(key, &seen);
  }
  // Leases held per live member; this member's own leases count as held even
  // when it has not seen them move (its renewals will tell).
  absl::btree_map<std::string, int> load;
  for (const std::string& member : members) load.emplace(member, 0);
  load.emplace(member_id_, 0);
  std::vector<Lease> mine;
  std::vector<Lease> free;
  for (const auto& [key, seen] : assignable) {
    const Lease& lease = seen->lease;
    if (lease.owner == member_id_) {
      mine.push_back(lease);
      ++load[member_id_];
    } else if (ExpiredAt(*seen, now)) {
      free.push_back(lease);
    } else {
      ++load[lease.owner];
    }
  }
  const int leases = static_cast<int>(assignable.size());
  const int live = static_cast<int>(load.size());
  const int target = (leases + live - 1) / live;

  LeasePlan plan;
  int& own = load[member_id_];
  for (const Lease& lease : free) {
    if (own >= target) break;
    plan.take.push_back(lease);
    ++own;
  }
  // Hand-overs only once nothing is free: until then the lighter members
  // fill up by taking, and handing over as well would overshoot. A member
  // above the target gives its surplus; one at the target gives only when
  // no member is above it (each gives to the lightest, and several giving
  // from the same view would overshoot).
  if (free.empty()) {
    bool others_over_target = false;
    for (const auto& [member, held] : load) {
      if (member != member_id_ && held > target) others_over_target = true;
    }
    while (!mine.empty()) {
      auto lightest = load.end();
      for (auto it = load.begin(); it != load.end(); ++it) {
        if (it->first == member_id_) continue;
        if (lightest == load.end() || it->second < lightest->second) lightest = it;
      }
      if (lightest == load.end() || own <= lightest->second + 1) break;
      if (own <= target && others_over_target) break;
      plan.hand_over.push_back({mine.back(), lightest->first});
      mine.pop_back();
      --own;
      ++lightest->second;
    }
  }
  plan.renew = std::move(mine);
  return plan;
}

void MemberLiveness::Observe(absl::Span<const std::pair<std::string, int64_t>> members) {
  const absl::Time now = clock_->Now();
  absl::flat_hash_map<std::string, Seen> next;
  for (const auto& [owner, beat] : members) {
    auto it = seen_.find(owner);
    const bool same = it != seen_.end() && it->second.beat == beat;
    next.emplace(owner, Seen{beat, same ? it->second.since : now});
  }
  seen_ = std::move(next);
}

std::vector<std::string> MemberLiveness::Live() const {
  const absl::Time now = clock_->Now();
  std::vector<std::string> live;
  for (const auto& [owner, seen] : seen_) {
    if (now - seen.since < lease_duration_) live.push_back(owner);
  }
  std::sort(live.begin(), live.end());
  return live;
}

std::vector<std::pair<std::string, int64_t>> MemberLiveness::Stale(absl::Duration after) const {
  const absl::Time now = clock_->Now();
  std::vector<std::pair<std::string, int64_t>> stale;
  for (const auto& [owner, seen] : seen_) {
    if (now - seen.since >= after) stale.emplace_back(owner, seen.beat);
  }
  return stale;
}

}  // namespace awsfacade::service::consumer_groups
