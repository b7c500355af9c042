#include "backends/simulator/stream_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/simulator/derived_ids.h"
#include "backends/simulator/validation.h"

namespace awsfacade::backends::simulator {
namespace {

namespace streams = ::aws::dynamodbstreams::v1;
namespace state = ::awsfacade::simulator::state;

using aws_errors::kExpiredIterator;
using aws_errors::kLimitExceeded;
using aws_errors::kResourceNotFound;
using aws_errors::kTrimmedDataAccess;
using aws_errors::kValidation;

constexpr char kIteratorPurpose[] = "dynamodbstreams.iterator";
constexpr char kIteratorVersion[] = "1";

constexpr char kEnabled[] = "ENABLED";
constexpr char kDisabled[] = "DISABLED";
constexpr char kNewImage[] = "NEW_IMAGE";
constexpr char kOldImage[] = "OLD_IMAGE";
constexpr char kNewAndOldImages[] = "NEW_AND_OLD_IMAGES";

constexpr char kTrimHorizon[] = "TRIM_HORIZON";
constexpr char kLatest[] = "LATEST";
constexpr char kAtSequenceNumber[] = "AT_SEQUENCE_NUMBER";
constexpr char kAfterSequenceNumber[] = "AFTER_SEQUENCE_NUMBER";
constexpr char kChildShards[] = "CHILD_SHARDS";

constexpr char kEventVersion[] = "1.1";
constexpr char kEventSource[] = "aws:dynamodb";
constexpr char kTtlPrincipal[] = "dynamodb.amazonaws.com";
constexpr char kTtlPrincipalType[] = "Service";

constexpr char kLabelFormat[] = "%Y-%m-%dT%H:%M:%E3S";
constexpr char kTableNamePattern[] = "[a-zA-Z0-9_.-]+";

// Model constraints (service-2.json).
constexpr int kMinArnLength = 37;
constexpr int kMaxArnLength = 1024;
constexpr int kMinShardIdLength = 28;
constexpr int kMaxShardIdLength = 65;
constexpr int kMinSequenceNumberLength = 21;
constexpr int kMaxSequenceNumberLength = 40;
constexpr int kMaxIteratorLength = 2048;
constexpr int kMinTableNameLength = 3;
constexpr int kMaxTableNameLength = 255;

// Consecutive sequence numbers are this far apart, so consumers that
// assume contiguous numbers fail here as they would on AWS.
constexpr uint64_t kSeqStride = 100;
// FormatSequenceNumber writes "1" followed by 20 digits.
constexpr int kSeqDigits = 21;
constexpr char kShardIdFormat[] = "shardId-%020d-%08x";

// Salts that keep the values derived from the seed apart.
constexpr uint64_t kEventNonceSalt = 0x6576656e746e6f6eULL;   // "eventnon"
constexpr uint64_t kShardSuffixSalt = 0x7368617264696473ULL;  // "shardids"

const Validator& Check() {
  static const Validator kValidator(kValidation);
  return kValidator;
}

uint64_t Fnv1a64(absl::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

bool IsTableNameChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-'; }

// arn:aws:dynamodb:{region}:{account}:table/{name}/stream/{label}; only the
// shape is checked here (an ARN of another region or account is well-formed
// but unknown).
bool IsStreamArn(absl::string_view arn) {
  std::vector<absl::string_view> parts = absl::StrSplit(arn, absl::MaxSplits(':', 5));
  if (parts.size() != 6 || parts[0] != "arn" || parts[1].empty() || parts[2] != "dynamodb") {
    return false;
  }
  absl::string_view resource = parts[5];
  if (!absl::ConsumePrefix(&resource, "table/")) return false;
  size_t slash = resource.find('/');
  if (slash == absl::string_view::npos) return false;
  absl::string_view table = resource.substr(0, slash);
  absl::string_view rest = resource.substr(slash);
  if (table.size() < kMinTableNameLength || table.size() > kMaxTableNameLength) return false;
  if (!std::all_of(table.begin(), table.end(), IsTableNameChar)) return false;
  return absl::ConsumePrefix(&rest, "/stream/") && !rest.empty();
}

absl::Status CheckStreamArn(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty() && !required) return absl::OkStatus();
  if (absl::Status s = Check().Required(field, value); !s.ok()) return s;
  if (absl::Status s = Check().Length(field, value, kMinArnLength, kMaxArnLength); !s.ok()) {
    return s;
  }
  if (!IsStreamArn(value)) {
    return Check().Fail(field,
                        "failed to satisfy constraint: Member must be a stream ARN: "
                        "arn:aws:dynamodb:{region}:{account}:table/{TableName}/stream/"
                        "{StreamLabel}");
  }
  return absl::OkStatus();
}

absl::Status CheckShardId(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty() && !required) return absl::OkStatus();
  if (absl::Status s = Check().Required(field, value); !s.ok()) return s;
  return Check().Length(field, value, kMinShardIdLength, kMaxShardIdLength);
}

absl::Status CheckLimit(bool has_limit, int32_t limit, int max) {
  if (!has_limit) return absl::OkStatus();
  return Check().Range("Limit", limit, 1, max);
}

absl::Status NotFoundStream(absl::string_view arn) {
  return AwsError(kResourceNotFound,
                  absl::StrCat("Requested resource not found: Stream: ", arn, " not found"));
}

absl::Status NotFoundShard(absl::string_view shard_id) {
  return AwsError(kResourceNotFound,
                  absl::StrCat("Requested resource not found: Shard does not exist: ", shard_id));
}

absl::Status TrimmedError() {
  return AwsError(kTrimmedDataAccess,
                  "The operation attempted to read past the oldest "
                  "stream record in a shard. In "
                  "DynamoDB Streams, there is a 24 hour limit on "
                  "data retention; stream records "
                  "older than that are trimmed.");
}

}  // namespace

