#include "service/consumer_groups/consumer_groups_service.h"

#include <algorithm>
#include <deque>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/common/aws_error.h"
#include "service/subscriptions/subscription_options.h"

namespace awsfacade::service::consumer_groups {
namespace {

namespace cg = ::awsfacade::consumergroups::v1;
namespace streams = ::aws::dynamodbstreams::v1;

constexpr size_t kMaxMemberIdChars = 128;

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return backends::AwsError("ValidationException", message, field);
}

absl::Status Required(absl::string_view field, const std::string& value) {
  if (!value.empty()) return absl::OkStatus();
  return Invalid(field, absl::StrCat(field, " is required"));
}

absl::Status ValidMemberId(const std::string& id) {
  const bool valid = !id.empty() && id.size() <= kMaxMemberIdChars &&
                     std::all_of(id.begin(), id.end(), [](char c) {
                       return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
                     });
  if (valid) return absl::OkStatus();
  return Invalid("MemberId",
                 absl::StrCat("member id must be 1 to ", kMaxMemberIdChars,
                              " characters of [A-Za-z0-9_.-], got \"", absl::CHexEscape(id), "\""));
}

absl::Status ValidSequenceNumber(const std::string& checkpoint) {
  const bool digits = !checkpoint.empty() && checkpoint.size() <= 40 &&
                      std::all_of(checkpoint.begin(), checkpoint.end(), absl::ascii_isdigit);
  if (digits || checkpoint == kShardEnd) return absl::OkStatus();
  return Invalid("SequenceNumber",
                 absl::StrCat("sequence number must be the CheckpointSequenceNumber of a Records "
                              "event or SHARD_END, got \"",
                              absl::CHexEscape(checkpoint), "\""));
}

// The lease owner of one JoinGroup call: the member's name and a random
// suffix, so a restarted member never holds (or checkpoints) as its previous
// life did.
std::string LeaseOwnerFor(const std::string& member_id) {
  std::random_device random;
  return absl::StrFormat("%s:%08x", member_id, random());
}

// The JoinGroup stream's write queue. Shared with the member, which may send
// after the call ended: the reactor detaches on OnDone and later sends are
// dropped. Writes start under the queue's lock, so the reactor cannot go
// away between the check and the write.
class OutputQueue final : public MemberOutput {
 public:
  explicit OutputQueue(grpc::ServerWriteReactor<cg::JoinGroupResponse>* reactor)
      : reactor_(reactor) {}

  void Send(cg::JoinGroupResponse event, absl::AnyInvocable<void() &&> written,
            absl::AnyInvocable<bool()> wanted) override {
    absl::MutexLock lock(&mu_);
    if (reactor_ == nullptr || finishing_) return;
    if (wanted && !wanted()) return;
    queue_.push_back({std::move(event), std::move(written)});
    WriteNextLocked();
  }

  void Close(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    FinishLocked(status);
  }

  void OnWriteDone(bool ok) {
    absl::AnyInvocable<void() &&> written;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      written = std::move(current_.written);
      if (!ok) {
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "member stream cancelled"));
        return;
      }
    }
    if (written) std::move(written)();
    absl::MutexLock lock(&mu_);
    WriteNextLocked();
  }

  void Detach() {
    absl::MutexLock lock(&mu_);
    reactor_ = nullptr;
    queue_.clear();
  }

 private:
  struct Pending {
    cg::JoinGroupResponse event;
    absl::AnyInvocable<void() &&> written;
  };

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr || writing_) return;
    if (finishing_) {
      // Finish waits for the write in flight (one operation at a time).
      if (!finished_) {
        finished_ = true;
        reactor_->Finish(final_status_);
      }
      return;
    }
    if (queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    reactor_->StartWrite(&current_.event);
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_) return;
    finishing_ = true;
    final_status_ = status;
    queue_.clear();
    WriteNextLocked();
  }

  absl::Mutex mu_;
  grpc::ServerWriteReactor<cg::JoinGroupResponse>* reactor_ ABSL_GUARDED_BY(mu_);
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  Pending current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

// A third of the lease (the KCL's renewal rate), at most half a second: an
// observer sees a dead holder's last renewal up to a tick late and checks
// expiry once a tick, so a lease is taken over within lease_duration plus
// about two ticks of its holder's death.
absl::Duration TickInterval(absl::Duration lease_duration) {
  return std::min(lease_duration / 3, absl::Milliseconds(500));
}

// Ticks a member every `interval` until it leaves or is gone.
void TickEvery(Scheduler* timers, absl::Duration interval, std::weak_ptr<GroupMember> weak) {
  std::shared_ptr<GroupMember> member = weak.lock();
  if (member == nullptr || member->left()) return;
  member->Tick();
  timers->RunAfter(interval, [timers, interval, weak] { TickEvery(timers, interval, weak); });
}

