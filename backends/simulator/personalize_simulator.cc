#include "backends/simulator/personalize_simulator.h"

#include <array>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/simulator/derived_ids.h"
#include "backends/simulator/validation.h"
#include "nlohmann/json.hpp"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::personalize::v1;
namespace state = ::awsfacade::simulator::state;

using aws_errors::kInvalidInput;
using aws_errors::kInvalidNextToken;
using aws_errors::kLimitExceeded;
using aws_errors::kResourceAlreadyExists;
using aws_errors::kResourceInUse;
using aws_errors::kResourceNotFound;
using aws_errors::kTooManyTags;

constexpr char kCreatePending[] = "CREATE PENDING";
constexpr char kCreateInProgress[] = "CREATE IN_PROGRESS";
constexpr char kActive[] = "ACTIVE";
constexpr char kDeletePending[] = "DELETE PENDING";
constexpr char kDeleteInProgress[] = "DELETE IN_PROGRESS";

// Model constraints (service-2.json).
constexpr int kMaxNameLength = 63;
constexpr int kMaxArnLength = 256;
constexpr int kMaxRoleArnLength = 256;
constexpr int kMaxKmsKeyArnLength = 2048;
constexpr int kMaxSchemaLength = 20000;
constexpr int kMaxDatasetTypeLength = 256;
constexpr int kMaxTags = 200;
constexpr int kMaxTagKeyLength = 128;
constexpr int kMaxTagValueLength = 256;
constexpr int kMaxNextTokenLength = 1500;
constexpr int kMinMaxResults = 1;
constexpr int kMaxMaxResults = 100;

constexpr char kNamePattern[] = "^[a-zA-Z0-9][a-zA-Z0-9\\-_]*";
constexpr char kArnPattern[] = "arn:([a-z\\d-]+):personalize:.*:.*:.+";
constexpr char kRoleArnPattern[] = "arn:([a-z\\d-]+):iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";
constexpr char kKmsKeyArnPattern[] = "arn:aws.*:kms:.*:[0-9]{12}:key/.*";
constexpr char kTagPattern[] = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";
constexpr char kDatasetTypePattern[] = "^[A-Za-z_]+$";
constexpr char kNextTokenPattern[] = "\\p{ASCII}{0,1500}";

constexpr char kListGroupsPurpose[] = "personalize.ListDatasetGroups";
constexpr char kListSchemasPurpose[] = "personalize.ListSchemas";
constexpr char kListDatasetsPurpose[] = "personalize.ListDatasets|";

// The documented dataset types, in the spelling responses use. Input is
// case-insensitive; AWS does not say which case it echoes. Answering with the
// documented spelling (not the caller's) makes one resource read the same
// however it was created, and matches clients that compare against the
// documented names. The ARN carries the upper-case form, as AWS's examples do.
constexpr std::array<absl::string_view, 5> kDatasetTypes = {"Interactions", "Items", "Users",
                                                            "Actions", "Action_Interactions"};

const Validator& Check() {
  static const Validator kValidator(kInvalidInput);
  return kValidator;
}

absl::Status PatternError(absl::string_view field, absl::string_view pattern) {
  return Check().Fail(field, absl::StrCat("failed to satisfy constraint: Member must satisfy "
                                          "regular expression pattern: ",
                                          pattern));
}

bool IsAsciiDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

// Java's `.` does not match line terminators; every pattern below is made of
// literals and `.`, so a value holding one cannot match.
bool HasLineTerminator(absl::string_view s) {
  return absl::StrContains(s, '\n') || absl::StrContains(s, '\r');
}

absl::Status CheckName(absl::string_view field, absl::string_view value) {
  if (absl::Status s = Check().Required(field, value); !s.ok()) return s;
  if (absl::Status s = Check().Length(field, value, 1, kMaxNameLength); !s.ok()) return s;
  if (!absl::ascii_isalnum(value[0])) return PatternError(field, kNamePattern);
  return Check().Charset(
      field, value, [](char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; },
      kNamePattern);
}

// "arn:" partition ":" (partition is [a-z\d-]+); returns what follows, or
// nullopt.
std::optional<absl::string_view> AfterPartition(absl::string_view value) {
  if (!absl::ConsumePrefix(&value, "arn:")) return std::nullopt;
  size_t colon = value.find(':');
  if (colon == 0 || colon == absl::string_view::npos) return std::nullopt;
  for (char c : value.substr(0, colon)) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return std::nullopt;
  }
  return value.substr(colon + 1);
}

// arn:([a-z\d-]+):personalize:.*:.*:.+
bool MatchesArn(absl::string_view value) {
  if (HasLineTerminator(value)) return false;
  std::optional<absl::string_view> rest = AfterPartition(value);
  if (!rest || !absl::ConsumePrefix(&*rest, "personalize:")) return false;
  // Two more colons, the second one followed by at least one character.
  size_t first = rest->find(':');
  if (first == absl::string_view::npos) return false;
  size_t second = rest->find(':', first + 1);
  return second != absl::string_view::npos && second + 1 < rest->size();
}

absl::Status CheckArn(absl::string_view field, absl::string_view value) {
  if (absl::Status s = Check().Required(field, value); !s.ok()) return s;
  if (absl::Status s = Check().Length(field, value, 0, kMaxArnLength); !s.ok()) return s;
  if (!MatchesArn(value)) return PatternError(field, kArnPattern);
  return absl::OkStatus();
}

// arn:([a-z\d-]+):iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+ ('/' is in the
// final class, so the optional slash needs no case of its own).
bool MatchesRoleArn(absl::string_view value) {
  std::optional<absl::string_view> rest = AfterPartition(value);
  if (!rest || !absl::ConsumePrefix(&*rest, "iam::")) return false;
  if (rest->size() < 12 || !IsAsciiDigits(rest->substr(0, 12))) return false;
  rest->remove_prefix(12);
  if (!absl::ConsumePrefix(&*rest, ":role") || rest->empty()) return false;
  for (char c : *rest) {
    if (!(absl::ascii_isalnum(c) || absl::StrContains("_+=,.@-/", c))) return false;
  }
  return true;
}