std::string FormatSequenceNumber(uint64_t seq) { return absl::StrFormat("1%020u", seq); }

std::optional<uint64_t> ParseSequenceNumber(absl::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), absl::ascii_isdigit)) {
    return std::nullopt;
  }
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
  if (text.size() < kSeqDigits) return 0;  // below every number the store issues
  if (text.size() > kSeqDigits || text.front() != '1') {
    return std::numeric_limits<uint64_t>::max();
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text.substr(1), &value)) return std::numeric_limits<uint64_t>::max();
  return value;
}

bool SequenceNumberLess(absl::string_view a, absl::string_view b) {
  auto strip = [](absl::string_view s) {
    while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
    return s;
  };
  a = strip(a);
  b = strip(b);
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

StreamStore::StreamStore(SimulatorOptions options, StreamStoreOptions stream_options)
    : options_(std::move(options)), stream_options_(std::move(stream_options)) {
  absl::MutexLock lock(&mu_);
  event_nonce_ = Mix64(options_.seed ^ kEventNonceSalt);
}

uint64_t StreamStore::NextSeq() {
  seq_counter_ += kSeqStride;
  return seq_counter_;
}

std::string StreamStore::Label(absl::string_view table_name, absl::Time now) {
  absl::Time t = absl::FromUnixMillis(absl::ToUnixMillis(now));
  auto it = last_label_.find(table_name);
  if (it != last_label_.end() && t <= it->second) t = it->second + absl::Milliseconds(1);
  last_label_[table_name] = t;
  return absl::FormatTime(kLabelFormat, t, absl::UTCTimeZone());
}

StreamStore::Shard* StreamStore::OpenShard(Stream& stream, int slot, absl::string_view parent_id,
                                           absl::Time now) {
  int64_t millis = std::max(absl::ToUnixMillis(now), last_shard_millis_ + 1);
  last_shard_millis_ = millis;
  const uint32_t suffix =
      static_cast<uint32_t>(Mix64(options_.seed ^ kShardSuffixSalt ^
                                  Fnv1a64(absl::StrCat(stream.arn, "#", stream.shard_counter++))) &
                            0xffffffffu);
  auto shard = std::make_unique<Shard>();
  shard->stream = &stream;
  shard->id = absl::StrFormat(kShardIdFormat, millis, suffix);
  shard->parent_id = std::string(parent_id);
  shard->slot = slot;
  shard->start_seq = NextSeq();
  shard->last_seq = shard->start_seq;
  shard->opened = now;
  if (stream_options_.shard_rollover_interval > absl::ZeroDuration()) {
    shard->rollover_due = now + stream_options_.shard_rollover_interval;
    rollover_queue_.insert({*shard->rollover_due, stream.arn, shard->id});
  }
  Shard* raw = shard.get();
  stream.open[slot] = raw;
  stream.shards.emplace(shard->id, std::move(shard));
  ++shard_count_;
  return raw;
}

void StreamStore::CloseShard(Shard& shard, absl::Time now) {
  if (shard.closed) return;
  shard.end_seq = shard.last_seq;
  shard.closed = now;
  if (shard.rollover_due) {
    rollover_queue_.erase({*shard.rollover_due, shard.stream->arn, shard.id});
    shard.rollover_due.reset();
  }
  shard_expiry_queue_.insert({now + stream_options_.retention, shard.stream->arn, shard.id});
  if (shard.stream->open[shard.slot] == &shard) shard.stream->open[shard.slot] = nullptr;
}

StreamStore::Shard* StreamStore::Rollover(Shard& shard, absl::Time now) {
  CloseShard(shard, now);
  return OpenShard(*shard.stream, shard.slot, shard.id, now);
}

absl::StatusOr<StreamStore::CreatedStream> StreamStore::CreateStream(
    absl::string_view table_name, const std::vector<streams::KeySchemaElement>& key_schema,
    absl::string_view view_type, absl::Time now) {
  absl::MutexLock lock(&mu_);
  MaintainLocked(now);
  auto stream = std::make_unique<Stream>();
  stream->label = Label(table_name, now);
  stream->arn = absl::StrCat("arn:aws:dynamodb:", options_.region, ":", options_.account_id,
                             ":table/", table_name, "/stream/", stream->label);
  stream->table_name = std::string(table_name);
  stream->key_schema = key_schema;
  stream->view_type = std::string(view_type);
  stream->created = now;
  stream->open.assign(std::max(1, stream_options_.open_shards_per_stream), nullptr);
  Stream& ref = *stream;
  CreatedStream out{stream->arn, stream->label};
  streams_by_table_.insert({ref.table_name, ref.arn});
  streams_.emplace(ref.arn, std::move(stream));
  for (int slot = 0; slot < static_cast<int>(ref.open.size()); ++slot) {
    OpenShard(ref, slot, "", now);
  }
  return out;
}

absl::Status StreamStore::DisableStream(absl::string_view stream_arn, absl::Time now) {
  absl::MutexLock lock(&mu_);
  MaintainLocked(now);
  auto it = streams_.find(stream_arn);
  if (it == streams_.end()) return NotFoundStream(stream_arn);
  Stream& stream = *it->second;
  if (stream.disabled) return absl::OkStatus();
  for (Shard* shard : stream.open) {
    if (shard != nullptr) CloseShard(*shard, now);
  }
  stream.open.clear();
  stream.disabled = now;
  changed_.insert(stream.arn);
  stream_expiry_queue_.insert({now + stream_options_.retention, stream.arn});
  return absl::OkStatus();
}

streams::Record StreamStore::BuildRecord(const Stream& stream, const ItemChange& change,
                                         uint64_t seq, absl::Time now, int64_t* size_bytes) {
  streams::Record record;
  const uint64_t n = ++event_counter_;
  record.set_event_id(
      absl::StrFormat("%016x%016x", Mix64(event_nonce_ + n), Mix64(n ^ 0x5bd1e9955bd1e995ULL)));
  record.set_event_name(std::string(change.event_name));
  record.set_event_version(kEventVersion);
  record.set_event_source(kEventSource);
  record.set_aws_region(options_.region);
  streams::StreamRecord* d = record.mutable_dynamodb();
  d->mutable_approximate_creation_date_time()->set_seconds(absl::ToUnixSeconds(now));
  *d->mutable_keys() = *change.keys;
  int64_t size = ItemSizeBytes(*change.keys);
  const bool new_images = stream.view_type == kNewImage || stream.view_type == kNewAndOldImages;
  const bool old_images = stream.view_type == kOldImage || stream.view_type == kNewAndOldImages;
  if (new_images && change.new_image != nullptr) {
    *d->mutable_new_image() = *change.new_image;
    size += ItemSizeBytes(*change.new_image);
  }
  if (old_images && change.old_image != nullptr) {
    *d->mutable_old_image() = *change.old_image;
    size += ItemSizeBytes(*change.old_image);
  }
  d->set_sequence_number(FormatSequenceNumber(seq));
  // The model says SizeBytes >= 1; a record always has a key.
  size = std::max<int64_t>(size, 1);
  d->set_size_bytes(size);
  d->set_stream_view_type(stream.view_type);
  if (change.by_ttl) {
    record.mutable_user_identity()->set_type(kTtlPrincipalType);
    record.mutable_user_identity()->set_principal_id(kTtlPrincipal);
  }
  *size_bytes = size;
  return record;
}

absl::StatusOr<std::string> StreamStore::Append(absl::string_view stream_arn,
                                                const ItemChange& change, absl::Time now) {
  if (change.keys == nullptr) return absl::InvalidArgumentError("ItemChange without keys");
  absl::MutexLock lock(&mu_);
  // Rollovers due by now happen first, so the record lands in the shard
  // that is open at its write time.
  MaintainLocked(now);
  auto it = streams_.find(stream_arn);
  if (it == streams_.end()) return NotFoundStream(stream_arn);
  Stream& stream = *it->second;
  if (stream.disabled || stream.open.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("stream ", stream_arn, " is DISABLED"));
  }
  const size_t slot = Fnv1a64(change.partition_key) % stream.open.size();
  Shard* shard = stream.open[slot];
  const uint64_t seq = NextSeq();
  StoredRecord stored;
  stored.seq = seq;
  stored.written = now;
  stored.record = BuildRecord(stream, change, seq, now, &stored.size_bytes);
  record_bytes_ += stored.size_bytes;
  ++record_count_;
  shard->records.push_back(std::move(stored));
  shard->last_seq = seq;
  trim_queue_.emplace_back(now, shard);
  if (stream_options_.shard_rollover_records > 0 &&
      ++shard->written >= stream_options_.shard_rollover_records) {
    Rollover(*shard, now);
  }
  return FormatSequenceNumber(seq);
}

