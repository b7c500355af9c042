#include "service/consumer_groups/group_member.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"
#include "service/status_conversion.h"

namespace awsfacade::service::consumer_groups {
namespace {

namespace cg = ::awsfacade::consumergroups::v1;
namespace streams = ::aws::dynamodbstreams::v1;

// Members not seen beating for this many lease durations are removed from
// the membership item by whoever sees it (a replica killed outright never
// removes its own).
constexpr int kStaleMemberLeaseDurations = 3;
// Retries of a write that lost only to a checkpoint by the same owner.
constexpr int kSameOwnerRetries = 5;

bool IsLeaseLost(const absl::Status& status) {
  return backends::AwsErrorName(status) == kLeaseLostException;
}

}  // namespace

void Strand::Post(absl::AnyInvocable<void() &&> fn) {
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(fn));
    if (running_) return;
    running_ = true;
  }
  executor_->Run([self = shared_from_this()] { self->Drain(); });
}

void Strand::Drain() {
  while (true) {
    absl::AnyInvocable<void() &&> fn;
    {
      absl::MutexLock lock(&mu_);
      if (queue_.empty()) {
        running_ = false;
        return;
      }
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(fn)();
  }
}

GroupMember::GroupMember(GroupMemberDeps deps, std::unique_ptr<LeaseTable> table,
                         std::string stream_arn, std::string group, std::string lease_owner,
                         GroupMemberOptions options)
    : deps_(deps),
      table_(std::move(table)),
      stream_arn_(std::move(stream_arn)),
      group_(std::move(group)),
      owner_(std::move(lease_owner)),
      options_(std::move(options)),
      strand_(std::make_shared<Strand>(deps.executor)),
      coordinator_(owner_, deps.clock.get(), LeaseCoordinatorOptions{options_.lease_duration}),
      liveness_(deps.clock.get(), options_.lease_duration) {}

void GroupMember::Start(std::shared_ptr<MemberOutput> output) {
  {
    absl::MutexLock lock(&mu_);
    output_ = std::move(output);
  }
  cg::JoinGroupResponse joined;
  joined.mutable_joined()->set_lease_owner(owner_);
  joined.mutable_joined()->set_lease_table_name(table_->table_name());
  Send(std::move(joined));
}

void GroupMember::Send(cg::JoinGroupResponse event, absl::AnyInvocable<void() &&> written,
                       absl::AnyInvocable<bool()> wanted) {
  std::shared_ptr<MemberOutput> output;
  {
    absl::MutexLock lock(&mu_);
    output = output_;
    last_sent_ = deps_.clock->Now();
  }
  if (output != nullptr) output->Send(std::move(event), std::move(written), std::move(wanted));
}

void GroupMember::End(const grpc::Status& status) {
  std::shared_ptr<MemberOutput> output;
  {
    absl::MutexLock lock(&mu_);
    output = output_;
  }
  if (output != nullptr) output->Close(status);
}

void GroupMember::Tick() {
  // Ticks slower than the timer (a slow backend) do not pile up: at most one
  // waits behind the one running.
  if (tick_queued_.exchange(true)) return;
  strand_->Post([self = shared_from_this()] {
    self->tick_queued_ = false;
    self->RunTick();
  });
}

void GroupMember::RunTick() {
  {
    absl::MutexLock lock(&mu_);
    if (left_) return;
  }
  // A failed round changes nothing: leases not renewed in time expire and
  // are taken over, exactly as when the replica dies; the next tick retries.
  (void)TickSteps();
}

absl::Status GroupMember::TickSteps() {
  // The registry (ListGroups) is created alongside the lease table, so the
  // group is listed by the time its first lease is taken.
  if (!registered_) {
    std::unique_ptr<LeaseTable> registry = LeaseTable::Registry(deps_.ddb.get());
    absl::StatusOr<LeaseTable::TableState> state = registry->EnsureTable();
    if (state.ok() && *state == LeaseTable::TableState::kActive) {
      registered_ = registry->RegisterGroup(stream_arn_, group_).ok();
    }
  }
  if (!table_active_) {
    absl::StatusOr<LeaseTable::TableState> state = table_->EnsureTable();
    if (!state.ok()) return state.status();
    table_active_ = *state == LeaseTable::TableState::kActive;
    if (!table_active_) return absl::OkStatus();
  }
  // The shard list changes only on rollover: read it again every
  // shard_list_refresh (DescribeStream is rate-limited per account), or at
  // once after a held shard ended (its children are new).
  bool ended = false;
  {
    absl::MutexLock lock(&mu_);
    std::swap(ended, shard_ended_);
  }
  const absl::Time now = deps_.clock->Now();
  if (!shards_read_at_.has_value() || ended ||
      now - *shards_read_at_ >= options_.shard_list_refresh) {
    absl::StatusOr<std::vector<streams::Shard>> read =
        ListStreamShards(*deps_.streams, stream_arn_);
    if (!read.ok()) {
      // No such stream (or it was deleted): joining it cannot succeed.
      if (backends::AwsErrorName(read.status()) == "ResourceNotFoundException") {
        std::shared_ptr<MemberOutput> output;
        {
          absl::MutexLock lock(&mu_);
          output = output_;
        }
        if (output != nullptr) output->Close(ToGrpcStatus(read.status(), kConsumerGroupsDomain));
      }
      return read.status();
    }
    shards_ = *std::move(read);
    shards_read_at_ = now;
  }
  const std::vector<streams::Shard>* shards = &shards_;
  std::vector<streams::Shard> fresh;
  std::vector<std::string> keys;
  for (const streams::Shard& shard : *shards) {
    keys.push_back(shard.shard_id());
    if (!known_leases_.contains(shard.shard_id())) fresh.push_back(shard);
  }
  if (absl::StatusOr<int> created = CreateMissingLeases(*table_, fresh, options_.initial_position);
      !created.ok()) {
    return created.status();
  }
  for (const streams::Shard& shard : fresh) known_leases_.insert(shard.shard_id());

  if (absl::Status beat = table_->Heartbeat(owner_, ++beat_); !beat.ok()) return beat;
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> members = table_->ListMembers();
  if (!members.ok()) return members.status();
  liveness_.Observe(*members);
  for (const auto& [owner, beat] :
       liveness_.Stale(options_.lease_duration * kStaleMemberLeaseDurations)) {
    (void)table_->RemoveMember(owner, beat);
  }

  FixedLeaseKeys source(std::move(keys));
  absl::StatusOr<std::vector<Lease>> leases = table_->ListLeases(source);
  if (!leases.ok()) return leases.status();
  coordinator_.Observe(*leases);
  Reconcile(*leases);

  LeasePlan plan = coordinator_.Decide(liveness_.Live());
  for (const Lease& lease : plan.renew) Renew(lease);
  for (const Lease& lease : plan.take) {
    absl::StatusOr<Lease> taken = table_->TakeLease(lease, owner_);
    if (!taken.ok()) continue;  // another member was quicker
    coordinator_.Observe({*taken});
    Assign(*taken);
  }
  for (const LeasePlan::HandOver& give : plan.hand_over) {
    Revoke(give.lease.lease_key, cg::REVOKE_REASON_HANDED_OVER, give.to);
  }

  std::vector<std::string> reopen;
  bool beat_due = false;
  std::vector<std::string> held;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [shard_id, h] : held_) {
      held.push_back(shard_id);
      if (h.reopen && !h.ended) reopen.push_back(shard_id);
    }
    beat_due = deps_.clock->Now() - last_sent_ >= options_.heartbeat_interval;
  }
  for (const std::string& shard_id : reopen) OpenFeed(shard_id);
  if (beat_due) {
    std::sort(held.begin(), held.end());
    cg::JoinGroupResponse heartbeat;
    for (std::string& shard_id : held) heartbeat.mutable_heartbeat()->add_shard_ids(shard_id);
    Send(std::move(heartbeat));
  }
  return absl::OkStatus();
}