// arn:aws.*:kms:.*:[0-9]{12}:key/.*
bool MatchesKmsKeyArn(absl::string_view value) {
  if (HasLineTerminator(value) || !absl::StartsWith(value, "arn:aws")) return false;
  // The earliest ":kms:" leaves the most room for the rest.
  size_t kms = value.find(":kms:", 7);
  if (kms == absl::string_view::npos) return false;
  for (size_t q = value.find(':', kms + 5); q != absl::string_view::npos;
       q = value.find(':', q + 1)) {
    absl::string_view tail = value.substr(q + 1);
    if (tail.size() >= 17 && IsAsciiDigits(tail.substr(0, 12)) && tail.substr(12, 5) == ":key/") {
      return true;
    }
  }
  return false;
}

absl::Status CheckDomain(absl::string_view field, absl::string_view value) {
  if (value.empty() || value == "ECOMMERCE" || value == "VIDEO_ON_DEMAND") {
    return absl::OkStatus();
  }
  return Check().Fail(field,
                      "failed to satisfy constraint: Member must satisfy enum value "
                      "set: [ECOMMERCE, VIDEO_ON_DEMAND]");
}

// Decodes one UTF-8 code point from `s`, or returns -1 for invalid UTF-8.
int32_t NextCodePoint(absl::string_view& s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || s.size() < static_cast<size_t>(len)) return -1;
  int32_t cp = len == 1 ? b0 : b0 & (0x7F >> len);
  for (int i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  s.remove_prefix(len);
  return cp;
}

// [\p{L}\p{Z}\p{N}_.:/=+\-@]. ASCII exactly; beyond ASCII an approximation
// without Unicode tables: every code point counts as a letter, separator or
// number except controls, format characters, surrogates, private use and the
// main punctuation and symbol blocks.
bool IsTagCodePoint(int32_t cp) {
  if (cp < 0x80) {
    char c = static_cast<char>(cp);
    return absl::ascii_isalnum(c) || c == ' ' || absl::StrContains("_.:/=+-@", c);
  }
  if (cp <= 0x9F) return false;  // C1 controls
  if (cp >= 0xA1 && cp <= 0xBF) {
    // Latin-1 punctuation and symbols, except the letters and numbers there.
    return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
           cp == 0xBC || cp == 0xBD || cp == 0xBE;
  }
  if (cp == 0xD7 || cp == 0xF7) return false;      // × ÷
  if (cp >= 0x200B && cp <= 0x200F) return false;  // zero-width and marks (Cf)
  if (cp >= 0x2010 && cp <= 0x2027) return false;  // general punctuation
  if (cp >= 0x202A && cp <= 0x202E) return false;  // bidi controls (Cf)
  if (cp >= 0x2030 && cp <= 0x205E) return false;  // general punctuation
  if (cp >= 0x2060 && cp <= 0x206F) return false;  // invisible operators (Cf)
  if (cp >= 0x20A0 && cp <= 0x20CF) return false;  // currency symbols
  if (cp >= 0x2190 && cp <= 0x23FF) return false;  // arrows, math, technical
  if (cp >= 0x2500 && cp <= 0x27BF) return false;  // box drawing .. dingbats
  if (cp >= 0x3001 && cp <= 0x3004) return false;  // CJK punctuation
  if (cp >= 0x3008 && cp <= 0x3020) return false;  // CJK brackets and marks
  if (cp >= 0xD800 && cp <= 0xF8FF) return false;  // surrogates, private use
  if (cp == 0xFEFF || (cp >= 0xFFF0 && cp <= 0xFFFF)) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji and pictographs
  if (cp >= 0xE0000) return false;                   // tags, private use planes
  return true;
}

absl::Status CheckTagText(absl::string_view field, absl::string_view value, int64_t min,
                          int64_t max) {
  if (absl::Status s = Check().Length(field, value, min, max); !s.ok()) return s;
  while (!value.empty()) {
    int32_t cp = NextCodePoint(value);
    if (cp < 0 || !IsTagCodePoint(cp)) return PatternError(field, kTagPattern);
  }
  return absl::OkStatus();
}