absl::StatusOr<ShardRollover> StreamStore::ForceShardRollover(absl::string_view stream_arn,
                                                              absl::Time now) {
  absl::MutexLock lock(&mu_);
  MaintainLocked(now);
  auto it = streams_.find(stream_arn);
  if (it == streams_.end()) return NotFoundStream(stream_arn);
  Stream& stream = *it->second;
  if (stream.disabled) {
    return absl::FailedPreconditionError(
        absl::StrCat("stream ", stream_arn, " is DISABLED: it has no open shards"));
  }
  ShardRollover out;
  changed_.insert(stream.arn);
  std::vector<Shard*> open = stream.open;
  for (Shard* shard : open) {
    out.closed_shard_ids.push_back(shard->id);
    out.new_shard_ids.push_back(Rollover(*shard, now)->id);
  }
  return out;
}

void StreamStore::PurgeRecords(Shard& shard) {
  if (shard.records.empty()) return;
  // Only reached when the clock was set backwards; a linear pass is fine.
  std::deque<std::pair<absl::Time, Shard*>> kept;
  for (auto& entry : trim_queue_) {
    if (entry.second != &shard) kept.push_back(entry);
  }
  trim_queue_.swap(kept);
  for (const StoredRecord& r : shard.records) {
    --record_count_;
    record_bytes_ -= r.size_bytes;
  }
  shard.trimmed_through = shard.records.back().seq;
  shard.records.clear();
}

std::vector<std::string> StreamStore::Maintain(absl::Time now) {
  absl::MutexLock lock(&mu_);
  MaintainLocked(now);
  // Also what housekeeping inside other calls changed since the last
  // Maintain(), so no wake-up is lost.
  std::vector<std::string> out(changed_.begin(), changed_.end());
  changed_.clear();
  return out;
}