class MemberStream final : public grpc::ServerWriteReactor<cg::JoinGroupResponse> {
 public:
  MemberStream(std::shared_ptr<GroupMember> member, std::function<void()> on_done)
      : member_(std::move(member)),
        output_(std::make_shared<OutputQueue>(this)),
        on_done_(std::move(on_done)) {}

  void Begin(Scheduler* timers, absl::Duration tick) {
    member_->Start(output_);
    TickEvery(timers, tick, member_);
  }

  void OnWriteDone(bool ok) override { output_->OnWriteDone(ok); }
  void OnCancel() override {
    member_->Leave();
    output_->Close(grpc::Status(grpc::StatusCode::CANCELLED, "member left"));
  }
  void OnDone() override {
    output_->Detach();
    member_->Leave();
    on_done_();
    delete this;
  }

 private:
  std::shared_ptr<GroupMember> member_;
  std::shared_ptr<OutputQueue> output_;
  std::function<void()> on_done_;
};

}  // namespace

ConsumerGroupsService::ConsumerGroupsService(
    std::shared_ptr<backends::DynamoDbBackend> ddb,
    std::shared_ptr<backends::DynamoDbStreamsBackend> streams, std::shared_ptr<ShardSource> source,
    Executor* executor, Scheduler* timers, const Authorizer* authz, ConsumerGroupsOptions options)
    : ddb_(std::move(ddb)),
      streams_(std::move(streams)),
      source_(std::move(source)),
      handler_{executor, timers, kConsumerGroupsDomain, authz},
      options_(std::move(options)) {
  if (options_.clock == nullptr) options_.clock = std::make_shared<backends::SystemClock>();
}

ConsumerGroupsService::~ConsumerGroupsService() {
  // Members still ticking stop at their next tick.
  absl::MutexLock lock(&mu_);
  for (auto& [owner, weak] : members_) {
    if (auto member = weak.lock()) member->Leave();
  }
}

void ConsumerGroupsService::Shutdown() {
  std::vector<std::shared_ptr<GroupMember>> members;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [owner, weak] : members_) {
      if (auto member = weak.lock()) members.push_back(std::move(member));
    }
  }
  for (auto& member : members) {
    member->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "the server is shutting down; join again (any replica)"));
  }
}

int ConsumerGroupsService::members() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(members_.size());
}

void ConsumerGroupsService::Unregister(const std::string& owner) {
  absl::MutexLock lock(&mu_);
  members_.erase(owner);
}

std::shared_ptr<GroupMember> ConsumerGroupsService::FindMember(const std::string& owner) const {
  absl::MutexLock lock(&mu_);
  auto it = members_.find(owner);
  return it == members_.end() ? nullptr : it->second.lock();
}

grpc::ServerWriteReactor<cg::JoinGroupResponse>* ConsumerGroupsService::JoinGroup(
    grpc::CallbackServerContext* context, const cg::JoinGroupRequest* request) {
  auto refuse = [&](const absl::Status& status) {
    return new RefusedStream<cg::JoinGroupResponse>(ToGrpcStatus(status, handler_.domain));
  };
  if (absl::Status allowed = Authorize(handler_, *context, *request); !allowed.ok()) {
    return refuse(allowed);
  }
  absl::StatusOr<std::unique_ptr<LeaseTable>> table =
      LeaseTable::Create(ddb_.get(), request->group_name(), request->stream_arn());
  if (!table.ok()) return refuse(table.status());
  if (absl::Status s = Required("StreamArn", request->stream_arn()); !s.ok()) return refuse(s);
  if (absl::Status s = ValidMemberId(request->member_id()); !s.ok()) return refuse(s);
  GroupMemberOptions options;
  options.lease_duration = options_.lease_duration;
  options.shard_list_refresh = options_.lease_duration / 3;
  options.auto_checkpoint = request->auto_checkpoint();
  if (!request->initial_position().empty()) {
    if (request->initial_position() != kTrimHorizon && request->initial_position() != kLatest) {
      return refuse(Invalid("InitialPosition",
                            absl::StrCat("InitialPosition must be TRIM_HORIZON or LATEST, got \"",
                                         absl::CHexEscape(request->initial_position()), "\"")));
    }
    options.initial_position = request->initial_position();
  }
  absl::StatusOr<subscriptions::BatchingOptions> batching =
      subscriptions::ParseBatchingOptions(request->options());
  if (!batching.ok()) return refuse(batching.status());
  if (batching->lifetime > absl::ZeroDuration()) {
    return refuse(Invalid("Options.Lifetime", "a group member's shards have no lifetime"));
  }
  options.heartbeat_interval = batching->heartbeat;
  options.subscription = request->options();

  GroupMemberDeps deps{ddb_, streams_, source_, handler_.executor, options_.clock};
  const std::string owner = LeaseOwnerFor(request->member_id());
  auto member =
      std::make_shared<GroupMember>(std::move(deps), *std::move(table), request->stream_arn(),
                                    request->group_name(), owner, std::move(options));
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return refuse(absl::UnavailableError("the server is shutting down; join another replica"));
    }
    members_[owner] = member;
  }
  auto* stream = new MemberStream(member, [this, owner] { Unregister(owner); });
  stream->Begin(handler_.timers, TickInterval(options_.lease_duration));
  return stream;
}