absl::Status CheckTags(const google::protobuf::RepeatedPtrField<v1::Tag>& tags) {
  if (tags.size() > kMaxTags) {
    return AwsError(kTooManyTags,
                    absl::StrCat("You have exceeded the maximum number of tags (", kMaxTags,
                                 ") for this resource: ", tags.size(), " given"),
                    "tags");
  }
  for (int i = 0; i < tags.size(); ++i) {
    std::string prefix = absl::StrCat("tags.", i + 1, ".member.");
    // tagValue is required but may be empty; proto3 cannot tell "" from unset.
    if (absl::Status s =
            CheckTagText(absl::StrCat(prefix, "tagKey"), tags[i].tag_key(), 1, kMaxTagKeyLength);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckTagText(absl::StrCat(prefix, "tagValue"), tags[i].tag_value(), 0,
                                      kMaxTagValueLength);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// An Avro record schema as Personalize accepts it: a JSON object with
// "type": "record" and a "fields" array whose entries have a string "name"
// and a "type".
absl::Status CheckAvroSchema(absl::string_view schema) {
  nlohmann::json doc = nlohmann::json::parse(schema.begin(), schema.end(), /*cb=*/nullptr,
                                             /*allow_exceptions=*/false);
  auto fail = [](absl::string_view why) {
    return AwsError(kInvalidInput, absl::StrCat("Invalid Avro schema: ", why), "schema");
  };
  if (doc.is_discarded()) return fail("not valid JSON");
  if (!doc.is_object()) return fail("the schema must be a JSON object");
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string() || type->get<std::string>() != "record") {
    return fail("the schema must be of type \"record\"");
  }
  auto fields = doc.find("fields");
  if (fields == doc.end() || !fields->is_array() || fields->empty()) {
    return fail("a record needs a non-empty \"fields\" array");
  }
  for (size_t i = 0; i < fields->size(); ++i) {
    const nlohmann::json& field = (*fields)[i];
    if (!field.is_object()) return fail(absl::StrCat("field ", i, " is not an object"));
    auto name = field.find("name");
    if (name == field.end() || !name->is_string() || name->get<std::string>().empty()) {
      return fail(absl::StrCat("field ", i, " has no \"name\""));
    }
    auto field_type = field.find("type");
    if (field_type == field.end() ||
        !(field_type->is_string() || field_type->is_array() || field_type->is_object())) {
      return fail(absl::StrCat("field \"", name->get<std::string>(), "\" has no \"type\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> PageSize(bool has_max_results, int32_t max_results, int default_size) {
  if (!has_max_results) return default_size;
  if (absl::Status s = Check().Range("maxResults", max_results, kMinMaxResults, kMaxMaxResults);
      !s.ok()) {
    return s;
  }
  return max_results;
}

absl::Status CheckNextToken(absl::string_view token) {
  if (absl::Status s = Check().Length("nextToken", token, 0, kMaxNextTokenLength); !s.ok()) {
    return s;
  }
  for (char c : token) {
    if (static_cast<unsigned char>(c) >= 0x80) return PatternError("nextToken", kNextTokenPattern);
  }
  return absl::OkStatus();
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

// The event tracker ID of the dataset created as number `seq`: derived
// from the seed, so replaying the same calls gives the same ID, while a
// dataset re-created under the same ARN (a new seq) gets a new one.
std::string TrackingId(uint64_t seed, int64_t seq) {
  return DerivedUuid(seed ^ 0x7472616b63696e67ULL, static_cast<uint64_t>(seq));
}

// LoadState's error: the saved state is damaged or was not written by us.
absl::Status Corrupt(absl::string_view where, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("Personalize state: ", where, ": ", what));
}

// A stored time, or nullopt outside google.protobuf.Timestamp's range
// (0001-01-01 to 9999-12-31).
std::optional<absl::Time> StoredTime(const google::protobuf::Timestamp& ts) {
  constexpr int64_t kMinSeconds = -62135596800;
  constexpr int64_t kMaxSeconds = 253402300799;
  if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    return std::nullopt;
  }
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx in lower-case hex, as
// TrackingId() writes it.
bool IsTrackingId(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !(absl::ascii_isdigit(id[i]) || (id[i] >= 'a' && id[i] <= 'f'))) {
      return false;
    }
  }
  return id[14] == '4' && absl::StrContains("89ab", id[19]);
}

}  // namespace

PersonalizeSimulator::PersonalizeSimulator(SimulatorOptions options, PersonalizeLimits limits)
    : options_(std::move(options)), limits_(limits) {}

void PersonalizeSimulator::Reset() {
  absl::MutexLock lock(&mu_);
  groups_.clear();
  schemas_.clear();
  datasets_.clear();
  deletions_.clear();
}

std::string PersonalizeSimulator::Arn(absl::string_view resource) const {
  return absl::StrCat("arn:aws:personalize:", options_.region, ":", options_.account_id, ":",
                      resource);
}

PersonalizeSimulator::Phase PersonalizeSimulator::PhaseAt(const Lifecycle& life, absl::Time now,
                                                          bool dataset) const {
  if (life.delete_requested) {
    absl::Time pending_end = *life.delete_requested + limits_.delete_pending_time;
    if (!dataset || now < pending_end) return {kDeletePending, *life.delete_requested};
    return {kDeleteInProgress, pending_end};
  }
  absl::Time pending_end = life.created + limits_.pending_time;
  if (now < pending_end) return {kCreatePending, life.created};
  absl::Time active_at = pending_end + limits_.in_progress_time;
  if (now < active_at) return {kCreateInProgress, pending_end};
  return {kActive, active_at};
}

absl::Time PersonalizeSimulator::GoneAt(absl::Time delete_requested) const {
  return delete_requested + limits_.delete_pending_time + limits_.delete_in_progress_time;
}

bool PersonalizeSimulator::GoneBy(const Lifecycle& life, absl::Time now) const {
  return life.delete_requested && GoneAt(*life.delete_requested) <= now;
}

void PersonalizeSimulator::PurgeLocked(absl::Time now) {
  while (!deletions_.empty() && deletions_.begin()->first <= now) {
    auto [kind, arn] = std::move(deletions_.begin()->second);
    deletions_.erase(deletions_.begin());
    if (kind == Kind::kGroup) {
      groups_.Erase(arn);
    } else {
      datasets_.Erase(arn);
    }
  }
}

std::string PersonalizeSimulator::SealToken(absl::string_view purpose, const OrderKey& key) const {
  return options_.sealer->Seal(purpose, absl::StrCat(std::get<0>(key), " ", std::get<1>(key)));
}

absl::StatusOr<PersonalizeSimulator::OrderKey> PersonalizeSimulator::OpenToken(
    absl::string_view purpose, absl::string_view token) const {
  absl::StatusOr<std::string> payload = options_.sealer->Open(purpose, token);
  int64_t seq = 0;
  size_t space = payload.ok() ? payload->find(' ') : std::string::npos;
  if (space == std::string::npos || !absl::SimpleAtoi(payload->substr(0, space), &seq)) {
    return AwsError(kInvalidNextToken,
                    "The nextToken is invalid: it was not issued for this request", "nextToken");
  }
  return OrderKey{seq, payload->substr(space + 1)};
}

// ---------------------------------------------------------------------------
// Dataset groups

absl::StatusOr<v1::CreateDatasetGroupResponse> PersonalizeSimulator::CreateDatasetGroup(
    const v1::CreateDatasetGroupRequest& request) {
  if (absl::Status s = CheckName("name", request.name()); !s.ok()) return s;
  if (!request.role_arn().empty()) {
    if (absl::Status s = Check().Length("roleArn", request.role_arn(), 0, kMaxRoleArnLength);
        !s.ok()) {
      return s;
    }
    if (!MatchesRoleArn(request.role_arn())) return PatternError("roleArn", kRoleArnPattern);
  }
  if (!request.kms_key_arn().empty()) {
    if (absl::Status s = Check().Length("kmsKeyArn", request.kms_key_arn(), 0, kMaxKmsKeyArnLength);
        !s.ok()) {
      return s;
    }
    if (!MatchesKmsKeyArn(request.kms_key_arn())) {
      return PatternError("kmsKeyArn", kKmsKeyArnPattern);
    }
  }
  // AWS: "Supplying an IAM role is only valid when also specifying a KMS
  // key"; the KMS key in turn needs the role to be usable.
  if (!request.kms_key_arn().empty() && request.role_arn().empty()) {
    return AwsError(kInvalidInput, "roleArn is required when kmsKeyArn is specified", "roleArn");
  }
  if (!request.role_arn().empty() && request.kms_key_arn().empty()) {
    return AwsError(kInvalidInput, "roleArn is only valid when kmsKeyArn is specified", "roleArn");
  }
  if (absl::Status s = CheckDomain("domain", request.domain()); !s.ok()) return s;
  if (absl::Status s = CheckTags(request.tags()); !s.ok()) return s;

  std::string arn = Arn(absl::StrCat("dataset-group/", request.name()));
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  if (groups_.contains(arn)) {
    return AwsError(kResourceAlreadyExists, absl::StrCat("Dataset group ", arn, " already exists"),
                    "name");
  }
  if (static_cast<int64_t>(groups_.size()) >= limits_.max_dataset_groups) {
    return AwsError(kLimitExceeded,
                    absl::StrCat("The account already has the maximum number of dataset groups (",
                                 limits_.max_dataset_groups, ")"));
  }
  GroupRecord group;
  group.seq = next_seq_++;
  group.name = request.name();
  group.arn = arn;
  group.role_arn = request.role_arn();
  group.kms_key_arn = request.kms_key_arn();
  group.domain = request.domain();
  group.tags.assign(request.tags().begin(), request.tags().end());
  group.life.created = now;
  groups_.Add(std::move(group));

  v1::CreateDatasetGroupResponse response;
  response.set_dataset_group_arn(arn);
  response.set_domain(request.domain());
  return response;
}

absl::StatusOr<v1::DescribeDatasetGroupResponse> PersonalizeSimulator::DescribeDatasetGroup(
    const v1::DescribeDatasetGroupRequest& request) {
  if (absl::Status s = CheckArn("datasetGroupArn", request.dataset_group_arn()); !s.ok()) {
    return s;
  }
  // Reads leave finished deletions for the next write to drop (they change
  // nothing, so a journal of writes alone rebuilds the state).
  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  const GroupRecord* found = groups_.Find(request.dataset_group_arn());
  if (found == nullptr || GoneBy(found->life, now)) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Could not find dataset group ", request.dataset_group_arn()),
                    "datasetGroupArn");
  }
  const GroupRecord& g = *found;
  Phase phase = PhaseAt(g.life, now, /*dataset=*/false);
  v1::DescribeDatasetGroupResponse response;
  v1::DatasetGroup* out = response.mutable_dataset_group();
  out->set_name(g.name);
  out->set_dataset_group_arn(g.arn);
  out->set_status(phase.status);
  out->set_role_arn(g.role_arn);
  out->set_kms_key_arn(g.kms_key_arn);
  SetTime(g.life.created, out->mutable_creation_date_time());
  SetTime(phase.since, out->mutable_last_updated_date_time());
  out->set_domain(g.domain);
  return response;
}

absl::StatusOr<v1::ListDatasetGroupsResponse> PersonalizeSimulator::ListDatasetGroups(
    const v1::ListDatasetGroupsRequest& request) {
  absl::StatusOr<int> page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  if (!page_size.ok()) return page_size.status();
  if (absl::Status s = CheckNextToken(request.next_token()); !s.ok()) return s;
  std::optional<OrderKey> after;
  if (!request.next_token().empty()) {
    absl::StatusOr<OrderKey> key = OpenToken(kListGroupsPurpose, request.next_token());
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }

  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  v1::ListDatasetGroupsResponse response;
  std::optional<OrderKey> next = groups_.Page(
      after, *page_size, [&](const GroupRecord& g) { return !GoneBy(g.life, now); },
      [&](const GroupRecord& g) {
        Phase phase = PhaseAt(g.life, now, /*dataset=*/false);
        v1::DatasetGroupSummary* out = response.add_dataset_groups();
        out->set_name(g.name);
        out->set_dataset_group_arn(g.arn);
        out->set_status(phase.status);
        SetTime(g.life.created, out->mutable_creation_date_time());
        SetTime(phase.since, out->mutable_last_updated_date_time());
        out->set_domain(g.domain);
      });
  if (next) response.set_next_token(SealToken(kListGroupsPurpose, *next));
  return response;
}

absl::StatusOr<v1::DeleteDatasetGroupResponse> PersonalizeSimulator::DeleteDatasetGroup(
    const v1::DeleteDatasetGroupRequest& request) {
  const std::string& arn = request.dataset_group_arn();
  if (absl::Status s = CheckArn("datasetGroupArn", arn); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  GroupRecord* found = groups_.Find(arn);
  if (found == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find dataset group ", arn),
                    "datasetGroupArn");
  }
  GroupRecord& g = *found;
  Phase phase = PhaseAt(g.life, now, /*dataset=*/false);
  if (absl::string_view(phase.status) != kActive) {
    return AwsError(kResourceInUse, absl::StrCat("Dataset group ", arn, " is in ", phase.status,
                                                 " state and cannot be deleted"));
  }
  if (const DatasetRecord* dataset =
          datasets_.FindIf([&](const DatasetRecord& d) { return d.group_arn == arn; })) {
    return AwsError(kResourceInUse,
                    absl::StrCat("Dataset group ", arn, " still has datasets; delete them first (",
                                 dataset->arn, ")"));
  }
  g.life.delete_requested = now;
  deletions_.emplace(GoneAt(now), std::make_pair(Kind::kGroup, arn));
  return v1::DeleteDatasetGroupResponse();
}

// ---------------------------------------------------------------------------
// Schemas

absl::StatusOr<v1::CreateSchemaResponse> PersonalizeSimulator::CreateSchema(
    const v1::CreateSchemaRequest& request) {
  if (absl::Status s = CheckName("name", request.name()); !s.ok()) return s;
  if (absl::Status s = Check().Required("schema", request.schema()); !s.ok()) return s;
  if (absl::Status s = Check().Length("schema", request.schema(), 1, kMaxSchemaLength); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDomain("domain", request.domain()); !s.ok()) return s;
  if (absl::Status s = CheckAvroSchema(request.schema()); !s.ok()) return s;

  std::string arn = Arn(absl::StrCat("schema/", request.name()));
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  if (schemas_.contains(arn)) {
    return AwsError(kResourceAlreadyExists, absl::StrCat("Schema ", arn, " already exists"),
                    "name");
  }
  if (static_cast<int64_t>(schemas_.size()) >= limits_.max_schemas) {
    return AwsError(kLimitExceeded,
                    absl::StrCat("The account already has the maximum number of schemas (",
                                 limits_.max_schemas, ")"));
  }
  SchemaRecord schema;
  schema.seq = next_seq_++;
  schema.name = request.name();
  schema.arn = arn;
  schema.schema = request.schema();
  schema.domain = request.domain();
  schema.created = now;
  schemas_.Add(std::move(schema));

  v1::CreateSchemaResponse response;
  response.set_schema_arn(arn);
  return response;
}

absl::StatusOr<v1::DescribeSchemaResponse> PersonalizeSimulator::DescribeSchema(
    const v1::DescribeSchemaRequest& request) {
  if (absl::Status s = CheckArn("schemaArn", request.schema_arn()); !s.ok()) return s;
  absl::ReaderMutexLock lock(&mu_);
  const SchemaRecord* found = schemas_.Find(request.schema_arn());
  if (found == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find schema ", request.schema_arn()),
                    "schemaArn");
  }
  const SchemaRecord& s = *found;
  v1::DescribeSchemaResponse response;
  v1::DatasetSchema* out = response.mutable_schema();
  out->set_name(s.name);
  out->set_schema_arn(s.arn);
  out->set_schema(s.schema);
  SetTime(s.created, out->mutable_creation_date_time());
  SetTime(s.created, out->mutable_last_updated_date_time());
  out->set_domain(s.domain);
  return response;
}