void StreamStore::MaintainLocked(absl::Time now) {
  absl::btree_set<std::string>& changed = changed_;
  // Time rollovers, each as of its due time (not `now`, which is merely
  // when a call first noticed it), so the child's id, its opening and its
  // own due time do not depend on who looked when. A child is due interval
  // after its parent, so this ends.
  while (!rollover_queue_.empty() && std::get<0>(*rollover_queue_.begin()) <= now) {
    auto [due, arn, shard_id] = *rollover_queue_.begin();
    rollover_queue_.erase(rollover_queue_.begin());
    auto s = streams_.find(arn);
    if (s == streams_.end()) continue;
    auto sh = s->second->shards.find(shard_id);
    if (sh == s->second->shards.end() || sh->second->closed) continue;
    sh->second->rollover_due.reset();
    Rollover(*sh->second, due);
    changed.insert(arn);
  }
  // Trimming: the queue is in write order, so its front is also the front
  // of its shard. Popping frees the record.
  while (!trim_queue_.empty() && trim_queue_.front().first + stream_options_.retention <= now) {
    Shard* shard = trim_queue_.front().second;
    trim_queue_.pop_front();
    StoredRecord& oldest = shard->records.front();
    shard->trimmed_through = oldest.seq;
    --record_count_;
    record_bytes_ -= oldest.size_bytes;
    shard->records.pop_front();
    if (shard->records.empty()) shard->records.shrink_to_fit();
  }
  // Closed shards disappear `retention` after closing (their records, all
  // written before the close, are trimmed by then).
  while (!shard_expiry_queue_.empty() && std::get<0>(*shard_expiry_queue_.begin()) <= now) {
    auto [due, arn, shard_id] = *shard_expiry_queue_.begin();
    shard_expiry_queue_.erase(shard_expiry_queue_.begin());
    auto s = streams_.find(arn);
    if (s == streams_.end()) continue;
    auto sh = s->second->shards.find(shard_id);
    if (sh == s->second->shards.end()) continue;
    PurgeRecords(*sh->second);
    s->second->shards.erase(sh);
    --shard_count_;
    changed.insert(arn);
  }
  // Disabled streams disappear `retention` after they were disabled.
  while (!stream_expiry_queue_.empty() && stream_expiry_queue_.begin()->first <= now) {
    std::string arn = stream_expiry_queue_.begin()->second;
    stream_expiry_queue_.erase(stream_expiry_queue_.begin());
    auto s = streams_.find(arn);
    if (s == streams_.end()) continue;
    for (auto& [id, shard] : s->second->shards) {
      PurgeRecords(*shard);
      --shard_count_;
    }
    streams_by_table_.erase({s->second->table_name, arn});
    streams_.erase(s);
    changed.insert(arn);
  }
}

absl::StatusOr<StreamStore::Stream*> StreamStore::FindStream(absl::string_view arn) {
  auto it = streams_.find(arn);
  if (it == streams_.end()) return NotFoundStream(arn);
  return it->second.get();
}

std::string StreamStore::SealIterator(const IteratorState& state) const {
  return options_.sealer->Seal(
      kIteratorPurpose, absl::StrCat(kIteratorVersion, "|", state.stream_arn, "|", state.shard_id,
                                     "|", state.position, "|", absl::ToUnixNanos(state.issued)));
}

absl::StatusOr<StreamStore::IteratorState> StreamStore::OpenIterator(
    absl::string_view token) const {
  absl::Status invalid = AwsError(kValidation, "Invalid ShardIterator", "ShardIterator");
  absl::StatusOr<std::string> payload = options_.sealer->Open(kIteratorPurpose, token);
  if (!payload.ok()) return invalid;
  std::vector<absl::string_view> parts = absl::StrSplit(*payload, '|');
  IteratorState state;
  int64_t issued_nanos = 0;
  if (parts.size() != 5 || parts[0] != kIteratorVersion ||
      !absl::SimpleAtoi(parts[3], &state.position) || !absl::SimpleAtoi(parts[4], &issued_nanos)) {
    return invalid;
  }
  state.stream_arn = std::string(parts[1]);
  state.shard_id = std::string(parts[2]);
  state.issued = absl::FromUnixNanos(issued_nanos);
  return state;
}

