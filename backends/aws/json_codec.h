#ifndef AWSFACADE_BACKENDS_AWS_JSON_CODEC_H_
#define AWSFACADE_BACKENDS_AWS_JSON_CODEC_H_

// A generic codec between the project's proto messages and AWS's wire JSON
// (the body encoding shared by awsJson 1.0, awsJson 1.1 and restJson1;
// docs/aws-semantics.md §2). It is driven by the message's descriptor, so it works
// for every message of proto/aws/** and for DynamicMessage alike; no code is
// generated per shape.
//
// Mapping (proto field -> AWS JSON member):
//   * The member name is the field's json_name (the protos set it to the AWS
//     member name, case preserved: docs/aws-semantics.md §1.4).
//   * string -> JSON string; bytes -> base64 string (standard alphabet, padded);
//     int32/int64/uint32/uint64 -> JSON number, never a string; bool -> true/false;
//     float/double -> JSON number, and the strings "NaN", "Infinity",
//     "-Infinity" for the non-finite values (Smithy's rule); enum -> value name.
//   * google.protobuf.Timestamp -> JSON number of seconds since the epoch.
//     Written as botocore writes it: an integer when the time is whole seconds
//     (946845296), else with the exact fractional digits (1542392161.837).
//     Read from an integer or a fractional number; fractional seconds are kept
//     to the microsecond, the most a JSON double carries at today's epoch
//     values (1.5e9 s has a 2.4e-7 s resolution).
//   * message -> JSON object; repeated -> JSON array; map<string, V> -> object.
//   * aws.dynamodb.v1.AttributeValue is AWS's union and is written exactly as
//     AWS writes it: {"S":"x"}, {"N":"1"}, {"B":"AAE="}, {"SS":["a"]},
//     {"NS":["1"]}, {"BS":["AAE="]}, {"M":{"k":{...}}}, {"L":[{...}]},
//     {"NULL":true}, {"BOOL":false}. The proto's wrapper messages (SS, NS, BS,
//     M, L hold one field `values`) do not appear on the wire: the member's
//     value is the wrapper's `values` field. A wrapper that is set is written
//     even when empty ({"M":{}} and {"L":[]} are valid DynamoDB values).
//   * Likewise anywhere else: a message whose only field is a repeated or map
//     field named `values` is that field's value on the wire. The protos use
//     such wrappers where AWS nests a list or map in a map or list, which
//     proto cannot ("RequestItems": {"T": [{"PutRequest": ...}]} is
//     map<string, WriteRequests>; "Keys": [{"pk": {"S": "a"}}] is repeated
//     MapValue).
//
// Which fields are written (requests): only fields that are set, which for
// proto3 means: a scalar with explicit presence (`optional`, or a oneof
// member) when its has-bit is set, whatever its value (so `optional int32
// limit = 0` is sent as "Limit":0); a scalar without presence when it is not
// the default (a proto3 `string` is sent only when non-empty, a plain `bool`
// only when true); a repeated or map field when it has at least one element; a
// message field when it is present (even if all its fields are unset: {}).
// An empty list or map therefore cannot be sent (proto3 repeated and map
// fields have no presence); for the members we mirror AWS either reads an
// absent list like an empty one or rejects an empty one anyway (DynamoDB's
// ExpressionAttributeValues). Map keys are written in sorted order, so the
// output is deterministic.
//
// Which members are read (responses): every member whose name is a field's
// json_name. Members the message does not know are ignored (AWS adds members
// over time); members whose value is null are treated as absent, also inside
// arrays and maps (botocore and Smithy skip them). A member present on the
// wire sets the field's presence, so `optional` fields tell 0 from absent.
// Aliases: aws.dynamodbstreams.v1.Identity also accepts `principalId` and
// `type`, the spelling of the TTL docs and Lambda events (docs/aws-semantics.md
// §9.2); output always uses the model's PrincipalId/Type.
//
// Errors (never a crash, never an exception): InvalidArgument naming the JSON
// path of the offending value ("$.Records[3].dynamodb.SizeBytes: expected an
// integer, got string") for malformed JSON, a value of the wrong JSON type,
// bad base64, a number out of the field's range, a fractional number for an
// integer field, an AttributeValue with more than one member, nesting deeper
// than kMaxJsonDepth, or input larger than kMaxJsonBytes; on output,
// InvalidArgument for strings that are not UTF-8, an AttributeValue with no
// member set, or a Timestamp outside 0001..9999. Unimplemented for map keys
// that are not strings (no AWS shape has them).
//
// How: writing walks the message with google::protobuf::Reflection. Reading
// parses with simdjson (DOM) and transcodes the JSON tree, driven by the
// descriptors, into the protobuf wire format, which the message's own parser
// (generated code, or DynamicMessage's) then builds. Reflection setters are
// not used for reading because a map field can only be filled through its
// repeated-field view, which protobuf later copies entry by entry into the
// real map (a deep copy of every AttributeValue of every image): filling a
// 1000-record GetRecords page that way took 4-6x as long as this whole
// codec, JSON parsing included. The wire route fills maps natively, costs
// little more than protobuf's own binary parse of the same data, and
// allocates on the message's arena when it has one
// (bench/json_codec_bench.cc).
// Thread-safe: each thread keeps its own parser and buffers.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace awsfacade::backends::aws {

