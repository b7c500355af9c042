#ifndef AWSFACADE_CLIENT_CLI_JSON_REQUEST_H_
#define AWSFACADE_CLIENT_CLI_JSON_REQUEST_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace awsfacade::client::cli {

// "ListStreams" -> "list-streams", "SSESpecification" -> "sse-specification",
// "datasetGroupArn" -> "dataset-group-arn".
std::string KebabCase(absl::string_view camel);

// One --name[=value] of the command line, value absent for a bare flag.
struct CliFlag {
  std::string name;  // without the leading "--"
  std::optional<std::string> value;
};

// The request field a flag names (kebab-case of its json_name), or null.
const google::protobuf::FieldDescriptor* FieldForFlag(const google::protobuf::Descriptor& request,
                                                      absl::string_view flag);

// The AWS-cased JSON value of `field` given on the command line: scalars
// parsed by type, maps/messages/lists as JSON (a repeated scalar also takes
// the flag several times), well-known types (timestamps) as their JSON
// string. INVALID_ARGUMENT for a value of the wrong type.
absl::StatusOr<nlohmann::ordered_json> FlagValueToJson(
    const google::protobuf::FieldDescriptor& field,
    const std::vector<std::optional<std::string>>& values);

// A parameter's text: `argument` itself, or the content of the file it names
// as file://path (as the AWS CLI reads any parameter); INVALID_ARGUMENT
// naming --`flag` when the file cannot be read.
absl::StatusOr<std::string> ReadFileArgument(absl::string_view flag, absl::string_view argument);

// --cli-input-json: the JSON text itself, or file://path.
absl::StatusOr<nlohmann::ordered_json> ReadCliInputJson(absl::string_view argument);

// Which JSON a request is read from and a response printed as.
//   kAws: AWS's own shapes, as the AWS CLI reads and prints them
//     (backends/aws/json_codec.h): {"SS": ["a"]}, {"L": [...]}, {"NULL": true},
//     numbers as JSON numbers, timestamps printed as ISO 8601 (UTC) and read
//     as epoch seconds or RFC 3339, blobs as base64.
//   kGrpc: protobuf's JSON mapping of the same messages (what grpcurl and
//     buf curl use): wrapper messages visible ({"SS": {"values": ["a"]}}),
//     64-bit integers as strings, timestamps as RFC 3339.
// Both use the AWS member names (json_name). The simulator's control API is
// not an AWS API and always uses kGrpc.
enum class JsonForm { kAws, kGrpc };

// The request from JSON of `form`; INVALID_ARGUMENT naming the problem for
// unknown members or bad values.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> JsonToRequest(
    const google::protobuf::Descriptor& type, const nlohmann::ordered_json& json, JsonForm form);

// JSON of `form` for a response (fields that are set only). Fails only for
// what the AWS form cannot express (a string that is not UTF-8).
absl::StatusOr<nlohmann::ordered_json> MessageToJson(const google::protobuf::Message& message,
                                                     JsonForm form);

}  // namespace awsfacade::client::cli

#endif  // AWSFACADE_CLIENT_CLI_JSON_REQUEST_H_