absl::StatusOr<streams::ListStreamsResponse> StreamStore::ListStreams(
    const streams::ListStreamsRequest& request, absl::Time now) {
  if (!request.table_name().empty()) {
    if (absl::Status s = Check().Length("TableName", request.table_name(), kMinTableNameLength,
                                        kMaxTableNameLength);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            Check().Charset("TableName", request.table_name(), IsTableNameChar, kTableNamePattern);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = CheckLimit(request.has_limit(), request.limit(), kMaxListLimit); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckStreamArn("ExclusiveStartStreamArn", request.exclusive_start_stream_arn(), false);
      !s.ok()) {
    return s;
  }
  const int limit = request.has_limit() ? request.limit() : kMaxListLimit;
  const std::string& start = request.exclusive_start_stream_arn();

  absl::MutexLock lock(&mu_);
  MaintainLocked(now);
  streams::ListStreamsResponse response;
  auto add = [&](const Stream& stream) {
    streams::Stream* out = response.add_streams();
    out->set_stream_arn(stream.arn);
    out->set_table_name(stream.table_name);
    out->set_stream_label(stream.label);
  };
  // Both orders are by ARN, which a later page resumes after: streams
  // created or removed between pages neither shift nor repeat the others.
  if (!request.table_name().empty()) {
    const std::string& table = request.table_name();
    auto it = streams_by_table_.upper_bound({table, start});
    for (; it != streams_by_table_.end() && it->first == table; ++it) {
      if (response.streams_size() == limit) {
        response.set_last_evaluated_stream_arn(response.streams(limit - 1).stream_arn());
        break;
      }
      add(*streams_.at(it->second));
    }
  } else {
    auto it = start.empty() ? streams_.begin() : streams_.upper_bound(start);
    for (; it != streams_.end(); ++it) {
      if (response.streams_size() == limit) {
        response.set_last_evaluated_stream_arn(response.streams(limit - 1).stream_arn());
        break;
      }
      add(*it->second);
    }
  }
  return response;
}

absl::StatusOr<streams::DescribeStreamResponse> StreamStore::DescribeStream(
    const streams::DescribeStreamRequest& request, absl::Time now) {
  if (absl::Status s = CheckStreamArn("StreamArn", request.stream_arn(), true); !s.ok()) return s;
  if (absl::Status s = CheckLimit(request.has_limit(), request.limit(), kMaxDescribeLimit);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckShardId("ExclusiveStartShardId", request.exclusive_start_shard_id(), false);
      !s.ok()) {
    return s;
  }
  const bool filtered = request.has_shard_filter();
  if (filtered) {
    const streams::ShardFilter& filter = request.shard_filter();
    if (filter.type() != kChildShards) {
      if (filter.type().empty()) {
        return Check().Fail("ShardFilter.Type",
                            "failed to satisfy constraint: Member must not "
                            "be null");
      }
      return Check().Fail("ShardFilter.Type",
                          "failed to satisfy constraint: Member must satisfy "
                          "enum value set: [CHILD_SHARDS]");
    }
    if (absl::Status s = CheckShardId("ShardFilter.ShardId", filter.shard_id(), true); !s.ok()) {
      return s;
    }
  }
  const int limit = request.has_limit() ? request.limit() : kMaxDescribeLimit;

  absl::MutexLock lock(&mu_);
  MaintainLocked(now);
  absl::StatusOr<Stream*> found = FindStream(request.stream_arn());
  if (!found.ok()) return found.status();
  const Stream& stream = **found;
  streams::DescribeStreamResponse response;
  streams::StreamDescription* d = response.mutable_stream_description();
  d->set_stream_arn(stream.arn);
  d->set_stream_label(stream.label);
  d->set_stream_status(stream.disabled ? kDisabled : kEnabled);
  d->set_stream_view_type(stream.view_type);
  SetTimestamp(stream.created, d->mutable_creation_request_date_time());
  d->set_table_name(stream.table_name);
  for (const auto& k : stream.key_schema) *d->add_key_schema() = k;
  // Shard ids sort in creation order, so resuming after an id (even one
  // that has since disappeared) continues where the last page ended.
  const std::string& start = request.exclusive_start_shard_id();
  auto it = start.empty() ? stream.shards.begin() : stream.shards.upper_bound(start);
  for (; it != stream.shards.end(); ++it) {
    const Shard& shard = *it->second;
    if (filtered && shard.parent_id != request.shard_filter().shard_id()) continue;
    if (d->shards_size() == limit) {
      d->set_last_evaluated_shard_id(d->shards(limit - 1).shard_id());
      break;
    }
    streams::Shard* out = d->add_shards();
    out->set_shard_id(shard.id);
    out->mutable_sequence_number_range()->set_starting_sequence_number(
        FormatSequenceNumber(shard.start_seq));
    if (shard.end_seq) {
      out->mutable_sequence_number_range()->set_ending_sequence_number(
          FormatSequenceNumber(*shard.end_seq));
    }
    out->set_parent_shard_id(shard.parent_id);
  }
  return response;
}

absl::StatusOr<streams::GetShardIteratorResponse> StreamStore::GetShardIterator(
    const streams::GetShardIteratorRequest& request, absl::Time now) {
  if (absl::Status s = CheckStreamArn("StreamArn", request.stream_arn(), true); !s.ok()) return s;
  if (absl::Status s = CheckShardId("ShardId", request.shard_id(), true); !s.ok()) return s;
  const std::string& type = request.shard_iterator_type();
  if (absl::Status s = Check().Required("ShardIteratorType", type); !s.ok()) return s;
  const bool at = type == kAtSequenceNumber;
  const bool after = type == kAfterSequenceNumber;
  if (!at && !after && type != kTrimHorizon && type != kLatest) {
    return Check().Fail("ShardIteratorType",
                        "failed to satisfy constraint: Member must satisfy enum value set: "
                        "[TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]");
  }
  const std::string& seq_text = request.sequence_number();
  std::optional<uint64_t> seq;
  if (!seq_text.empty()) {
    if (absl::Status s = Check().Length("SequenceNumber", seq_text, kMinSequenceNumberLength,
                                        kMaxSequenceNumberLength);
        !s.ok()) {
      return s;
    }
    seq = ParseSequenceNumber(seq_text);
    if (!seq) {
      return Check().Fail("SequenceNumber",
                          "failed to satisfy constraint: Member must contain only digits");
    }
  }
  if ((at || after) && !seq) {
    return AwsError(kValidation,
                    absl::StrCat("A SequenceNumber is required for ShardIteratorType ", type),
                    "SequenceNumber");
  }
  if (!at && !after && seq) {
    return AwsError(kValidation,
                    absl::StrCat("SequenceNumber must not be set for ShardIteratorType ", type),
                    "SequenceNumber");
  }

  absl::MutexLock lock(&mu_);
  MaintainLocked(now);
  absl::StatusOr<Stream*> found = FindStream(request.stream_arn());
  if (!found.ok()) return found.status();
  auto sh = (*found)->shards.find(request.shard_id());
  if (sh == (*found)->shards.end()) return NotFoundShard(request.shard_id());
  const Shard& shard = *sh->second;
  IteratorState state;
  state.stream_arn = request.stream_arn();
  state.shard_id = shard.id;
  state.issued = now;
  if (type == kTrimHorizon) {
    state.position = shard.trimmed_through ? *shard.trimmed_through + 1 : shard.start_seq;
  } else if (type == kLatest) {
    state.position = shard.last_seq + 1;
  } else {
    const uint64_t upper = shard.end_seq ? *shard.end_seq : shard.last_seq;
    if (*seq < shard.start_seq || *seq > upper) {
      // Unverified wording: AWS answers ValidationException for a number
      // that belongs to no record of this shard.
      return AwsError(kValidation,
                      absl::StrCat("Invalid SequenceNumber for ShardIteratorType ", type, ": ",
                                   seq_text, " is not in the range of shard ", shard.id),
                      "SequenceNumber");
    }
    state.position = at ? *seq : *seq + 1;
    if (shard.trimmed_through && state.position <= *shard.trimmed_through) return TrimmedError();
  }
  streams::GetShardIteratorResponse response;
  response.set_shard_iterator(SealIterator(state));
  return response;
}

absl::StatusOr<streams::GetRecordsResponse> StreamStore::GetRecords(
    const streams::GetRecordsRequest& request, absl::Time now) {
  if (absl::Status s = Check().Required("ShardIterator", request.shard_iterator()); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Check().Length("ShardIterator", request.shard_iterator(), 1, kMaxIteratorLength);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLimit(request.has_limit(), request.limit(), kMaxGetRecordsLimit);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<IteratorState> state = OpenIterator(request.shard_iterator());
  if (!state.ok()) return state.status();
  const int limit = request.has_limit() ? request.limit() : kMaxGetRecordsLimit;

  absl::MutexLock lock(&mu_);
  if (now - state->issued > stream_options_.iterator_lifetime) {
    return AwsError(kExpiredIterator,
                    absl::StrFormat("Iterator expired. The iterator was created at time %s while "
                                    "right now it is %s which is further in the future than the "
                                    "tolerated delay of %d milliseconds.",
                                    absl::FormatTime(state->issued), absl::FormatTime(now),
                                    absl::ToInt64Milliseconds(stream_options_.iterator_lifetime)));
  }
  MaintainLocked(now);
  absl::StatusOr<Stream*> found = FindStream(state->stream_arn);
  if (!found.ok()) return found.status();
  auto sh = (*found)->shards.find(state->shard_id);
  if (sh == (*found)->shards.end()) return NotFoundShard(state->shard_id);
  Shard& shard = *sh->second;

  if (const int per_second = stream_options_.get_records_per_second_per_shard; per_second > 0) {
    while (!shard.recent_reads.empty() && shard.recent_reads.front() <= now - absl::Seconds(1)) {
      shard.recent_reads.pop_front();
    }
    if (static_cast<int>(shard.recent_reads.size()) >= per_second) {
      return AwsError(kLimitExceeded,
                      absl::StrCat("Rate exceeded for shard ", shard.id, " in stream ",
                                   state->stream_arn, " under account ", options_.account_id));
    }
    shard.recent_reads.push_back(now);
  }
  if (shard.trimmed_through && state->position <= *shard.trimmed_through) return TrimmedError();

  // Binary search for the first record at or after the position, then read
  // forward: O(log n + k), whatever the shard holds.
  auto it =
      std::lower_bound(shard.records.begin(), shard.records.end(), state->position,
                       [](const StoredRecord& r, uint64_t position) { return r.seq < position; });
  streams::GetRecordsResponse response;
  int64_t bytes = 0;
  uint64_t next = state->position;
  for (; it != shard.records.end() && response.records_size() < limit; ++it) {
    if (response.records_size() > 0 && bytes + it->size_bytes > kMaxGetRecordsBytes) break;
    bytes += it->size_bytes;
    *response.add_records() = it->record;
    next = it->seq + 1;
  }
  // A closed shard read to its end has no next iterator: move on to the
  // children.
  if (!(shard.closed && it == shard.records.end())) {
    IteratorState following = *state;
    following.position = next;
    following.issued = now;
    response.set_next_shard_iterator(SealIterator(following));
  }
  return response;
}

StreamStoreStats StreamStore::Stats() const {
  absl::MutexLock lock(&mu_);
  StreamStoreStats stats;
  stats.streams = static_cast<int64_t>(streams_.size());
  stats.shards = shard_count_;
  stats.records = record_count_;
  stats.record_bytes = record_bytes_;
  return stats;
}

void StreamStore::Reset() {
  absl::MutexLock lock(&mu_);
  // Counters (sequence numbers, labels, shard ids) keep going, so nothing
  // issued before the reset can name anything created after it.
  ClearStreamsLocked();
}

void StreamStore::ClearStreamsLocked() {
  trim_queue_.clear();
  rollover_queue_.clear();
  shard_expiry_queue_.clear();
  stream_expiry_queue_.clear();
  changed_.clear();
  streams_by_table_.clear();
  streams_.clear();
  record_count_ = 0;
  record_bytes_ = 0;
  shard_count_ = 0;
}

// --- Persistence -------------------------------------------------------------

namespace {

int64_t ToNanos(absl::Time t) { return absl::ToUnixNanos(t); }
absl::Time FromNanos(int64_t n) { return absl::FromUnixNanos(n); }

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("DynamoDB Streams state: ", what));
}

// The creation millisecond a shard id carries, if it is one the store makes.
std::optional<int64_t> ShardIdMillis(absl::string_view id) {
  int64_t millis = 0;
  uint32_t suffix = 0;
  if (id.size() != 37 || !absl::ConsumePrefix(&id, "shardId-") || id[20] != '-' ||
      !absl::SimpleAtoi(id.substr(0, 20), &millis) ||
      !absl::SimpleHexAtoi(id.substr(21), &suffix) ||
      !std::all_of(id.begin(), id.begin() + 20, absl::ascii_isdigit)) {
    return std::nullopt;
  }
  return millis;
}

}  // namespace