void GroupMember::Reconcile(const std::vector<Lease>& leases) {
  absl::flat_hash_map<std::string, const Lease*> by_key;
  for (const Lease& lease : leases) by_key.emplace(lease.lease_key, &lease);
  std::vector<std::pair<std::string, cg::RevokeReason>> revoke;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [shard_id, h] : held_) {
      auto it = by_key.find(shard_id);
      if (it == by_key.end() || it->second->owner != owner_) {
        revoke.emplace_back(shard_id, cg::REVOKE_REASON_LEASE_LOST);
      } else if (it->second->finished()) {
        revoke.emplace_back(shard_id, cg::REVOKE_REASON_FINISHED);
      } else {
        // Still ours: a Checkpoint RPC through another replica may have
        // moved the counter; keep our lag report.
        const int64_t lag = h.lease.millis_behind_latest;
        h.lease = *it->second;
        h.lease.millis_behind_latest = lag;
      }
    }
  }
  for (const auto& [shard_id, reason] : revoke) Revoke(shard_id, reason);
}

absl::StatusOr<Lease> GroupMember::WriteHeld(
    const Lease& lease, const std::function<absl::StatusOr<Lease>(const Lease&)>& write) {
  Lease current = lease;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Lease> written = write(current);
    if (written.ok() || !IsLeaseLost(written.status()) || attempt == kSameOwnerRetries) {
      return written;
    }
    absl::StatusOr<std::optional<Lease>> fresh = table_->GetLease(current.lease_key);
    if (!fresh.ok()) return fresh.status();
    if (!fresh->has_value() || (*fresh)->owner != owner_) {
      if (fresh->has_value()) coordinator_.Observe({**fresh});
      return written;  // truly lost
    }
    const int64_t lag = current.millis_behind_latest;
    current = **fresh;
    current.millis_behind_latest = lag;
  }
}

