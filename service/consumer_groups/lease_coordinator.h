#ifndef AWSFACADE_SERVICE_CONSUMER_GROUPS_LEASE_COORDINATOR_H_
#define AWSFACADE_SERVICE_CONSUMER_GROUPS_LEASE_COORDINATOR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "backends/common/clock.h"
#include "service/consumer_groups/lease_table.h"

namespace awsfacade::service::consumer_groups {

struct LeaseCoordinatorOptions {
  // A lease whose leaseCounter this member has not seen move for this long is
  // expired (KCL's failoverTimeMillis, default 10 s). The caller's timer
  // should tick (list, Observe, Decide, act) well within it, e.g. every third.
  absl::Duration lease_duration = absl::Seconds(10);
};

// What one member should do now. Every entry carries the lease as this
// member last saw it (its counter is the condition of the write).
struct LeasePlan {
  std::vector<Lease> renew;  // held leases to renew (LeaseTable::RenewLease)
  std::vector<Lease> take;   // unowned or expired leases to take (TakeLease)
  struct HandOver {
    Lease lease;
    std::string to;
  };
  std::vector<HandOver> hand_over;  // held leases to give away (LeaseTable::HandOver)
};

// The lease logic of one member, KCL-style, on an injected clock: no threads,
// no I/O. Its caller's timer lists the table's leases, hands them to
// Observe(), asks Decide() and carries the plan out through LeaseTable
// (feeding the leases the writes return to Observe() again).
//
// Rules (docs/consumer-groups.md):
// * Expiry: a lease is expired when this member has seen its leaseCounter
//   unchanged for lease_duration by its own clock, counted from when it first
//   saw that counter; clocks of different machines are never compared. A
//   lease seen for the first time is not expired until it has stood still
//   for lease_duration. An unowned lease is free at once.
// * Parents before children: a lease is assignable only when every parent
//   named in parentShardId has no lease (trimmed away) or is checkpointed at
//   SHARD_END. Finished leases (at SHARD_END) are neither renewed nor taken.
// * Even spread: live members are `members`, this member, and the owners of
//   unexpired leases. With N assignable leases over M live members no member
//   aims at more than ceil(N/M): it takes free or expired leases up to that.
//   Once no lease is free, a member holding more than ceil(N/M), or more
//   than the least loaded live member plus one while no other member is
//   above ceil(N/M), hands one over to the least loaded (gracefully, so a new
//   member gets its share without waiting for an expiry).
// Thread-compatible.
class LeaseCoordinator {
 public:
  LeaseCoordinator(std::string member_id, const backends::Clock* clock,
                   LeaseCoordinatorOptions options = {});

  const std::string& member_id() const { return member_id_; }

  // Records what the member read (or wrote): `leases` as they are now.
  // Leases not listed keep what was seen of them; call Forget() for gone ones.
  void Observe(absl::Span<const Lease> leases);
  void Forget(absl::string_view lease_key) { seen_.erase(lease_key); }

  // The plan for now, from everything observed, `members` being the live
  // members this member knows of (it counts itself either way).
  LeasePlan Decide(absl::Span<const std::string> members) const;

  // Whether this member, by its own clock, sees `lease_key`'s lease expired.
  bool Expired(absl::string_view lease_key) const;

 private:
  struct Seen {
    Lease lease;
    absl::Time counter_since;  // when this member first saw lease.counter
  };
  bool ExpiredAt(const Seen& seen, absl::Time now) const;
  bool Assignable(const Lease& lease) const;

  std::string member_id_;
  const backends::Clock* clock_;
  LeaseCoordinatorOptions options_;
  absl::flat_hash_map<std::string, Seen> seen_;
};

// Which members of a group are alive, judged as leases are: a member whose
// heartbeat number (LeaseTable::ListMembers) this observer has not seen move
// for lease_duration, by its own clock, is gone; one seen for the first time
// counts as alive from that moment. Thread-compatible.
class MemberLiveness {
 public:
  MemberLiveness(const backends::Clock* clock, absl::Duration lease_duration)
      : clock_(clock), lease_duration_(lease_duration) {}

  // Records the table's members as read now; members no longer listed are
  // forgotten.
  void Observe(absl::Span<const std::pair<std::string, int64_t>> members);
  // The live members, sorted.
  std::vector<std::string> Live() const;
  // Members seen standing still for at least `after`, with their beat: the
  // ones to remove from the table (conditional on that beat).
  std::vector<std::pair<std::string, int64_t>> Stale(absl::Duration after) const;

 private:
  struct Seen {
    int64_t beat;
    absl::Time since;
  };
  const backends::Clock* clock_;
  absl::Duration lease_duration_;
  absl::flat_hash_map<std::string, Seen> seen_;
};

}  // namespace awsfacade::service::consumer_groups

#endif  // AWSFACADE_SERVICE_CONSUMER_GROUPS_LEASE_COORDINATOR_H_