void StreamStore::SaveState(state::DynamoDbStreamStore* out) const {
  absl::MutexLock lock(&mu_);
  out->Clear();
  out->set_seq_counter(seq_counter_);
  out->set_event_counter(event_counter_);
  out->set_event_nonce(event_nonce_);
  out->set_last_shard_millis(last_shard_millis_);
  // The map's order is arbitrary; the saved one is by name.
  std::vector<std::pair<std::string, absl::Time>> labels(last_label_.begin(), last_label_.end());
  std::sort(labels.begin(), labels.end());
  for (const auto& [table, t] : labels) {
    state::DynamoDbStreamLabel* l = out->add_last_labels();
    l->set_table_name(table);
    l->set_label_unix_nanos(ToNanos(t));
  }
  for (const auto& [arn, stream] : streams_) {
    state::DynamoDbStream* s = out->add_streams();
    s->set_arn(stream->arn);
    s->set_label(stream->label);
    s->set_table_name(stream->table_name);
    for (const auto& k : stream->key_schema) *s->add_key_schema() = k;
    s->set_view_type(stream->view_type);
    s->set_created_unix_nanos(ToNanos(stream->created));
    if (stream->disabled) s->set_disabled_unix_nanos(ToNanos(*stream->disabled));
    s->set_shard_counter(stream->shard_counter);
    s->set_open_slots(static_cast<int32_t>(stream->open.size()));
    for (const auto& [id, shard] : stream->shards) {
      state::DynamoDbShard* sh = s->add_shards();
      sh->set_id(shard->id);
      sh->set_parent_id(shard->parent_id);
      sh->set_slot(shard->slot);
      sh->set_start_seq(shard->start_seq);
      sh->set_last_seq(shard->last_seq);
      if (shard->end_seq) sh->set_end_seq(*shard->end_seq);
      sh->set_opened_unix_nanos(ToNanos(shard->opened));
      if (shard->closed) sh->set_closed_unix_nanos(ToNanos(*shard->closed));
      if (shard->rollover_due) sh->set_rollover_due_unix_nanos(ToNanos(*shard->rollover_due));
      for (const StoredRecord& r : shard->records) {
        state::DynamoDbStreamRecord* rec = sh->add_records();
        rec->set_seq(r.seq);
        rec->set_written_unix_nanos(ToNanos(r.written));
        *rec->mutable_record() = r.record;
      }
      if (shard->trimmed_through) sh->set_trimmed_through(*shard->trimmed_through);
      sh->set_written(shard->written);
    }
  }
}