void GroupMember::Renew(const Lease& seen) {
  Lease lease;
  bool received = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(seen.lease_key);
    if (it == held_.end()) {
      // Ours in the table but not held here: being handed over by us (not
      // renewed), or handed over to us by another member (ours now).
      if (!giving_.contains(seen.lease_key)) received = true;
    } else {
      lease = it->second.lease;
      lease.millis_behind_latest = it->second.millis_behind_latest;
    }
  }
  if (received) {
    Assign(seen);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(seen.lease_key);
    if (it == held_.end()) return;
    lease = it->second.lease;
    lease.millis_behind_latest = it->second.millis_behind_latest;
  }
  absl::StatusOr<Lease> renewed =
      WriteHeld(lease, [this](const Lease& l) { return table_->RenewLease(l); });
  if (!renewed.ok()) {
    if (IsLeaseLost(renewed.status())) Revoke(seen.lease_key, cg::REVOKE_REASON_LEASE_LOST);
    return;
  }
  coordinator_.Observe({*renewed});
  absl::MutexLock lock(&mu_);
  auto it = held_.find(seen.lease_key);
  if (it != held_.end()) it->second.lease = *renewed;
}

void GroupMember::Assign(const Lease& lease) {
  {
    absl::MutexLock lock(&mu_);
    Held& h = held_[lease.lease_key];
    h = Held();
    h.lease = lease;
    h.epoch = next_epoch_++;
  }
  cg::JoinGroupResponse assigned;
  cg::ShardAssigned& a = *assigned.mutable_shard_assigned();
  a.set_shard_id(lease.lease_key);
  a.set_resume_after(lease.checkpoint);
  a.set_lease_proof(owner_);
  for (const std::string& parent : lease.parent_shard_ids) a.add_parent_shard_ids(parent);
  Send(std::move(assigned));
  OpenFeed(lease.lease_key);
}