absl::StatusOr<v1::ListSchemasResponse> PersonalizeSimulator::ListSchemas(
    const v1::ListSchemasRequest& request) {
  absl::StatusOr<int> page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  if (!page_size.ok()) return page_size.status();
  if (absl::Status s = CheckNextToken(request.next_token()); !s.ok()) return s;
  std::optional<OrderKey> after;
  if (!request.next_token().empty()) {
    absl::StatusOr<OrderKey> key = OpenToken(kListSchemasPurpose, request.next_token());
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }

  absl::ReaderMutexLock lock(&mu_);
  v1::ListSchemasResponse response;
  std::optional<OrderKey> next = schemas_.Page(
      after, *page_size, [](const SchemaRecord&) { return true; },
      [&](const SchemaRecord& s) {
        v1::DatasetSchemaSummary* out = response.add_schemas();
        out->set_name(s.name);
        out->set_schema_arn(s.arn);
        SetTime(s.created, out->mutable_creation_date_time());
        SetTime(s.created, out->mutable_last_updated_date_time());
        out->set_domain(s.domain);
      });
  if (next) response.set_next_token(SealToken(kListSchemasPurpose, *next));
  return response;
}

absl::StatusOr<v1::DeleteSchemaResponse> PersonalizeSimulator::DeleteSchema(
    const v1::DeleteSchemaRequest& request) {
  const std::string& arn = request.schema_arn();
  if (absl::Status s = CheckArn("schemaArn", arn); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  PurgeLocked(options_.clock->Now());
  if (!schemas_.contains(arn)) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find schema ", arn), "schemaArn");
  }
  if (const DatasetRecord* dataset =
          datasets_.FindIf([&](const DatasetRecord& d) { return d.schema_arn == arn; })) {
    return AwsError(kResourceInUse,
                    absl::StrCat("Schema ", arn, " is used by dataset ", dataset->arn));
  }
  schemas_.Erase(arn);
  return v1::DeleteSchemaResponse();
}

