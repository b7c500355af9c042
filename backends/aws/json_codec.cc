#include "backends/aws/json_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message.h"

// Only the non-throwing simdjson API is used; make the throwing one
// unavailable so that it cannot creep in.
#define SIMDJSON_EXCEPTIONS 0
#include "simdjson.h"

namespace awsfacade::backends::aws {
namespace {

namespace pb = ::google::protobuf;
namespace dom = ::simdjson::dom;

// Debian's Abseil has its own string_view type, distinct from std::string_view
// (simdjson's).
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A value whose JSON type the caller has checked already.
template <typename T>
T Checked(simdjson::simdjson_result<T>&& result) {
  T value{};
  const simdjson::error_code error = std::move(result).get(value);
  (void)error;
  return value;
}

constexpr absl::string_view kTimestampType = "google.protobuf.Timestamp";
constexpr absl::string_view kAttributeValueType = "aws.dynamodb.v1.AttributeValue";

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: google.protobuf.Timestamp's
// documented range.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

// Member-name aliases accepted on input only (json_codec.h).
struct MemberAlias {
  absl::string_view message;
  absl::string_view alias;
  absl::string_view json_name;
};
constexpr MemberAlias kMemberAliases[] = {
    {"aws.dynamodbstreams.v1.Identity", "principalId", "PrincipalId"},
    {"aws.dynamodbstreams.v1.Identity", "type", "Type"},
};

// Thread-local buffers are dropped after a document larger than this, so a
// single huge response does not pin memory in every worker thread.
constexpr size_t kKeepBufferBytes = size_t{8} << 20;

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// ---------------------------------------------------------------------------
// Error paths. Errors are built where they happen without any location; the
// callers that see an error come back through append one path segment each,
// so the success path never pays for path bookkeeping.

struct PathSegment {
  std::string key;     // member or map key, when index < 0
  int64_t index = -1;  // array index
};

std::string PathString(const std::vector<PathSegment>& trail) {
  std::string path = "$";
  for (auto it = trail.rbegin(); it != trail.rend(); ++it) {
    if (it->index >= 0) {
      absl::StrAppend(&path, "[", it->index, "]");
      continue;
    }
    const bool plain = !it->key.empty() && std::all_of(it->key.begin(), it->key.end(), [](char c) {
      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    if (plain) {
      absl::StrAppend(&path, ".", it->key);
    } else {
      absl::StrAppend(&path, "[\"", absl::CEscape(it->key), "\"]");
    }
  }
  return path;
}

absl::Status WithPath(const absl::Status& status, const std::vector<PathSegment>& trail) {
  if (status.code() != absl::StatusCode::kInvalidArgument &&
      status.code() != absl::StatusCode::kUnimplemented) {
    return status;
  }
  return absl::Status(status.code(), absl::StrCat(PathString(trail), ": ", status.message()));
}

absl::string_view JsonTypeName(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::OBJECT:
      return "object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return "integer";
    case dom::element_type::DOUBLE:
      return "number";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

absl::Status TypeError(dom::element value, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected ", expected, ", got ", JsonTypeName(value.type())));
}

absl::Status DepthError() {
  return absl::InvalidArgumentError(absl::StrCat("nested deeper than ", kMaxJsonDepth, " levels"));
}

// ---------------------------------------------------------------------------
// What the codec needs to know about a message type, computed once per type
// (per thread for generated types, per call for others: a DynamicMessage's
// descriptor may be destroyed, and its address reused, between calls).

enum class MessageKind : uint8_t { kPlain, kTimestamp, kAttributeValue, kListWrapper };

// A message whose one field is a repeated or map field named `values`: the
// proto's stand-in for an AWS list or map where proto cannot nest one
// directly (AttributeValue's SS/NS/BS/M/L, the list values of DynamoDB's
// batch maps). On the wire it is that field's value.
bool IsListWrapper(const pb::Descriptor* descriptor) {
  return descriptor->field_count() == 1 && descriptor->field(0)->name() == "values" &&
         descriptor->field(0)->is_repeated();
}

struct MessageInfo;

struct FieldInfo {
  const pb::FieldDescriptor* field = nullptr;
  int number = 0;
  pb::FieldDescriptor::Type type = pb::FieldDescriptor::TYPE_STRING;
  bool repeated = false;
  bool is_map = false;
  // Resolved on first use: the message type's info (message fields), the map
  // entry's value field (map fields), the wrapper's `values` field
  // (AttributeValue members SS, NS, BS, M, L).
  MessageInfo* message = nullptr;
  FieldInfo* map_value = nullptr;
  FieldInfo* wrapper_values = nullptr;
  bool resolved = false;
};

struct MessageInfo {
  const pb::Descriptor* descriptor = nullptr;
  MessageKind kind = MessageKind::kPlain;
  std::vector<FieldInfo> fields;
  // json_name (and aliases) -> index into fields. A linear scan beats hashing
  // for the small messages AWS uses; the map is built only for large ones.
  std::vector<std::pair<absl::string_view, int>> names;
  absl::flat_hash_map<absl::string_view, int> name_index;

  FieldInfo* Find(absl::string_view name) {
    if (!name_index.empty()) {
      auto it = name_index.find(name);
      return it == name_index.end() ? nullptr : &fields[it->second];
    }
    for (const auto& [candidate, index] : names) {
      if (candidate.size() == name.size() &&
          std::memcmp(candidate.data(), name.data(), name.size()) == 0) {
        return &fields[index];
      }
    }
    return nullptr;
  }
};

constexpr size_t kLinearLookupMax = 16;

class InfoCache {
 public:
  MessageInfo* Get(const pb::Descriptor* descriptor) {
    if (descriptor == last_descriptor_) return last_info_;
    auto& slot = infos_[descriptor];
    if (slot == nullptr) slot = Build(descriptor);
    last_descriptor_ = descriptor;
    last_info_ = slot.get();
    return last_info_;
  }

  // Fills the lazily resolved pointers of `f`.
  void Resolve(FieldInfo& f) {
    if (f.resolved) return;
    f.resolved = true;
    if (f.type != pb::FieldDescriptor::TYPE_MESSAGE) return;
    f.message = Get(f.field->message_type());
    if (f.is_map) {
      // fields[1] is the entry's `value` (fields are kept in declaration order).
      f.map_value = &f.message->fields[1];
    }
  }

  void ResolveWrapper(FieldInfo& f) {
    Resolve(f);
    if (f.wrapper_values != nullptr || f.message == nullptr) return;
    MessageInfo& wrapper = *f.message;
    if (wrapper.fields.size() == 1 && wrapper.fields[0].field->name() == "values" &&
        wrapper.fields[0].repeated) {
      f.wrapper_values = &wrapper.fields[0];
    }
  }

  size_t size() const { return infos_.size(); }

 private:
  static std::unique_ptr<MessageInfo> Build(const pb::Descriptor* descriptor) {
    auto info = std::make_unique<MessageInfo>();
    info->descriptor = descriptor;
    const std::string& full_name = descriptor->full_name();
    if (full_name == kTimestampType) info->kind = MessageKind::kTimestamp;
    if (full_name == kAttributeValueType) info->kind = MessageKind::kAttributeValue;
    if (IsListWrapper(descriptor)) info->kind = MessageKind::kListWrapper;
    info->fields.reserve(descriptor->field_count());
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* field = descriptor->field(i);
      FieldInfo f;
      f.field = field;
      f.number = field->number();
      f.type = field->type();
      f.repeated = field->is_repeated();
      f.is_map = field->is_map();
      info->fields.push_back(f);
      info->names.emplace_back(field->json_name(), i);
    }
    for (const MemberAlias& alias : kMemberAliases) {
      if (alias.message != full_name) continue;
      for (int i = 0; i < descriptor->field_count(); ++i) {
        if (descriptor->field(i)->json_name() == alias.json_name) {
          info->names.emplace_back(alias.alias, i);
        }
      }
    }
    if (info->names.size() > kLinearLookupMax) {
      for (const auto& [name, index] : info->names) info->name_index.emplace(name, index);
    }
    return info;
  }

  absl::flat_hash_map<const pb::Descriptor*, std::unique_ptr<MessageInfo>> infos_;
  const pb::Descriptor* last_descriptor_ = nullptr;
  MessageInfo* last_info_ = nullptr;
};

// ---------------------------------------------------------------------------
// Per-thread state: simdjson's parser keeps its buffers between documents,
// and so do we.

struct ThreadState {
  dom::parser parser;
  std::unique_ptr<char[]> padded;
  size_t padded_capacity = 0;
  std::string wire;
  InfoCache generated_infos;  // only types of the generated pool (immortal)
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

// Parses `json` with the thread's parser. The element stays valid until the
// thread parses again.
absl::StatusOr<dom::element> ParseJson(ThreadState& state, absl::string_view json) {
  if (json.size() > kMaxJsonBytes) {
    return absl::InvalidArgumentError(absl::StrCat("$: the JSON document has ", json.size(),
                                                   " bytes, more than the limit of ",
                                                   kMaxJsonBytes));
  }
  const size_t needed = json.size() + simdjson::SIMDJSON_PADDING;
  if (state.padded_capacity < needed) {
    state.padded = std::make_unique<char[]>(needed);
    state.padded_capacity = needed;
  }
  if (!json.empty()) std::memcpy(state.padded.get(), json.data(), json.size());
  std::memset(state.padded.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element root;
  simdjson::error_code error =
      state.parser.parse(state.padded.get(), json.size(), /*realloc_if_needed=*/false).get(root);
  if (error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("$: malformed JSON: ", simdjson::error_message(error)));
  }
  return root;
}

void TrimThreadState(ThreadState& state, size_t document_bytes) {
  if (state.wire.size() > kKeepBufferBytes) std::string().swap(state.wire);
  if (state.padded_capacity > kKeepBufferBytes) {
    state.padded.reset();
    state.padded_capacity = 0;
  }
  if (document_bytes > kKeepBufferBytes) state.parser = dom::parser();
}

// ---------------------------------------------------------------------------
// JSON -> protobuf wire format.

// Writes the protobuf wire format into a caller-owned buffer used as raw
// storage (its size() is the capacity; size() here is what was written), so
// that the hot path is plain stores rather than std::string appends.
class WireWriter {
 public:
  WireWriter(std::string* buffer, size_t expected_size) : buffer_(buffer) {
    if (buffer_->size() < expected_size) buffer_->resize(expected_size);
  }

  size_t size() const { return pos_; }
  const char* data() const { return buffer_->data(); }

  void Varint(uint64_t value) {
    char* p = Room(10);
    int n = 0;
    while (value >= 0x80) {
      p[n++] = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    p[n++] = static_cast<char>(value);
    pos_ += n;
  }
  void Tag(int number, WireType type) { Varint((static_cast<uint64_t>(number) << 3) | type); }
  void Fixed32(uint32_t value) {
    char* p = Append(4);
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(value >> (8 * i));
  }
  void Fixed64(uint64_t value) {
    char* p = Append(8);
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(value >> (8 * i));
  }
  void LengthDelimited(absl::string_view bytes) {
    Varint(bytes.size());
    if (!bytes.empty()) std::memcpy(Append(bytes.size()), bytes.data(), bytes.size());
  }
  // Appends `n` bytes for the caller to fill.
  char* Append(size_t n) {
    char* p = Room(n);
    pos_ += n;
    return p;
  }

  // A length-delimited value whose length is known only at its end: one byte
  // is reserved for the length, and the content is moved only in the rarer
  // case (>= 128 bytes) that the length needs more.
  size_t BeginLength() {
    Append(1);
    return pos_;
  }
  void EndLength(size_t start) {
    const size_t length = pos_ - start;
    if (length < 0x80) {
      (*buffer_)[start - 1] = static_cast<char>(length);
      return;
    }
    char encoded[10];
    int n = 0;
    uint64_t value = length;
    while (value >= 0x80) {
      encoded[n++] = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    encoded[n++] = static_cast<char>(value);
    Room(n - 1);
    char* base = &(*buffer_)[0];
    std::memmove(base + start + n - 1, base + start, length);
    std::memcpy(base + start - 1, encoded, n);
    pos_ += n - 1;
  }

 private:
  // Makes room for `n` more bytes; returns where they go.
  char* Room(size_t n) {
    if (pos_ + n > buffer_->size()) {
      buffer_->resize(std::max(buffer_->size() * 2, pos_ + n + 256));
    }
    return &(*buffer_)[pos_];
  }

  std::string* buffer_;
  size_t pos_ = 0;
};

// Standard base64 alphabet; -1 marks bytes outside it.
constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kBase64Table = MakeBase64Table();

class JsonToWire {
 public:
  JsonToWire(std::string* buffer, size_t expected_size, InfoCache* cache,
             const AwsJsonReadOptions& options)
      : writer_(buffer, expected_size), cache_(cache), options_(options) {}

  const WireWriter& writer() const { return writer_; }

  // Writes the fields of the JSON object `value` as message `info`.
  // `depth` is the nesting level of `value` itself (the document's root is 1).
  absl::Status Message(MessageInfo& info, dom::element value, int depth) {
    if (depth > kMaxJsonDepth) return DepthError();
    if (info.kind == MessageKind::kAttributeValue) return AttributeValue(info, value, depth);
    if (info.kind == MessageKind::kListWrapper) return Member(info.fields[0], value, depth);
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      return TypeError(value, "an object");
    }
    for (auto it = object.begin(); it != object.end(); ++it) {
      FieldInfo* f = info.Find(Sv(it.key()));
      if (f == nullptr) {  // a member this message does not know
        if (options_.reject_unknown_members) return UnknownMember(info, Sv(it.key()));
        continue;
      }
      dom::element member = it.value();
      if (member.is_null()) continue;
      absl::Status status = Member(*f, member, depth + 1);
      if (!status.ok()) return Fail(status, Sv(it.key()));
    }
    return absl::OkStatus();
  }

  std::vector<PathSegment>& trail() { return trail_; }

 private:
  absl::Status Fail(absl::Status status, absl::string_view key) {
    trail_.push_back(PathSegment{std::string(key), -1});
    return status;
  }

  absl::Status UnknownMember(const MessageInfo& info, absl::string_view key) {
    std::string names;
    for (const auto& [name, index] : info.names) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", name);
    }
    return Fail(absl::InvalidArgumentError(absl::StrCat(
                    "unknown member of ", info.descriptor->name(), ", must be one of: ", names)),
                key);
  }
  absl::Status Fail(absl::Status status, int64_t index) {
    trail_.push_back(PathSegment{std::string(), index});
    return status;
  }

  // A whole member: a map, a repeated field or a singular value.
  absl::Status Member(FieldInfo& f, dom::element value, int depth) {
    if (f.is_map) {
      if (depth > kMaxJsonDepth) return DepthError();
      cache_->Resolve(f);
      const FieldInfo& key_field = f.message->fields[0];
      if (key_field.type != pb::FieldDescriptor::TYPE_STRING) {
        return absl::UnimplementedError("map keys other than strings are not supported");
      }
      dom::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) {
        return TypeError(value, "an object");
      }
      FieldInfo& value_field = *f.map_value;
      for (auto it = object.begin(); it != object.end(); ++it) {
        dom::element entry_value = it.value();
        if (entry_value.is_null()) continue;  // sparse maps are read dense
        writer_.Tag(f.number, kLengthDelimited);
        const size_t start = writer_.BeginLength();
        writer_.Tag(1, kLengthDelimited);
        writer_.LengthDelimited(Sv(it.key()));
        absl::Status status = Value(value_field, entry_value, depth + 1);
        writer_.EndLength(start);
        if (!status.ok()) return Fail(status, Sv(it.key()));
      }
      return absl::OkStatus();
    }
    if (f.repeated) {
      if (depth > kMaxJsonDepth) return DepthError();
      dom::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) {
        return TypeError(value, "an array");
      }
      int64_t index = 0;
      for (dom::element element : array) {
        if (!element.is_null()) {
          absl::Status status = Value(f, element, depth + 1);
          if (!status.ok()) return Fail(status, index);
        }
        ++index;
      }
      return absl::OkStatus();
    }
    return Value(f, value, depth);
  }

  // One value of field `f` (an element, for repeated fields), with its tag.
  absl::Status Value(FieldInfo& f, dom::element value, int depth) {
    using T = pb::FieldDescriptor;
    switch (f.type) {
      case T::TYPE_STRING: {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) return TypeError(value, "a string");
        writer_.Tag(f.number, kLengthDelimited);
        writer_.LengthDelimited(Sv(s));
        return absl::OkStatus();
      }
      case T::TYPE_BYTES: {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) {
          return TypeError(value, "a base64 string");
        }
        writer_.Tag(f.number, kLengthDelimited);
        return Base64(s);
      }
      case T::TYPE_BOOL: {
        bool b = false;
        if (value.get_bool().get(b) != simdjson::SUCCESS) return TypeError(value, "a boolean");
        writer_.Tag(f.number, kVarint);
        writer_.Varint(b ? 1 : 0);
        return absl::OkStatus();
      }
      case T::TYPE_INT32:
      case T::TYPE_SINT32:
      case T::TYPE_SFIXED32: {
        int64_t v = 0;
        absl::Status status = Integer(value, std::numeric_limits<int32_t>::min(),
                                      std::numeric_limits<int32_t>::max(), "int32", &v);
        if (!status.ok()) return status;
        WriteSigned(f, v);
        return absl::OkStatus();
      }
      case T::TYPE_INT64:
      case T::TYPE_SINT64:
      case T::TYPE_SFIXED64: {
        int64_t v = 0;
        absl::Status status = Integer(value, std::numeric_limits<int64_t>::min(),
                                      std::numeric_limits<int64_t>::max(), "int64", &v);
        if (!status.ok()) return status;
        WriteSigned(f, v);
        return absl::OkStatus();
      }
      case T::TYPE_UINT32:
      case T::TYPE_FIXED32: {
        uint64_t v = 0;
        absl::Status status = Unsigned(value, std::numeric_limits<uint32_t>::max(), "uint32", &v);
        if (!status.ok()) return status;
        if (f.type == T::TYPE_FIXED32) {
          writer_.Tag(f.number, kFixed32);
          writer_.Fixed32(static_cast<uint32_t>(v));
        } else {
          writer_.Tag(f.number, kVarint);
          writer_.Varint(v);
        }
        return absl::OkStatus();
      }
      case T::TYPE_UINT64:
      case T::TYPE_FIXED64: {
        uint64_t v = 0;
        absl::Status status = Unsigned(value, std::numeric_limits<uint64_t>::max(), "uint64", &v);
        if (!status.ok()) return status;
        if (f.type == T::TYPE_FIXED64) {
          writer_.Tag(f.number, kFixed64);
          writer_.Fixed64(v);
        } else {
          writer_.Tag(f.number, kVarint);
          writer_.Varint(v);
        }
        return absl::OkStatus();
      }
      case T::TYPE_DOUBLE: {
        double d = 0;
        absl::Status status = Double(value, &d);
        if (!status.ok()) return status;
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof(bits));
        writer_.Tag(f.number, kFixed64);
        writer_.Fixed64(bits);
        return absl::OkStatus();
      }
      case T::TYPE_FLOAT: {
        double d = 0;
        absl::Status status = Double(value, &d);
        if (!status.ok()) return status;
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
          return absl::InvalidArgumentError("number out of range for float");
        }
        const float fl = static_cast<float>(d);
        uint32_t bits;
        std::memcpy(&bits, &fl, sizeof(bits));
        writer_.Tag(f.number, kFixed32);
        writer_.Fixed32(bits);
        return absl::OkStatus();
      }
      case T::TYPE_ENUM: {
        int64_t number = 0;
        std::string_view name;
        if (value.get_string().get(name) == simdjson::SUCCESS) {
          const pb::EnumValueDescriptor* v =
              f.field->enum_type()->FindValueByName(std::string(name));
          if (v == nullptr) {
            return absl::InvalidArgumentError(absl::StrCat("unknown value \"",
                                                           absl::CEscape(Sv(name)), "\" of enum ",
                                                           f.field->enum_type()->full_name()));
          }
          number = v->number();
        } else {
          absl::Status status = Integer(value, std::numeric_limits<int32_t>::min(),
                                        std::numeric_limits<int32_t>::max(), "enum", &number);
          if (!status.ok()) return status;
        }
        writer_.Tag(f.number, kVarint);
        writer_.Varint(static_cast<uint64_t>(number));
        return absl::OkStatus();
      }
      case T::TYPE_MESSAGE: {
        cache_->Resolve(f);
        MessageInfo& info = *f.message;
        if (info.kind == MessageKind::kTimestamp) return Timestamp(f.number, value);
        writer_.Tag(f.number, kLengthDelimited);
        const size_t start = writer_.BeginLength();
        absl::Status status = Message(info, value, depth);
        writer_.EndLength(start);
        return status;
      }
      case T::TYPE_GROUP:
        break;
    }
    return absl::UnimplementedError("proto2 groups are not supported");
  }

  // AWS's AttributeValue union: exactly one member, and the wrapper messages
  // of SS/NS/BS/M/L stand for their `values` field.
  absl::Status AttributeValue(MessageInfo& info, dom::element value, int depth) {
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      return TypeError(value, "an AttributeValue object");
    }
    const FieldInfo* seen = nullptr;
    for (auto it = object.begin(); it != object.end(); ++it) {
      FieldInfo* f = info.Find(Sv(it.key()));
      if (f == nullptr) {  // a value type newer than our proto
        if (options_.reject_unknown_members) return UnknownMember(info, Sv(it.key()));
        continue;
      }
      dom::element member = it.value();
      if (member.is_null()) continue;
      if (seen != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("an AttributeValue has exactly one member, this one has ",
                         seen->field->json_name(), " and ", Sv(it.key())));
      }
      seen = f;
      absl::Status status;
      if (f->type == pb::FieldDescriptor::TYPE_MESSAGE) cache_->ResolveWrapper(*f);
      if (f->wrapper_values != nullptr) {
        writer_.Tag(f->number, kLengthDelimited);
        const size_t start = writer_.BeginLength();
        status = Member(*f->wrapper_values, member, depth + 1);
        writer_.EndLength(start);
      } else {
        status = Value(*f, member, depth + 1);
      }
      if (!status.ok()) return Fail(status, Sv(it.key()));
    }
    return absl::OkStatus();
  }

  absl::Status Timestamp(int number, dom::element value) {
    int64_t seconds = 0;
    int64_t nanos = 0;
    switch (value.type()) {
      case dom::element_type::INT64: {
        seconds = Checked(value.get_int64());
        break;
      }
      case dom::element_type::DOUBLE: {
        double d = 0;
        d = Checked(value.get_double());
        if (!(d >= static_cast<double>(kMinTimestampSeconds) &&
              d < static_cast<double>(kMaxTimestampSeconds) + 1)) {
          return absl::InvalidArgumentError(
              absl::StrCat("timestamp ", d, " is outside years 1..9999"));
        }
        double whole = std::floor(d);
        // Microseconds: the precision a double keeps at today's epoch values.
        int64_t micros = std::llround((d - whole) * 1e6);
        if (micros >= 1000000) {
          whole += 1;
          micros -= 1000000;
        }
        seconds = static_cast<int64_t>(whole);
        nanos = micros * 1000;
        break;
      }
      case dom::element_type::UINT64:
        return absl::InvalidArgumentError("timestamp is outside years 1..9999");
      case dom::element_type::STRING: {
        if (!options_.accept_rfc3339_timestamps) {
          return TypeError(value, "epoch seconds (a number)");
        }
        const std::string text(Checked(value.get_string()));
        absl::Time time;
        std::string error;
        if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "expected epoch seconds or an RFC 3339 time, got \"", absl::CEscape(text), "\""));
        }
        const absl::Duration since_epoch = time - absl::UnixEpoch();
        seconds = absl::ToInt64Seconds(absl::Floor(since_epoch, absl::Seconds(1)));
        nanos = absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds));
        break;
      }
      default:
        return TypeError(value, options_.accept_rfc3339_timestamps
                                    ? "epoch seconds or an RFC 3339 time"
                                    : "epoch seconds (a number)");
    }
    if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
      return absl::InvalidArgumentError(
          absl::StrCat("timestamp ", seconds, " is outside years 1..9999"));
    }
    writer_.Tag(number, kLengthDelimited);
    const size_t start = writer_.BeginLength();
    if (seconds != 0) {
      writer_.Tag(1, kVarint);
      writer_.Varint(static_cast<uint64_t>(seconds));
    }
    if (nanos != 0) {
      writer_.Tag(2, kVarint);
      writer_.Varint(static_cast<uint64_t>(nanos));
    }
    writer_.EndLength(start);
    return absl::OkStatus();
  }

  void WriteSigned(const FieldInfo& f, int64_t v) {
    using T = pb::FieldDescriptor;
    switch (f.type) {
      case T::TYPE_SINT32:
      case T::TYPE_SINT64:
        writer_.Tag(f.number, kVarint);
        writer_.Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
        return;
      case T::TYPE_SFIXED32:
        writer_.Tag(f.number, kFixed32);
        writer_.Fixed32(static_cast<uint32_t>(static_cast<int32_t>(v)));
        return;
      case T::TYPE_SFIXED64:
        writer_.Tag(f.number, kFixed64);
        writer_.Fixed64(static_cast<uint64_t>(v));
        return;
      default:  // int32 (sign-extended, as protobuf does) and int64
        writer_.Tag(f.number, kVarint);
        writer_.Varint(static_cast<uint64_t>(v));
        return;
    }
  }

  // An integral JSON number within [min, max]. An integral double (1.0E3) is
  // accepted; a fraction or a string is not.
  static absl::Status Integer(dom::element value, int64_t min, int64_t max,
                              absl::string_view type_name, int64_t* out) {
    switch (value.type()) {
      case dom::element_type::INT64: {
        int64_t v = 0;
        v = Checked(value.get_int64());
        if (v < min || v > max) return RangeError(type_name);
        *out = v;
        return absl::OkStatus();
      }
      case dom::element_type::UINT64:
        return RangeError(type_name);
      case dom::element_type::DOUBLE: {
        double d = 0;
        d = Checked(value.get_double());
        if (std::trunc(d) != d) {
          return absl::InvalidArgumentError(
              absl::StrCat("expected an integer, got the fraction ", d));
        }
        if (!(d >= static_cast<double>(min) && d < static_cast<double>(max) + 1.0)) {
          return RangeError(type_name);
        }
        *out = static_cast<int64_t>(d);
        if (*out < min || *out > max) return RangeError(type_name);
        return absl::OkStatus();
      }
      default:
        return TypeError(value, "an integer");
    }
  }

  static absl::Status Unsigned(dom::element value, uint64_t max, absl::string_view type_name,
                               uint64_t* out) {
    switch (value.type()) {
      case dom::element_type::INT64: {
        int64_t v = 0;
        v = Checked(value.get_int64());
        if (v < 0 || static_cast<uint64_t>(v) > max) return RangeError(type_name);
        *out = static_cast<uint64_t>(v);
        return absl::OkStatus();
      }
      case dom::element_type::UINT64: {
        uint64_t v = 0;
        v = Checked(value.get_uint64());
        if (v > max) return RangeError(type_name);
        *out = v;
        return absl::OkStatus();
      }
      case dom::element_type::DOUBLE: {
        double d = 0;
        d = Checked(value.get_double());
        if (std::trunc(d) != d) {
          return absl::InvalidArgumentError(
              absl::StrCat("expected an integer, got the fraction ", d));
        }
        if (!(d >= 0 && d < static_cast<double>(max) + 1.0)) return RangeError(type_name);
        *out = static_cast<uint64_t>(d);
        return absl::OkStatus();
      }
      default:
        return TypeError(value, "an integer");
    }
  }

  static absl::Status RangeError(absl::string_view type_name) {
    return absl::InvalidArgumentError(absl::StrCat("number out of range for ", type_name));
  }

  // A number, or Smithy's "NaN" / "Infinity" / "-Infinity" strings.
  static absl::Status Double(dom::element value, double* out) {
    switch (value.type()) {
      case dom::element_type::INT64: {
        int64_t v = 0;
        v = Checked(value.get_int64());
        *out = static_cast<double>(v);
        return absl::OkStatus();
      }
      case dom::element_type::UINT64: {
        uint64_t v = 0;
        v = Checked(value.get_uint64());
        *out = static_cast<double>(v);
        return absl::OkStatus();
      }
      case dom::element_type::DOUBLE:
        *out = Checked(value.get_double());
        return absl::OkStatus();
      case dom::element_type::STRING: {
        std::string_view s;
        s = Checked(value.get_string());
        if (s == "NaN") {
          *out = std::numeric_limits<double>::quiet_NaN();
        } else if (s == "Infinity") {
          *out = std::numeric_limits<double>::infinity();
        } else if (s == "-Infinity") {
          *out = -std::numeric_limits<double>::infinity();
        } else {
          return absl::InvalidArgumentError(
              absl::StrCat("expected a number, got the string \"", absl::CEscape(Sv(s)), "\""));
        }
        return absl::OkStatus();
      }
      default:
        return TypeError(value, "a number");
    }
  }

  // Decodes standard base64 (padding optional) straight into the output,
  // preceded by its length.
  absl::Status Base64(std::string_view text) {
    size_t data_chars = text.size();
    if (data_chars % 4 == 0) {
      if (data_chars > 0 && text[data_chars - 1] == '=') --data_chars;
      if (data_chars > 0 && text[data_chars - 1] == '=') --data_chars;
    }
    if (data_chars % 4 == 1) {
      return absl::InvalidArgumentError("invalid base64: truncated");
    }
    const size_t length = data_chars / 4 * 3 + (data_chars % 4 == 0 ? 0 : data_chars % 4 - 1);
    writer_.Varint(length);
    char* dst = writer_.Append(length);
    uint32_t accumulator = 0;
    int bits = 0;
    for (size_t i = 0; i < data_chars; ++i) {
      const int8_t v = kBase64Table[static_cast<unsigned char>(text[i])];
      if (v < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid base64: unexpected character at offset ", i));
      }
      accumulator = (accumulator << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        *dst++ = static_cast<char>((accumulator >> bits) & 0xFF);
      }
    }
    return absl::OkStatus();
  }

  WireWriter writer_;
  InfoCache* cache_;
  const AwsJsonReadOptions& options_;
  std::vector<PathSegment> trail_;
};