void GroupMember::OpenFeed(const std::string& shard_id) {
  streams::SubscribeToShardRequest request;
  request.set_stream_arn(stream_arn_);
  request.set_shard_id(shard_id);
  *request.mutable_options() = options_.subscription;
  uint64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(shard_id);
    if (it == held_.end() || left_) return;
    Held& h = it->second;
    h.epoch = next_epoch_++;  // events of an earlier feed are ignored from now on
    h.reopen = false;
    h.next_pending = false;
    epoch = h.epoch;
    const std::string& from =
        h.last_sequence_number.empty() ? h.lease.checkpoint : h.last_sequence_number;
    if (from == kTrimHorizon || from == kLatest) {
      request.mutable_starting_position()->set_type(from);
    } else {
      request.mutable_starting_position()->set_type("AFTER_SEQUENCE_NUMBER");
      request.mutable_starting_position()->set_sequence_number(from);
    }
  }
  std::weak_ptr<GroupMember> weak = weak_from_this();
  std::shared_ptr<ShardFeed> feed = deps_.source->Open(
      request,
      [weak, shard_id, epoch](streams::SubscribeToShardResponse event) {
        if (auto self = weak.lock()) self->OnFeedEvent(shard_id, epoch, std::move(event));
      },
      [weak, shard_id, epoch](const grpc::Status& status) {
        if (auto self = weak.lock()) self->OnFeedEnd(shard_id, epoch, status);
      });
  bool stale = false;
  bool next = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(shard_id);
    if (it == held_.end() || it->second.epoch != epoch || left_) {
      stale = true;
    } else {
      it->second.feed = feed;
      next = it->second.next_pending;
      it->second.next_pending = false;
    }
  }
  if (stale) feed->Cancel();
  if (next) feed->Next();
}

void GroupMember::OnFeedEvent(const std::string& shard_id, uint64_t epoch,
                              streams::SubscribeToShardResponse event) {
  std::shared_ptr<ShardFeed> feed;
  cg::JoinGroupResponse out;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(shard_id);
    if (it == held_.end() || it->second.epoch != epoch) return;  // revoked: feed cancelled
    Held& h = it->second;
    feed = h.feed;
    switch (event.event_case()) {
      case streams::SubscribeToShardResponse::kRecords: {
        cg::ShardRecords& records = *out.mutable_records();
        records.set_shard_id(shard_id);
        for (streams::SubscribedRecord& r : *event.mutable_records()->mutable_records()) {
          *records.add_records() = std::move(*r.mutable_record());
        }
        if (records.records_size() == 0) break;
        const std::string& last =
            records.records(records.records_size() - 1).dynamodb().sequence_number();
        records.set_checkpoint_sequence_number(last);
        records.set_millis_behind_latest(event.records().millis_behind_latest());
        records.set_lease_proof(owner_);
        h.last_sequence_number = last;
        h.millis_behind_latest = event.records().millis_behind_latest();
        break;
      }
      case streams::SubscribeToShardResponse::kShardEnd: {
        h.ended = true;
        shard_ended_ = true;
        cg::ShardEnded& ended = *out.mutable_shard_ended();
        ended.set_shard_id(shard_id);
        *ended.mutable_child_shard_ids() = event.shard_end().child_shard_ids();
        ended.set_lease_proof(owner_);
        break;
      }
      case streams::SubscribeToShardResponse::kHeartbeat:
        h.millis_behind_latest = event.heartbeat().millis_behind_latest();
        break;
      default:
        break;
    }
  }
  if (out.event_case() == cg::JoinGroupResponse::EVENT_NOT_SET) {
    if (feed != nullptr) {
      feed->Next();
    } else {
      OnWritten(shard_id, epoch);  // not stored yet: remember to ask
    }
    return;
  }
  std::weak_ptr<GroupMember> weak = weak_from_this();
  std::string checkpoint;
  std::vector<std::string> children;
  if (options_.auto_checkpoint) {
    if (out.has_records()) {
      checkpoint = out.records().checkpoint_sequence_number();
    } else {
      checkpoint = kShardEnd;
      children.assign(out.shard_ended().child_shard_ids().begin(),
                      out.shard_ended().child_shard_ids().end());
    }
  }
  Send(
      std::move(out),
      [weak, shard_id, epoch, checkpoint, children]() {
        auto self = weak.lock();
        if (self == nullptr) return;
        self->OnWritten(shard_id, epoch);
        if (checkpoint.empty()) return;
        self->strand_->Post([self, shard_id, checkpoint, children] {
          self->CheckpointOnStrand(shard_id, checkpoint, children, nullptr);
        });
      },
      // Revoked between the check above and the enqueue: dropped, so no
      // record of the shard follows its ShardRevoked.
      [this, shard_id, epoch] { return Holds(shard_id, epoch); });
}