grpc::ServerUnaryReactor* ConsumerGroupsService::Checkpoint(grpc::CallbackServerContext* context,
                                                            const cg::CheckpointRequest* request,
                                                            cg::CheckpointResponse* response) {
  return ServeUnary(
      context, *request, response, handler_,
      [this, request](const backends::CallContext&,
                      backends::AsyncDone<cg::CheckpointResponse> done) {
        auto answer = [done = std::move(done)](absl::StatusOr<int64_t> counter) mutable {
          if (!counter.ok()) {
            std::move(done)(counter.status());
            return;
          }
          cg::CheckpointResponse out;
          out.set_lease_counter(*counter);
          std::move(done)(std::move(out));
        };
        absl::StatusOr<std::unique_ptr<LeaseTable>> table =
            LeaseTable::Create(ddb_.get(), request->group_name(), request->stream_arn());
        absl::Status valid = table.status();
        if (valid.ok()) valid = Required("StreamArn", request->stream_arn());
        if (valid.ok()) valid = Required("ShardId", request->shard_id());
        if (valid.ok()) valid = Required("LeaseProof", request->lease_proof());
        if (valid.ok()) valid = ValidSequenceNumber(request->sequence_number());
        if (!valid.ok()) {
          answer(valid);
          return;
        }
        // The holder on this replica writes it between its own renewals;
        // a holder elsewhere is fenced by the conditional write alone.
        std::shared_ptr<GroupMember> member = FindMember(request->lease_proof());
        if (member != nullptr && member->group() == request->group_name() &&
            member->stream_arn() == request->stream_arn()) {
          member->Checkpoint(request->shard_id(), request->sequence_number(), std::move(answer));
          return;
        }
        answer(CheckpointByProof(**table, request->shard_id(), request->sequence_number(),
                                 request->lease_proof()));
      });
}

grpc::ServerUnaryReactor* ConsumerGroupsService::DescribeGroup(
    grpc::CallbackServerContext* context, const cg::DescribeGroupRequest* request,
    cg::DescribeGroupResponse* response) {
  return ServeUnary(
      context, *request, response, handler_,
      [this, request]() -> absl::StatusOr<cg::DescribeGroupResponse> {
        absl::StatusOr<std::unique_ptr<LeaseTable>> table =
            LeaseTable::Create(ddb_.get(), request->group_name(), request->stream_arn());
        if (!table.ok()) return table.status();
        if (absl::Status s = Required("StreamArn", request->stream_arn()); !s.ok()) return s;
        StreamShardLeaseKeys keys(streams_.get(), request->stream_arn());
        absl::StatusOr<std::vector<Lease>> leases = (*table)->ListLeases(keys);
        if (!leases.ok()) return leases.status();
        absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> members =
            (*table)->ListMembers();
        if (!members.ok()) return members.status();
        cg::DescribeGroupResponse out;
        out.set_lease_table_name((*table)->table_name());
        for (const Lease& lease : *leases) {
          cg::LeaseDescription& d = *out.add_leases();
          d.set_shard_id(lease.lease_key);
          d.set_owner(lease.owner);
          d.set_lease_counter(lease.counter);
          d.set_checkpoint(lease.checkpoint);
          d.set_owner_switches_since_checkpoint(lease.owner_switches_since_checkpoint);
          for (const std::string& p : lease.parent_shard_ids) d.add_parent_shard_ids(p);
          for (const std::string& c : lease.child_shard_ids) d.add_child_shard_ids(c);
          if (lease.millis_behind_latest >= 0 && !lease.owner.empty()) {
            d.set_millis_behind_latest(lease.millis_behind_latest);
          }
        }
        for (const auto& [owner, beat] : *members) out.add_members(owner);
        return out;
      });
}

grpc::ServerUnaryReactor* ConsumerGroupsService::ListGroups(grpc::CallbackServerContext* context,
                                                            const cg::ListGroupsRequest* request,
                                                            cg::ListGroupsResponse* response) {
  return ServeUnary(context, *request, response, handler_,
                    [this, request]() -> absl::StatusOr<cg::ListGroupsResponse> {
                      if (absl::Status s = Required("StreamArn", request->stream_arn()); !s.ok()) {
                        return s;
                      }
                      absl::StatusOr<std::vector<std::string>> groups =
                          LeaseTable::Registry(ddb_.get())->ListGroups(request->stream_arn());
                      if (!groups.ok()) return groups.status();
                      cg::ListGroupsResponse out;
                      for (std::string& g : *groups) out.add_group_names(std::move(g));
                      return out;
                    });
}

}  // namespace awsfacade::service::consumer_groups