absl::Status StreamStore::LoadState(const state::DynamoDbStreamStore& in) {
  // Built aside and swapped in, so a rejected state leaves the store as it
  // was.
  absl::btree_map<std::string, std::unique_ptr<Stream>> streams;
  absl::flat_hash_map<std::string, absl::Time> labels;
  for (const state::DynamoDbStreamLabel& l : in.last_labels()) {
    if (!labels.emplace(l.table_name(), FromNanos(l.label_unix_nanos())).second) {
      return Corrupt(absl::StrCat("two labels for table ", l.table_name()));
    }
  }
  for (const state::DynamoDbStream& s : in.streams()) {
    if (!IsStreamArn(s.arn())) return Corrupt(absl::StrCat("bad stream ARN '", s.arn(), "'"));
    auto stream = std::make_unique<Stream>();
    Stream& ref = *stream;
    if (!streams.emplace(s.arn(), std::move(stream)).second) {
      return Corrupt(absl::StrCat("stream ", s.arn(), " appears twice"));
    }
    const std::string where = absl::StrCat("stream ", s.arn());
    ref.arn = s.arn();
    ref.label = s.label();
    ref.table_name = s.table_name();
    ref.key_schema.assign(s.key_schema().begin(), s.key_schema().end());
    ref.view_type = s.view_type();
    ref.created = FromNanos(s.created_unix_nanos());
    if (s.has_disabled_unix_nanos()) ref.disabled = FromNanos(s.disabled_unix_nanos());
    ref.shard_counter = s.shard_counter();
    if (ref.view_type != kNewImage && ref.view_type != kOldImage &&
        ref.view_type != kNewAndOldImages && ref.view_type != "KEYS_ONLY") {
      return Corrupt(absl::StrCat(where, ": bad view type '", ref.view_type, "'"));
    }
    if (ref.disabled ? s.open_slots() != 0 : s.open_slots() < 1) {
      return Corrupt(absl::StrCat(where, ": ", s.open_slots(), " open-shard slots while ",
                                  ref.disabled ? kDisabled : kEnabled));
    }
    ref.open.assign(s.open_slots(), nullptr);
    // Each slot's shards form one lineage, oldest first; ids sort in
    // creation order, so the saved (id) order walks every lineage.
    absl::flat_hash_map<int, Shard*> newest_in_slot;
    for (const state::DynamoDbShard& sh : s.shards()) {
      const std::string at = absl::StrCat(where, ", shard ", sh.id());
      const std::optional<int64_t> millis = ShardIdMillis(sh.id());
      if (!millis || *millis > in.last_shard_millis()) {
        return Corrupt(absl::StrCat(at, ": not an id this store issued"));
      }
      auto shard = std::make_unique<Shard>();
      Shard& shard_ref = *shard;
      if (!ref.shards.empty() && ref.shards.rbegin()->first >= sh.id()) {
        return Corrupt(absl::StrCat(at, ": shards out of order or repeated"));
      }
      ref.shards.emplace(sh.id(), std::move(shard));
      shard_ref.stream = &ref;
      shard_ref.id = sh.id();
      shard_ref.parent_id = sh.parent_id();
      shard_ref.slot = sh.slot();
      shard_ref.start_seq = sh.start_seq();
      shard_ref.last_seq = sh.last_seq();
      if (sh.has_end_seq()) shard_ref.end_seq = sh.end_seq();
      shard_ref.opened = FromNanos(sh.opened_unix_nanos());
      if (sh.has_closed_unix_nanos()) shard_ref.closed = FromNanos(sh.closed_unix_nanos());
      if (sh.has_rollover_due_unix_nanos()) {
        shard_ref.rollover_due = FromNanos(sh.rollover_due_unix_nanos());
      }
      if (sh.has_trimmed_through()) shard_ref.trimmed_through = sh.trimmed_through();
      shard_ref.written = sh.written();
      if (sh.slot() < 0 || (!ref.disabled && sh.slot() >= s.open_slots())) {
        return Corrupt(absl::StrCat(at, ": slot ", sh.slot(), " out of range"));
      }
      if (shard_ref.closed.has_value() != shard_ref.end_seq.has_value() ||
          (shard_ref.end_seq && *shard_ref.end_seq != shard_ref.last_seq)) {
        return Corrupt(absl::StrCat(at, ": end sequence number disagrees with closing"));
      }
      if (shard_ref.rollover_due && shard_ref.closed) {
        return Corrupt(absl::StrCat(at, ": a closed shard with a rollover due"));
      }
      if (shard_ref.start_seq == 0 || shard_ref.last_seq < shard_ref.start_seq ||
          shard_ref.last_seq > in.seq_counter()) {
        return Corrupt(absl::StrCat(at, ": sequence range outside the store's"));
      }
      // Lineage: a shard's parent is the slot's previous shard. Only the
      // oldest shard left in a slot may name a parent that is gone (closed
      // shards disappear oldest first).
      auto prev = newest_in_slot.find(sh.slot());
      if (prev != newest_in_slot.end()) {
        if (shard_ref.parent_id != prev->second->id) {
          return Corrupt(absl::StrCat(at, ": parent '", shard_ref.parent_id,
                                      "' is not the previous shard of its slot (", prev->second->id,
                                      ")"));
        }
        if (!prev->second->closed || *prev->second->end_seq >= shard_ref.start_seq) {
          return Corrupt(absl::StrCat(at, ": its parent is open or overlaps it"));
        }
      } else if (!shard_ref.parent_id.empty() && shard_ref.parent_id >= shard_ref.id) {
        return Corrupt(absl::StrCat(at, ": parent '", shard_ref.parent_id, "' is not older"));
      }
      newest_in_slot[sh.slot()] = &shard_ref;
      if (!shard_ref.closed) {
        if (ref.disabled) return Corrupt(absl::StrCat(at, ": open in a disabled stream"));
        if (ref.open[sh.slot()] != nullptr) {
          return Corrupt(absl::StrCat(at, ": a second open shard in slot ", sh.slot()));
        }
        ref.open[sh.slot()] = &shard_ref;
      }
      uint64_t previous = sh.has_trimmed_through() ? sh.trimmed_through() : 0;
      for (const state::DynamoDbStreamRecord& r : sh.records()) {
        if (r.seq() <= previous || r.seq() <= shard_ref.start_seq || r.seq() > shard_ref.last_seq ||
            r.record().dynamodb().sequence_number() != FormatSequenceNumber(r.seq()) ||
            r.record().dynamodb().size_bytes() < 1) {
          return Corrupt(absl::StrCat(at, ": record ", r.seq(),
                                      " is out of order, outside the shard or malformed"));
        }
        previous = r.seq();
        StoredRecord stored;
        stored.seq = r.seq();
        stored.written = FromNanos(r.written_unix_nanos());
        stored.size_bytes = r.record().dynamodb().size_bytes();
        stored.record = r.record();
        shard_ref.records.push_back(std::move(stored));
      }
      if (!shard_ref.records.empty() && shard_ref.records.back().seq != shard_ref.last_seq) {
        return Corrupt(absl::StrCat(at, ": its newest record is not its last sequence number"));
      }
    }
    for (size_t slot = 0; slot < ref.open.size(); ++slot) {
      if (ref.open[slot] == nullptr) {
        return Corrupt(absl::StrCat(where, ": no open shard in slot ", slot));
      }
    }
  }

  absl::MutexLock lock(&mu_);
  seq_counter_ = in.seq_counter();
  event_counter_ = in.event_counter();
  event_nonce_ = in.event_nonce();
  last_shard_millis_ = in.last_shard_millis();
  last_label_ = std::move(labels);
  ClearStreamsLocked();
  streams_ = std::move(streams);
  // The derived indexes and housekeeping queues.
  std::vector<std::pair<uint64_t, std::pair<absl::Time, Shard*>>> trim;
  for (auto& [arn, stream] : streams_) {
    streams_by_table_.insert({stream->table_name, arn});
    if (stream->disabled) {
      stream_expiry_queue_.insert({*stream->disabled + stream_options_.retention, arn});
    }
    for (auto& [id, shard] : stream->shards) {
      ++shard_count_;
      if (shard->rollover_due) rollover_queue_.insert({*shard->rollover_due, arn, id});
      if (shard->closed) {
        shard_expiry_queue_.insert({*shard->closed + stream_options_.retention, arn, id});
      }
      for (const StoredRecord& r : shard->records) {
        ++record_count_;
        record_bytes_ += r.size_bytes;
        trim.push_back({r.seq, {r.written, shard.get()}});
      }
    }
  }
  // Appends are in sequence order, and so was the trim queue.
  std::sort(trim.begin(), trim.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [seq, entry] : trim) trim_queue_.push_back(entry);
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