// ---------------------------------------------------------------------------
// Datasets

absl::StatusOr<v1::CreateDatasetResponse> PersonalizeSimulator::CreateDataset(
    const v1::CreateDatasetRequest& request) {
  if (absl::Status s = CheckName("name", request.name()); !s.ok()) return s;
  if (absl::Status s = CheckArn("schemaArn", request.schema_arn()); !s.ok()) return s;
  if (absl::Status s = CheckArn("datasetGroupArn", request.dataset_group_arn()); !s.ok()) {
    return s;
  }
  const std::string& type = request.dataset_type();
  if (absl::Status s = Check().Required("datasetType", type); !s.ok()) return s;
  if (absl::Status s = Check().Length("datasetType", type, 1, kMaxDatasetTypeLength); !s.ok()) {
    return s;
  }
  if (absl::Status s = Check().Charset(
          "datasetType", type, [](char c) { return absl::ascii_isalpha(c) || c == '_'; },
          kDatasetTypePattern);
      !s.ok()) {
    return s;
  }
  absl::string_view canonical_type;
  for (absl::string_view known : kDatasetTypes) {
    if (absl::EqualsIgnoreCase(type, known)) canonical_type = known;
  }
  if (canonical_type.empty()) {
    return AwsError(kInvalidInput,
                    absl::StrCat("Invalid datasetType '", type,
                                 "': expected Interactions, Items, Users, Actions or "
                                 "Action_Interactions"),
                    "datasetType");
  }
  if (absl::Status s = CheckTags(request.tags()); !s.ok()) return s;

  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  const GroupRecord* found_group = groups_.Find(request.dataset_group_arn());
  if (found_group == nullptr) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Could not find dataset group ", request.dataset_group_arn()),
                    "datasetGroupArn");
  }
  const SchemaRecord* found_schema = schemas_.Find(request.schema_arn());
  if (found_schema == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find schema ", request.schema_arn()),
                    "schemaArn");
  }
  const GroupRecord& group = *found_group;
  Phase group_phase = PhaseAt(group.life, now, /*dataset=*/false);
  if (absl::string_view(group_phase.status) != kActive) {
    return AwsError(kResourceInUse, absl::StrCat("Dataset group ", group.arn, " is in ",
                                                 group_phase.status, " state, not ACTIVE"));
  }
  const SchemaRecord& schema = *found_schema;
  if (!group.domain.empty() && !schema.domain.empty() && group.domain != schema.domain) {
    return AwsError(kInvalidInput,
                    absl::StrCat("The schema's domain ", schema.domain,
                                 " does not match the dataset group's domain ", group.domain),
                    "schemaArn");
  }
  std::string arn =
      Arn(absl::StrCat("dataset/", group.name, "/", absl::AsciiStrToUpper(canonical_type)));
  if (datasets_.contains(arn)) {
    return AwsError(kResourceAlreadyExists,
                    absl::StrCat("Dataset group ", group.arn, " already has a dataset of type ",
                                 canonical_type, ": ", arn),
                    "datasetType");
  }
  DatasetRecord dataset;
  dataset.seq = next_seq_++;
  dataset.name = request.name();
  dataset.arn = arn;
  dataset.group_arn = group.arn;
  dataset.dataset_type = std::string(canonical_type);
  dataset.schema_arn = schema.arn;
  if (canonical_type == "Action_Interactions") {
    dataset.tracking_id = TrackingId(options_.seed, dataset.seq);
  }
  dataset.tags.assign(request.tags().begin(), request.tags().end());
  dataset.life.created = now;
  datasets_.Add(std::move(dataset));

  v1::CreateDatasetResponse response;
  response.set_dataset_arn(arn);
  return response;
}