// Deepest JSON nesting accepted and produced (objects and arrays counted
// alike). DynamoDB allows 32 levels of nested M/L, which is 64 JSON levels
// plus the envelope of a GetRecords record; this leaves room to spare.
inline constexpr int kMaxJsonDepth = 128;

// Largest JSON document accepted. AWS responses we read are at most a few MB
// (GetRecords is capped at 1 MB).
inline constexpr size_t kMaxJsonBytes = size_t{64} << 20;

// How AwsJsonToMessage reads. The defaults are the wire's rules above; the
// awsfacade CLI reads what a person typed, and wants to hear about typos.
struct AwsJsonReadOptions {
  // InvalidArgument naming the member for a member no field has (an
  // AttributeValue's too), instead of skipping it.
  bool reject_unknown_members = false;
  // Timestamps may also be RFC 3339 strings ("2024-05-01T12:00:00Z",
  // "2024-05-01T12:00:00.5+02:00"), as the AWS CLI accepts them.
  bool accept_rfc3339_timestamps = false;
};

// Replaces the content of `message` with the AWS JSON object `json`.
// `json` must hold a JSON object (or `null`, read as an empty object). On
// error `message` is left empty.
absl::Status AwsJsonToMessage(absl::string_view json, google::protobuf::Message* message,
                              const AwsJsonReadOptions& options = {});

// What MessageToAwsJson leaves out.
struct AwsJsonWriteOptions {
  // Top-level fields not to write: restJson members bound to the URI, the
  // query string or headers (protocols.h). Not owned.
  absl::Span<const google::protobuf::FieldDescriptor* const> omit_fields;
  // Timestamps as the AWS CLI v2 prints them (ISO 8601 in UTC, microseconds
  // when not whole: "2024-05-01T12:00:00+00:00", "...:00.250000+00:00")
  // instead of the wire's epoch seconds.
  bool iso8601_timestamps = false;
};

// The AWS JSON object for `message`, compact (no whitespace), following the
// "which fields are written" rule above. A message with no field set gives "{}".
absl::StatusOr<std::string> MessageToAwsJson(const google::protobuf::Message& message,
                                             const AwsJsonWriteOptions& options = {});

// The top-level members of the JSON object `json` whose values are strings,
// in document order (other members are skipped). For reading AWS error bodies
// ({"__type": ..., "message": ...}). InvalidArgument when `json` is not a
// JSON object.
struct JsonStringMember {
  std::string name;
  std::string value;
};
absl::StatusOr<std::vector<JsonStringMember>> TopLevelStringMembers(absl::string_view json);

// Formatting shared with protocols.cc, so that labels, query strings and
// headers print numbers exactly as the body does.
// Shortest text that reads back to the same double / float ("1.1", "1e+21"),
// or "NaN", "Infinity", "-Infinity".
std::string FormatDouble(double value);
std::string FormatFloat(float value);

}  // namespace awsfacade::backends::aws

#endif  // AWSFACADE_BACKENDS_AWS_JSON_CODEC_H_