// ---------------------------------------------------------------------------
// Message -> JSON, through reflection.

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(escaped, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

// Epoch seconds as botocore writes them: "946845296", or with the exact
// fractional digits ("1542392161.837", "-0.5").
std::string FormatEpochSeconds(int64_t seconds, int32_t nanos) {
  if (nanos == 0) return absl::StrCat(seconds);
  bool negative = false;
  int64_t whole = seconds;
  int64_t fraction = nanos;
  if (seconds < 0) {
    // seconds + nanos/1e9 < 0: print -(|seconds + 1|).(1e9 - nanos).
    negative = true;
    whole = -(seconds + 1);
    fraction = 1000000000 - nanos;
  }
  std::string digits = absl::StrCat(fraction);
  digits.insert(0, 9 - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return absl::StrCat(negative ? "-" : "", whole, ".", digits);
}

// ISO 8601 in UTC as the AWS CLI v2 prints a timestamp (Python's
// datetime.isoformat()): microseconds only when the time is not whole seconds.
std::string FormatIso8601(int64_t seconds, int32_t nanos) {
  const absl::Time time = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return absl::FormatTime(
      nanos / 1000 == 0 ? "%Y-%m-%dT%H:%M:%S+00:00" : "%Y-%m-%dT%H:%M:%E6S+00:00", time,
      absl::UTCTimeZone());
}

class MessageToJson {
 public:
  MessageToJson(std::string* out, bool iso8601_timestamps)
      : out_(out), iso8601_timestamps_(iso8601_timestamps) {}

  absl::Status Message(const pb::Message& message, int depth,
                       absl::Span<const pb::FieldDescriptor* const> omit = {}) {
    if (depth > kMaxJsonDepth) return DepthError();
    const pb::Descriptor* descriptor = message.GetDescriptor();
    const std::string& full_name = descriptor->full_name();
    if (full_name == kTimestampType) return Timestamp(message);
    if (full_name == kAttributeValueType) return AttributeValue(message, depth);
    if (IsListWrapper(descriptor)) return Field(message, descriptor->field(0), depth);
    std::vector<const pb::FieldDescriptor*> fields;
    message.GetReflection()->ListFields(message, &fields);
    out_->push_back('{');
    bool first = true;
    for (const pb::FieldDescriptor* field : fields) {
      if (std::find(omit.begin(), omit.end(), field) != omit.end()) continue;
      if (field->is_extension()) continue;
      if (!first) out_->push_back(',');
      first = false;
      AppendJsonString(field->json_name(), out_);
      out_->push_back(':');
      absl::Status status = Field(message, field, depth + 1);
      if (!status.ok()) return Fail(status, field->json_name());
    }
    out_->push_back('}');
    return absl::OkStatus();
  }

  std::vector<PathSegment>& trail() { return trail_; }

 private:
  absl::Status Fail(absl::Status status, absl::string_view key) {
    trail_.push_back(PathSegment{std::string(key), -1});
    return status;
  }
  absl::Status Fail(absl::Status status, int64_t index) {
    trail_.push_back(PathSegment{std::string(), index});
    return status;
  }

  // The whole value of `field`: an object for a map, an array for a repeated
  // field (possibly empty), else the single value.
  absl::Status Field(const pb::Message& message, const pb::FieldDescriptor* field, int depth) {
    const pb::Reflection* reflection = message.GetReflection();
    if (field->is_map()) {
      if (depth > kMaxJsonDepth) return DepthError();
      const pb::Descriptor* entry = field->message_type();
      const pb::FieldDescriptor* key_field = entry->map_key();
      const pb::FieldDescriptor* value_field = entry->map_value();
      if (key_field->type() != pb::FieldDescriptor::TYPE_STRING) {
        return absl::UnimplementedError("map keys other than strings are not supported");
      }
      const int size = reflection->FieldSize(message, field);
      std::vector<std::pair<std::string, const pb::Message*>> entries;
      entries.reserve(size);
      for (int i = 0; i < size; ++i) {
        const pb::Message& e = reflection->GetRepeatedMessage(message, field, i);
        entries.emplace_back(e.GetReflection()->GetString(e, key_field), &e);
      }
      // A DynamicMessage's map read from the wire can still hold repeated
      // keys in this view (a generated map cannot): the last one wins, as in
      // protobuf's own map semantics, so sort stably and write only the last
      // entry of each key (found by the fuzzer: duplicate JSON members).
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out_->push_back('{');
      bool first = true;
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i + 1 < entries.size() && entries[i + 1].first == entries[i].first) continue;
        if (!first) out_->push_back(',');
        first = false;
        absl::Status status = String(entries[i].first);
        if (status.ok()) {
          out_->push_back(':');
          status = Value(*entries[i].second, value_field, -1, depth + 1);
        }
        if (!status.ok()) return Fail(status, entries[i].first);
      }
      out_->push_back('}');
      return absl::OkStatus();
    }
    if (field->is_repeated()) {
      if (depth > kMaxJsonDepth) return DepthError();
      const int size = reflection->FieldSize(message, field);
      out_->push_back('[');
      for (int i = 0; i < size; ++i) {
        if (i > 0) out_->push_back(',');
        absl::Status status = Value(message, field, i, depth + 1);
        if (!status.ok()) return Fail(status, i);
      }
      out_->push_back(']');
      return absl::OkStatus();
    }
    return Value(message, field, -1, depth);
  }

  // One value: the singular field (index < 0) or element `index`.
  absl::Status Value(const pb::Message& message, const pb::FieldDescriptor* field, int index,
                     int depth) {
    const pb::Reflection* r = message.GetReflection();
    const bool rep = index >= 0;
    using C = pb::FieldDescriptor;
    switch (field->cpp_type()) {
      case C::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s = rep ? r->GetRepeatedStringReference(message, field, index, &scratch)
                                   : r->GetStringReference(message, field, &scratch);
        if (field->type() == C::TYPE_BYTES) {
          AppendJsonString(absl::Base64Escape(s), out_);
          return absl::OkStatus();
        }
        return String(s);
      }
      case C::CPPTYPE_INT32:
        absl::StrAppend(
            out_, rep ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
        return absl::OkStatus();
      case C::CPPTYPE_INT64:
        absl::StrAppend(
            out_, rep ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field));
        return absl::OkStatus();
      case C::CPPTYPE_UINT32:
        absl::StrAppend(
            out_, rep ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field));
        return absl::OkStatus();
      case C::CPPTYPE_UINT64:
        absl::StrAppend(
            out_, rep ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field));
        return absl::OkStatus();
      case C::CPPTYPE_BOOL:
        out_->append((rep ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field))
                         ? "true"
                         : "false");
        return absl::OkStatus();
      case C::CPPTYPE_DOUBLE:
        Number(FormatDouble(rep ? r->GetRepeatedDouble(message, field, index)
                                : r->GetDouble(message, field)));
        return absl::OkStatus();
      case C::CPPTYPE_FLOAT:
        Number(FormatFloat(rep ? r->GetRepeatedFloat(message, field, index)
                               : r->GetFloat(message, field)));
        return absl::OkStatus();
      case C::CPPTYPE_ENUM: {
        const int number =
            rep ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field);
        const pb::EnumValueDescriptor* v = field->enum_type()->FindValueByNumber(number);
        if (v != nullptr) {
          AppendJsonString(v->name(), out_);
        } else {
          absl::StrAppend(out_, number);
        }
        return absl::OkStatus();
      }
      case C::CPPTYPE_MESSAGE:
        return Message(
            rep ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field),
            depth);
    }
    return absl::InternalError("unknown field type");
  }

  // Non-finite values come back from FormatDouble as words, which JSON
  // carries as strings.
  void Number(const std::string& text) {
    if (!text.empty() && (absl::ascii_isdigit(static_cast<unsigned char>(text.back())))) {
      out_->append(text);
    } else {
      AppendJsonString(text, out_);
    }
  }

  absl::Status String(absl::string_view s) {
    if (!simdjson::validate_utf8(s.data(), s.size())) {
      return absl::InvalidArgumentError("string is not valid UTF-8");
    }
    AppendJsonString(s, out_);
    return absl::OkStatus();
  }

  absl::Status Timestamp(const pb::Message& message) {
    const pb::Descriptor* d = message.GetDescriptor();
    const pb::Reflection* r = message.GetReflection();
    const pb::FieldDescriptor* seconds_field = d->FindFieldByNumber(1);
    const pb::FieldDescriptor* nanos_field = d->FindFieldByNumber(2);
    const int64_t seconds = r->GetInt64(message, seconds_field);
    const int32_t nanos = r->GetInt32(message, nanos_field);
    if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds || nanos < 0 ||
        nanos > 999999999) {
      return absl::InvalidArgumentError(absl::StrCat(
          "timestamp {seconds: ", seconds, ", nanos: ", nanos, "} is outside years 1..9999"));
    }
    if (iso8601_timestamps_) {
      AppendJsonString(FormatIso8601(seconds, nanos), out_);
    } else {
      out_->append(FormatEpochSeconds(seconds, nanos));
    }
    return absl::OkStatus();
  }

  absl::Status AttributeValue(const pb::Message& message, int depth) {
    std::vector<const pb::FieldDescriptor*> fields;
    message.GetReflection()->ListFields(message, &fields);
    const pb::FieldDescriptor* set = nullptr;
    for (const pb::FieldDescriptor* field : fields) {
      if (field->containing_oneof() != nullptr) set = field;
    }
    if (set == nullptr) {
      return absl::InvalidArgumentError("AttributeValue has no member set");
    }
    out_->push_back('{');
    AppendJsonString(set->json_name(), out_);
    out_->push_back(':');
    absl::Status status;
    const pb::Descriptor* wrapper = set->message_type();
    if (wrapper != nullptr && IsListWrapper(wrapper)) {
      // SS, NS, BS, M, L: the wrapper's `values` is the member's value.
      const pb::Message& w = message.GetReflection()->GetMessage(message, set);
      status = Field(w, wrapper->field(0), depth + 1);
    } else {
      status = Value(message, set, -1, depth + 1);
    }
    if (!status.ok()) return Fail(status, set->json_name());
    out_->push_back('}');
    return absl::OkStatus();
  }

  std::string* out_;
  bool iso8601_timestamps_;
  std::vector<PathSegment> trail_;
};

}  // namespace

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string FormatFloat(float value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

absl::Status AwsJsonToMessage(absl::string_view json, pb::Message* message,
                              const AwsJsonReadOptions& options) {
  message->Clear();
  ThreadState& state = State();
  absl::StatusOr<dom::element> root = ParseJson(state, json);
  if (!root.ok()) return root.status();
  if (root->is_null()) return absl::OkStatus();

  const pb::Descriptor* descriptor = message->GetDescriptor();
  InfoCache local_infos;
  InfoCache* infos = descriptor->file()->pool() == pb::DescriptorPool::generated_pool()
                         ? &state.generated_infos
                         : &local_infos;
  // The wire form is about as long as the JSON or shorter (no quotes, no
  // names, binary numbers, decoded base64); the writer grows if need be.
  JsonToWire transcoder(&state.wire, json.size() + 256, infos, options);
  absl::Status status = transcoder.Message(*infos->Get(descriptor), *root, 1);
  if (!status.ok()) {
    TrimThreadState(state, json.size());
    return WithPath(status, transcoder.trail());
  }

  // The generated parser (or DynamicMessage's) builds the message. Each JSON
  // level adds at most 1.5 message levels (AttributeValue -> MapValue ->
  // entry), so this limit never cuts a document the transcoder accepted.
  pb::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(transcoder.writer().data()),
                                 static_cast<int>(transcoder.writer().size()));
  input.SetRecursionLimit(2 * kMaxJsonDepth + 8);
  const bool parsed = message->MergePartialFromCodedStream(&input) && input.ConsumedEntireMessage();
  TrimThreadState(state, json.size());
  if (!parsed) {
    message->Clear();
    return absl::InternalError(
        absl::StrCat("building ", descriptor->full_name(), " from its JSON failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MessageToAwsJson(const pb::Message& message,
                                             const AwsJsonWriteOptions& options) {
  std::string out;
  MessageToJson writer(&out, options.iso8601_timestamps);
  absl::Status status = writer.Message(message, 1, options.omit_fields);
  if (!status.ok()) return WithPath(status, writer.trail());
  return out;
}

absl::StatusOr<std::vector<JsonStringMember>> TopLevelStringMembers(absl::string_view json) {
  ThreadState& state = State();
  absl::StatusOr<dom::element> root = ParseJson(state, json);
  if (!root.ok()) return root.status();
  dom::object object;
  if (root->get_object().get(object) != simdjson::SUCCESS) {
    return WithPath(TypeError(*root, "an object"), {});
  }
  std::vector<JsonStringMember> members;
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::string_view value;
    if (it.value().get_string().get(value) == simdjson::SUCCESS) {
      members.push_back(JsonStringMember{std::string(Sv(it.key())), std::string(Sv(value))});
    }
  }
  TrimThreadState(state, json.size());
  return members;
}

}  // namespace awsfacade::backends::aws