absl::StatusOr<v1::DescribeDatasetResponse> PersonalizeSimulator::DescribeDataset(
    const v1::DescribeDatasetRequest& request) {
  if (absl::Status s = CheckArn("datasetArn", request.dataset_arn()); !s.ok()) return s;
  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  const DatasetRecord* found = datasets_.Find(request.dataset_arn());
  if (found == nullptr || GoneBy(found->life, now)) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Could not find dataset ", request.dataset_arn()), "datasetArn");
  }
  const DatasetRecord& d = *found;
  Phase phase = PhaseAt(d.life, now, /*dataset=*/true);
  v1::DescribeDatasetResponse response;
  v1::Dataset* out = response.mutable_dataset();
  out->set_name(d.name);
  out->set_dataset_arn(d.arn);
  out->set_dataset_group_arn(d.group_arn);
  out->set_dataset_type(d.dataset_type);
  out->set_schema_arn(d.schema_arn);
  out->set_status(phase.status);
  SetTime(d.life.created, out->mutable_creation_date_time());
  SetTime(phase.since, out->mutable_last_updated_date_time());
  // latestDatasetUpdate stays unset: there is no UpdateDataset here.
  out->set_tracking_id(d.tracking_id);
  return response;
}

absl::StatusOr<v1::ListDatasetsResponse> PersonalizeSimulator::ListDatasets(
    const v1::ListDatasetsRequest& request) {
  const std::string& group_arn = request.dataset_group_arn();
  if (!group_arn.empty()) {
    if (absl::Status s = CheckArn("datasetGroupArn", group_arn); !s.ok()) return s;
  }
  absl::StatusOr<int> page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  if (!page_size.ok()) return page_size.status();
  if (absl::Status s = CheckNextToken(request.next_token()); !s.ok()) return s;
  // The filter is part of the purpose: a token of another group's listing
  // (or of the unfiltered one) does not open.
  std::string purpose = absl::StrCat(kListDatasetsPurpose, group_arn);
  std::optional<OrderKey> after;
  if (!request.next_token().empty()) {
    absl::StatusOr<OrderKey> key = OpenToken(purpose, request.next_token());
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }

  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  v1::ListDatasetsResponse response;
  std::optional<OrderKey> next = datasets_.Page(
      after, *page_size,
      [&](const DatasetRecord& d) {
        return (group_arn.empty() || d.group_arn == group_arn) && !GoneBy(d.life, now);
      },
      [&](const DatasetRecord& d) {
        Phase phase = PhaseAt(d.life, now, /*dataset=*/true);
        v1::DatasetSummary* out = response.add_datasets();
        out->set_name(d.name);
        out->set_dataset_arn(d.arn);
        out->set_dataset_type(d.dataset_type);
        out->set_status(phase.status);
        SetTime(d.life.created, out->mutable_creation_date_time());
        SetTime(phase.since, out->mutable_last_updated_date_time());
      });
  if (next) response.set_next_token(SealToken(purpose, *next));
  return response;
}