bool GroupMember::Holds(const std::string& shard_id, uint64_t epoch) const {
  absl::MutexLock lock(&mu_);
  auto it = held_.find(shard_id);
  return it != held_.end() && it->second.epoch == epoch;
}

void GroupMember::OnWritten(const std::string& shard_id, uint64_t epoch) {
  std::shared_ptr<ShardFeed> feed;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(shard_id);
    if (it == held_.end() || it->second.epoch != epoch) return;
    if (it->second.feed == nullptr) {
      it->second.next_pending = true;
      return;
    }
    feed = it->second.feed;
  }
  feed->Next();
}

void GroupMember::OnFeedEnd(const std::string& shard_id, uint64_t epoch,
                            const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  auto it = held_.find(shard_id);
  if (it == held_.end() || it->second.epoch != epoch) return;
  Held& h = it->second;
  h.feed = nullptr;
  // After ShardEnd the end is expected. Any other end (the engine shutting
  // down, a transient failure): the next tick reads on from the last record
  // sent, so nothing is lost or repeated within the lease.
  h.reopen = !h.ended;
  // The position was trimmed (older than 24 hours): as the KCL does, go on
  // from the oldest record still there.
  if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) h.last_sequence_number = kTrimHorizon;
}

void GroupMember::Revoke(const std::string& shard_id, cg::RevokeReason reason,
                         std::string hand_to) {
  std::shared_ptr<ShardFeed> feed;
  Lease lease;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(shard_id);
    if (it == held_.end()) return;
    feed = std::move(it->second.feed);
    lease = it->second.lease;
    held_.erase(it);
  }
  if (feed != nullptr) feed->Cancel();
  cg::JoinGroupResponse revoked;
  revoked.mutable_shard_revoked()->set_shard_id(shard_id);
  revoked.mutable_shard_revoked()->set_reason(reason);
  if (reason != cg::REVOKE_REASON_HANDED_OVER) {
    Send(std::move(revoked));
    return;
  }
  // The new owner starts only once this member has been told (after the
  // batch in flight), so the two never process the shard at once.
  giving_.insert(shard_id);
  std::weak_ptr<GroupMember> weak = weak_from_this();
  Send(std::move(revoked), [weak, lease, hand_to] {
    auto self = weak.lock();
    if (self == nullptr) return;
    self->strand_->Post([self, lease, hand_to] {
      absl::StatusOr<Lease> handed = self->WriteHeld(
          lease, [&](const Lease& l) { return self->table_->HandOver(l, hand_to); });
      if (handed.ok()) self->coordinator_.Observe({*handed});
      self->giving_.erase(lease.lease_key);
    });
  });
}

void GroupMember::Checkpoint(std::string shard_id, std::string sequence_number,
                             absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> done) {
  strand_->Post([self = shared_from_this(), shard_id = std::move(shard_id),
                 sequence_number = std::move(sequence_number), done = std::move(done)]() mutable {
    self->CheckpointOnStrand(shard_id, sequence_number, {}, std::move(done));
  });
}