absl::StatusOr<v1::DeleteDatasetResponse> PersonalizeSimulator::DeleteDataset(
    const v1::DeleteDatasetRequest& request) {
  const std::string& arn = request.dataset_arn();
  if (absl::Status s = CheckArn("datasetArn", arn); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  DatasetRecord* found = datasets_.Find(arn);
  if (found == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find dataset ", arn), "datasetArn");
  }
  DatasetRecord& d = *found;
  Phase phase = PhaseAt(d.life, now, /*dataset=*/true);
  if (absl::string_view(phase.status) != kActive) {
    return AwsError(kResourceInUse, absl::StrCat("Dataset ", arn, " is in ", phase.status,
                                                 " state and cannot be deleted"));
  }
  d.life.delete_requested = now;
  deletions_.emplace(GoneAt(now), std::make_pair(Kind::kDataset, arn));
  return v1::DeleteDatasetResponse();
}

// ---------------------------------------------------------------------------
// Persistence

void PersonalizeSimulator::SaveState(state::PersonalizeState* out) const {
  out->Clear();
  absl::ReaderMutexLock lock(&mu_);
  // Finished deletions are left out: whether a read or failed call already
  // dropped them must not show in the saved state.
  const absl::Time now = options_.clock->Now();
  auto save_life = [](const Lifecycle& life, state::PersonalizeState::Lifecycle* saved) {
    SetTime(life.created, saved->mutable_created());
    if (life.delete_requested) SetTime(*life.delete_requested, saved->mutable_delete_requested());
  };
  out->set_next_seq(next_seq_);
  groups_.ForEach([&](const GroupRecord& g) {
    if (GoneBy(g.life, now)) return;
    state::PersonalizeState::DatasetGroup* saved = out->add_dataset_groups();
    saved->set_seq(g.seq);
    saved->set_name(g.name);
    saved->set_dataset_group_arn(g.arn);
    saved->set_role_arn(g.role_arn);
    saved->set_kms_key_arn(g.kms_key_arn);
    saved->set_domain(g.domain);
    saved->mutable_tags()->Assign(g.tags.begin(), g.tags.end());
    save_life(g.life, saved->mutable_life());
  });
  schemas_.ForEach([&](const SchemaRecord& schema) {
    state::PersonalizeState::Schema* saved = out->add_schemas();
    saved->set_seq(schema.seq);
    saved->set_name(schema.name);
    saved->set_schema_arn(schema.arn);
    saved->set_schema(schema.schema);
    saved->set_domain(schema.domain);
    SetTime(schema.created, saved->mutable_created());
  });
  datasets_.ForEach([&](const DatasetRecord& d) {
    if (GoneBy(d.life, now)) return;
    state::PersonalizeState::Dataset* saved = out->add_datasets();
    saved->set_seq(d.seq);
    saved->set_name(d.name);
    saved->set_dataset_arn(d.arn);
    saved->set_dataset_group_arn(d.group_arn);
    saved->set_dataset_type(d.dataset_type);
    saved->set_schema_arn(d.schema_arn);
    saved->set_tracking_id(d.tracking_id);
    saved->mutable_tags()->Assign(d.tags.begin(), d.tags.end());
    save_life(d.life, saved->mutable_life());
  });
}

absl::Status PersonalizeSimulator::LoadState(const state::PersonalizeState& in) {
  int64_t next_seq = in.next_seq();
  // An empty message (a state never saved) is a fresh simulator.
  if (next_seq == 0 && in.dataset_groups().empty() && in.schemas().empty() &&
      in.datasets().empty()) {
    next_seq = 1;
  }
  if (next_seq < 1) return Corrupt("next_seq", absl::StrCat(next_seq, " < 1"));

  // Built aside and swapped in only once all of it checked out.
  Collection<GroupRecord> groups;
  Collection<SchemaRecord> schemas;
  Collection<DatasetRecord> datasets;
  absl::btree_multimap<absl::Time, std::pair<Kind, std::string>> deletions;
  absl::flat_hash_set<int64_t> seqs;  // the counter is shared by all kinds

  // The checks every resource gets: a seq in creation order, below
  // next_seq and not used before; a valid name; the ARN this simulator
  // gives that name; a valid domain.
  auto check_common = [&](absl::string_view where, int64_t seq, int64_t previous_seq,
                          absl::string_view name, absl::string_view arn,
                          absl::string_view expected_arn, absl::string_view domain) {
    if (seq < 1 || seq >= next_seq) {
      return Corrupt(where, absl::StrCat("seq ", seq, " outside [1, ", next_seq, ")"));
    }
    if (seq <= previous_seq) return Corrupt(where, "out of creation order");
    if (!seqs.insert(seq).second) return Corrupt(where, absl::StrCat("seq ", seq, " used twice"));
    if (absl::Status s = CheckName("name", name); !s.ok()) return Corrupt(where, s.message());
    if (arn != expected_arn) {
      return Corrupt(where, absl::StrCat("ARN is not ", expected_arn,
                                         " (another region or account, or another name)"));
    }
    if (absl::Status s = CheckDomain("domain", domain); !s.ok()) return Corrupt(where, s.message());
    return absl::OkStatus();
  };
  auto load_tags = [](absl::string_view where,
                      const google::protobuf::RepeatedPtrField<v1::Tag>& saved,
                      std::vector<v1::Tag>* tags) {
    if (absl::Status s = CheckTags(saved); !s.ok()) return Corrupt(where, s.message());
    tags->assign(saved.begin(), saved.end());
    return absl::OkStatus();
  };
  // Also queues the deletion, so the next write drops what it finished.
  auto load_life = [&](absl::string_view where, const state::PersonalizeState::Lifecycle& saved,
                       Kind kind, const std::string& arn, Lifecycle* life) {
    std::optional<absl::Time> created = StoredTime(saved.created());
    if (!saved.has_created() || !created) return Corrupt(where, "no valid creation time");
    life->created = *created;
    if (saved.has_delete_requested()) {
      std::optional<absl::Time> requested = StoredTime(saved.delete_requested());
      if (!requested || *requested < *created) {
        return Corrupt(where, "deletion time invalid or before creation");
      }
      life->delete_requested = *requested;
      deletions.emplace(GoneAt(*requested), std::make_pair(kind, arn));
    }
    return absl::OkStatus();
  };

  int64_t previous_seq = 0;
  for (const state::PersonalizeState::DatasetGroup& saved : in.dataset_groups()) {
    const std::string& arn = saved.dataset_group_arn();
    const std::string where = absl::StrCat("dataset group ", arn);
    if (absl::Status s =
            check_common(where, saved.seq(), previous_seq, saved.name(), arn,
                         Arn(absl::StrCat("dataset-group/", saved.name())), saved.domain());
        !s.ok()) {
      return s;
    }
    previous_seq = saved.seq();
    if (groups.contains(arn)) return Corrupt(where, "stored twice");
    GroupRecord g;
    g.seq = saved.seq();
    g.name = saved.name();
    g.arn = arn;
    g.role_arn = saved.role_arn();
    g.kms_key_arn = saved.kms_key_arn();
    g.domain = saved.domain();
    if (absl::Status s = load_tags(where, saved.tags(), &g.tags); !s.ok()) return s;
    if (absl::Status s = load_life(where, saved.life(), Kind::kGroup, arn, &g.life); !s.ok()) {
      return s;
    }
    groups.Add(std::move(g));
  }

  previous_seq = 0;
  for (const state::PersonalizeState::Schema& saved : in.schemas()) {
    const std::string& arn = saved.schema_arn();
    const std::string where = absl::StrCat("schema ", arn);
    if (absl::Status s = check_common(where, saved.seq(), previous_seq, saved.name(), arn,
                                      Arn(absl::StrCat("schema/", saved.name())), saved.domain());
        !s.ok()) {
      return s;
    }
    previous_seq = saved.seq();
    if (schemas.contains(arn)) return Corrupt(where, "stored twice");
    if (absl::Status s = CheckAvroSchema(saved.schema()); !s.ok()) {
      return Corrupt(where, s.message());
    }
    std::optional<absl::Time> created = StoredTime(saved.created());
    if (!saved.has_created() || !created) return Corrupt(where, "no valid creation time");
    SchemaRecord schema;
    schema.seq = saved.seq();
    schema.name = saved.name();
    schema.arn = arn;
    schema.schema = saved.schema();
    schema.domain = saved.domain();
    schema.created = *created;
    schemas.Add(std::move(schema));
  }

  previous_seq = 0;
  for (const state::PersonalizeState::Dataset& saved : in.datasets()) {
    const std::string& arn = saved.dataset_arn();
    const std::string where = absl::StrCat("dataset ", arn);
    const GroupRecord* found_group = groups.Find(saved.dataset_group_arn());
    if (found_group == nullptr) {
      return Corrupt(
          where, absl::StrCat("its dataset group ", saved.dataset_group_arn(), " is not stored"));
    }
    const GroupRecord& group = *found_group;
    // DeleteDatasetGroup refuses a group that has datasets.
    if (group.life.delete_requested) {
      return Corrupt(where, absl::StrCat("its dataset group ", group.arn, " is being deleted"));
    }
    if (!schemas.contains(saved.schema_arn())) {
      return Corrupt(where, absl::StrCat("its schema ", saved.schema_arn(), " is not stored"));
    }
    const std::string& type = saved.dataset_type();
    if (std::find(kDatasetTypes.begin(), kDatasetTypes.end(), type) == kDatasetTypes.end()) {
      return Corrupt(where, absl::StrCat("unknown datasetType '", type, "'"));
    }
    if (absl::Status s = check_common(
            where, saved.seq(), previous_seq, saved.name(), arn,
            Arn(absl::StrCat("dataset/", group.name, "/", absl::AsciiStrToUpper(type))), "");
        !s.ok()) {
      return s;
    }
    previous_seq = saved.seq();
    if (datasets.contains(arn)) return Corrupt(where, "stored twice");
    const bool tracked = type == "Action_Interactions";
    if (tracked ? !IsTrackingId(saved.tracking_id()) : !saved.tracking_id().empty()) {
      return Corrupt(where, absl::StrCat("trackingId '", saved.tracking_id(), "' is not what a ",
                                         type, " dataset has"));
    }
    DatasetRecord d;
    d.seq = saved.seq();
    d.name = saved.name();
    d.arn = arn;
    d.group_arn = group.arn;
    d.dataset_type = type;
    d.schema_arn = saved.schema_arn();
    d.tracking_id = saved.tracking_id();
    if (absl::Status s = load_tags(where, saved.tags(), &d.tags); !s.ok()) return s;
    if (absl::Status s = load_life(where, saved.life(), Kind::kDataset, arn, &d.life); !s.ok()) {
      return s;
    }
    datasets.Add(std::move(d));
  }

  absl::MutexLock lock(&mu_);
  next_seq_ = next_seq;
  groups_ = std::move(groups);
  schemas_ = std::move(schemas);
  datasets_ = std::move(datasets);
  deletions_ = std::move(deletions);
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