void GroupMember::CheckpointOnStrand(const std::string& shard_id,
                                     const std::string& sequence_number,
                                     const std::vector<std::string>& children,
                                     absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> done) {
  Lease lease;
  std::vector<std::string> child_ids = children;
  bool held = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = held_.find(shard_id);
    if (it != held_.end()) {
      held = true;
      lease = it->second.lease;
    }
  }
  absl::StatusOr<int64_t> result;
  if (!held) {
    result = backends::AwsError(
        kLeaseLostException,
        absl::StrCat("shard ", shard_id, " of group ", group_, " is not held by ", owner_));
  } else {
    absl::StatusOr<Lease> written = WriteHeld(lease, [&](const Lease& l) {
      return table_->Checkpoint(l, sequence_number, 0, child_ids);
    });
    if (written.ok()) {
      coordinator_.Observe({*written});
      {
        absl::MutexLock lock(&mu_);
        auto it = held_.find(shard_id);
        if (it != held_.end()) it->second.lease = *written;
      }
      if (written->finished()) Revoke(shard_id, cg::REVOKE_REASON_FINISHED);
      result = written->counter;
    } else {
      if (IsLeaseLost(written.status())) Revoke(shard_id, cg::REVOKE_REASON_LEASE_LOST);
      result = written.status();
    }
  }
  if (done) std::move(done)(std::move(result));
}

void GroupMember::Leave(absl::AnyInvocable<void() &&> done) {
  std::vector<std::shared_ptr<ShardFeed>> feeds;
  {
    absl::MutexLock lock(&mu_);
    if (left_) {
      if (done) std::move(done)();
      return;
    }
    left_ = true;
    output_ = nullptr;
    for (auto& [shard_id, h] : held_) {
      if (h.feed != nullptr) feeds.push_back(std::move(h.feed));
    }
  }
  for (auto& feed : feeds) feed->Cancel();
  strand_->Post([self = shared_from_this(), done = std::move(done)]() mutable {
    std::vector<Lease> leases;
    {
      absl::MutexLock lock(&self->mu_);
      for (auto& [shard_id, h] : self->held_) leases.push_back(h.lease);
      self->held_.clear();
    }
    // Released leases are free at once for the others: no expiry to wait.
    for (const Lease& lease : leases) {
      (void)self->WriteHeld(lease, [&](const Lease& l) { return self->table_->HandOver(l, ""); });
    }
    if (self->table_active_) (void)self->table_->RemoveMember(self->owner_);
    if (done) std::move(done)();
  });
}

std::vector<std::string> GroupMember::HeldShards() const {
  std::vector<std::string> shards;
  absl::MutexLock lock(&mu_);
  for (const auto& [shard_id, h] : held_) shards.push_back(shard_id);
  std::sort(shards.begin(), shards.end());
  return shards;
}

absl::StatusOr<int64_t> CheckpointByProof(LeaseTable& table, absl::string_view shard_id,
                                          absl::string_view sequence_number,
                                          absl::string_view lease_proof) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::optional<Lease>> lease = table.GetLease(shard_id);
    if (!lease.ok()) return lease.status();
    if (!lease->has_value()) {
      return backends::AwsError(
          "ResourceNotFoundException",
          absl::StrCat("no lease for shard ", shard_id, " in ", table.table_name()), "ShardId");
    }
    if ((*lease)->owner != lease_proof) {
      return backends::AwsError(
          kLeaseLostException,
          absl::StrCat("the lease on shard ", shard_id, " is held by ",
                       (*lease)->owner.empty() ? "nobody" : (*lease)->owner, ", not by ",
                       lease_proof, ": the checkpoint was not written"));
    }
    absl::StatusOr<Lease> written = table.Checkpoint(**lease, sequence_number);
    if (written.ok()) return written->counter;
    if (!IsLeaseLost(written.status()) || attempt == kSameOwnerRetries) return written.status();
  }
}

}  // namespace awsfacade::service::consumer_groups
