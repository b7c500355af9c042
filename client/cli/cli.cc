#include "client/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "client/cli/dispatch.h"
#include "client/cli/help.h"
#include "client/cli/json_request.h"
#include "client/cli/table.h"
#include "client/dynamodb_streams_client.h"
#include "client/status.h"
#include "google/protobuf/descriptor.h"

namespace awsfacade::client::cli {
namespace {
namespace pb = ::google::protobuf;
using Json = nlohmann::ordered_json;

constexpr absl::string_view kUsage =
    "usage: awsfacade [--endpoint-url URL] [--output json|table|text|grpc-json] <service> "
    "<operation> "
    "[parameters]\n";
constexpr char kErrorFormat[] = "An error occurred (%s) when calling the %s operation: %s";

struct ServiceEntry {
  absl::string_view cli_name;
  absl::string_view grpc_name;
  bool aws;  // an AWS API (AWS JSON shapes); else the facade's own (protobuf JSON)
};
constexpr ServiceEntry kServices[] = {
    {"cognito-sync", "aws.cognitosync.v1.CognitoSyncService", true},
    {"personalize", "aws.personalize.v1.PersonalizeService", true},
    {"dynamodb", "aws.dynamodb.v1.DynamoDbService", true},
    {"dynamodbstreams", "aws.dynamodbstreams.v1.DynamoDbStreamsService", true},
    {"simulator", "awsfacade.simulator.v1.SimulatorService", false},
    // The facade's own, but AWS-shaped (PascalCase json_name, AWS records).
    {"consumergroups", "awsfacade.consumergroups.v1.ConsumerGroupsService", true},
};

// Global options of the AWS CLI that this tool does not have, with what to
// do instead (empty: nothing to suggest).
struct UnsupportedOption {
  absl::string_view name;
  absl::string_view instead;
};
constexpr UnsupportedOption kUnsupportedAwsOptions[] = {
    {"profile", "the server holds the AWS credentials, for its AWS backend; the CLI sends none"},
    {"query", "pipe --output json to jq"},
    {"debug", ""},
    {"no-verify-ssl",
     "an https:// --endpoint-url is verified with gRPC's default root certificates"},
    {"ca-bundle", "an https:// --endpoint-url is verified with gRPC's default root certificates"},
    {"no-paginate",
     "give the listing's own page token (see the operation's --help) to get one page"},
    {"page-size", "give the listing's own page size (e.g. --limit)"},
    {"no-sign-request", "requests are never signed: the server signs its AWS calls"},
    {"color", ""},
    {"cli-read-timeout", ""},
    {"cli-connect-timeout", ""},
    {"cli-binary-format", "blobs are always base64, as with the AWS CLI v2 default"},
    {"cli-auto-prompt", ""},
    {"no-cli-auto-prompt", ""},
    {"cli-input-yaml", "use --cli-input-json"},
    {"generate-cli-skeleton", "the operation's --help lists every parameter"},
};

// How an AWS listing pages, in AWS JSON member names (dots = nesting).
struct Pagination {
  absl::string_view input_token;
  absl::string_view output_token;
  absl::string_view items;
};
const std::map<std::string, Pagination>& Paginations() {
  static const auto* table = new std::map<std::string, Pagination>{
      {"aws.cognitosync.v1.CognitoSyncService.ListRecords", {"NextToken", "NextToken", "Records"}},
      {"aws.cognitosync.v1.CognitoSyncService.ListDatasets",
       {"NextToken", "NextToken", "Datasets"}},
      {"aws.personalize.v1.PersonalizeService.ListDatasetGroups",
       {"nextToken", "nextToken", "datasetGroups"}},
      {"aws.personalize.v1.PersonalizeService.ListSchemas", {"nextToken", "nextToken", "schemas"}},
      {"aws.personalize.v1.PersonalizeService.ListDatasets",
       {"nextToken", "nextToken", "datasets"}},
      {"aws.dynamodbstreams.v1.DynamoDbStreamsService.ListStreams",
       {"ExclusiveStartStreamArn", "LastEvaluatedStreamArn", "Streams"}},
      {"aws.dynamodbstreams.v1.DynamoDbStreamsService.DescribeStream",
       {"ExclusiveStartShardId", "StreamDescription.LastEvaluatedShardId",
        "StreamDescription.Shards"}},
  };
  return *table;
}

// A member of `json` by dotted path; null if absent.
Json* AtPath(Json& json, absl::string_view path, bool create = false) {
  Json* node = &json;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    std::string key(part);
    if (!node->is_object() || (!create && !node->contains(key))) return nullptr;
    node = &(*node)[key];
  }
  return node;
}

// The --starting-token of a listing: the page token plus how many items of
// that page were already printed, base64 JSON like the AWS CLI's.
std::string EncodeStartingToken(const std::string& page_token, int64_t skip) {
  return absl::Base64Escape(Json{{"NextToken", page_token}, {"Skip", skip}}.dump());
}
std::optional<std::pair<std::string, int64_t>> DecodeStartingToken(absl::string_view token) {
  std::string text;
  if (!absl::Base64Unescape(token, &text)) return std::nullopt;
  Json json = Json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("NextToken") || !json["NextToken"].is_string() ||
      !json.contains("Skip") || !json["Skip"].is_number_integer()) {
    return std::nullopt;
  }
  return std::make_pair(json["NextToken"].get<std::string>(), json["Skip"].get<int64_t>());
}

class Command {
 public:
  Command(const CliOptions& options, std::ostream& out, std::ostream& err)
      : options_(options), out_(out), err_(err) {}

  int Run(const std::vector<std::string>& args);

 private:
  int Usage(absl::string_view message) {
    err_ << kUsage << "awsfacade: error: " << message << "\n";
    return kExitUsage;
  }
  int TopHelp();
  int ServiceHelp(const ServiceEntry& service, const pb::ServiceDescriptor& descriptor);
  int OperationHelp(const ServiceEntry& service, const pb::MethodDescriptor& method);
  int TailHelp();
  int Fail(const absl::Status& status, absl::string_view operation);
  int Print(const pb::Message& message, absl::string_view title);
  int RunOperation(const pb::MethodDescriptor& method, const std::vector<std::string>& flags);
  int RunPaginated(const pb::MethodDescriptor& method, const Pagination& pagination, Json request,
                   std::optional<int64_t> max_items, std::optional<std::string> starting_token);
  int Tail(const std::vector<std::string>& flags);
  ConnectionOptions Connection() const;

  const CliOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  JsonForm input_form_ = JsonForm::kAws;
  JsonForm output_form_ = JsonForm::kAws;
};

bool IsHelp(absl::string_view arg) { return arg == "--help" || arg == "-h" || arg == "help"; }

// --name value / --name=value pairs; a flag without a value (next word is a
// flag, or none) has no value.
absl::StatusOr<std::vector<CliFlag>> ParseFlags(const std::vector<std::string>& words) {
  std::vector<CliFlag> flags;
  for (size_t i = 0; i < words.size(); ++i) {
    absl::string_view word = words[i];
    if (!absl::StartsWith(word, "--"))
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument: ", word));
    word.remove_prefix(2);
    CliFlag flag;
    if (size_t eq = word.find('='); eq != absl::string_view::npos) {
      flag.name = std::string(word.substr(0, eq));
      flag.value = std::string(word.substr(eq + 1));
    } else {
      flag.name = std::string(word);
      if (i + 1 < words.size() && !absl::StartsWith(words[i + 1], "--")) flag.value = words[++i];
    }
    flags.push_back(std::move(flag));
  }
  return flags;
}

int Command::Run(const std::vector<std::string>& args) {
  if (args.empty() || IsHelp(args[0])) return TopHelp();
  const ServiceEntry* service = nullptr;
  for (const auto& entry : kServices) {
    if (entry.cli_name == args[0]) service = &entry;
  }
  if (service == nullptr)
    return Usage(absl::StrCat("unknown service \"", args[0], "\" (see awsfacade --help)"));
  const pb::ServiceDescriptor* descriptor =
      pb::DescriptorPool::generated_pool()->FindServiceByName(std::string(service->grpc_name));
  if (descriptor == nullptr) return Usage(absl::StrCat("no descriptor for ", service->grpc_name));
  if (args.size() < 2 || IsHelp(args[1])) return ServiceHelp(*service, *descriptor);
  // The simulator's control API is the facade's own: protobuf JSON both ways.
  input_form_ = service->aws && options_.input == "json" ? JsonForm::kAws : JsonForm::kGrpc;
  output_form_ = service->aws && options_.output != "grpc-json" ? JsonForm::kAws : JsonForm::kGrpc;

  std::vector<std::string> rest(args.begin() + 2, args.end());
  const bool help =
      std::any_of(rest.begin(), rest.end(), [](const std::string& a) { return IsHelp(a); });
  if (service->cli_name == "dynamodbstreams" && args[1] == "tail")
    return help ? TailHelp() : Tail(rest);
  const pb::MethodDescriptor* method = nullptr;
  for (int i = 0; i < descriptor->method_count(); ++i) {
    if (KebabCase(descriptor->method(i)->name()) == args[1]) method = descriptor->method(i);
  }
  if (method == nullptr) {
    return Usage(absl::StrCat("unknown operation \"", args[1], "\" of ", service->cli_name,
                              " (see awsfacade ", service->cli_name, " --help)"));
  }
  if (help) return OperationHelp(*service, *method);
  return RunOperation(*method, rest);
}

int Command::TopHelp() {
  out_ << kUsage << "\n"
       << "Calls the aws-grpc-facade server over gRPC, shaped like the AWS CLI: the AWS API's own "
          "JSON in\n"
       << "(flags or --cli-input-json) and out ({\"SS\": [\"a\"]}, {\"M\": {...}}, numbers as "
          "numbers).\n\n"
       << "Services:\n";
  for (const auto& entry : kServices) {
    out_ << "  " << entry.cli_name << std::string(18 - entry.cli_name.size(), ' ')
         << entry.grpc_name << "\n";
  }
  out_ << "\nGlobal options (before or after the service name):\n"
       << "  --endpoint-url URL     http://HOST:PORT or https://HOST:PORT of the server (alias "
          "--endpoint\n"
       << "                         HOST:PORT); else $AWSFACADE_ENDPOINT; else 127.0.0.1:50051\n"
       << "  --output FORMAT        json (default, as the AWS CLI prints it), table, text "
          "(tab-separated, as\n"
       << "                         the AWS CLI's), or grpc-json (protobuf's JSON mapping)\n"
       << "  --input FORMAT         json (default: AWS shapes) or grpc-json, for parameters and "
          "--cli-input-json\n"
       << "  --region REGION        accepted and ignored: the server's backend has its own region\n"
       << "  --no-cli-pager         accepted: output is never paged\n"
       << "AWS CLI options such as --profile, --query or --debug are not supported (exit 2).\n"
       << "\nExit codes: 0 ok, 1 service error, 2 usage error, 3 connection failure.\n"
       << "Run `awsfacade <service> --help` for its operations.\n";
  return kExitOk;
}

int Command::ServiceHelp(const ServiceEntry& service, const pb::ServiceDescriptor& descriptor) {
  out_ << "usage: awsfacade " << service.cli_name << " <operation> [parameters]\n\n";
  out_ << Wrap(FirstSentence(CommentOf(descriptor.full_name()), 300), 0) << "\nOperations:\n";
  for (int i = 0; i < descriptor.method_count(); ++i) {
    const pb::MethodDescriptor* method = descriptor.method(i);
    std::string name = KebabCase(method->name());
    out_ << "  " << name << std::string(name.size() < 26 ? 26 - name.size() : 1, ' ')
         << FirstSentence(CommentOf(method->full_name())) << "\n";
  }
  if (service.cli_name == "dynamodbstreams") {
    out_ << "  tail" << std::string(22, ' ')
         << "Prints a table's stream records as JSON lines until interrupted.\n";
  }
  out_ << "\nRun `awsfacade " << service.cli_name << " <operation> --help` for its parameters.\n";
  return kExitOk;
}

constexpr absl::string_view kAttributeValueType = "aws.dynamodb.v1.AttributeValue";

// The `values` field of an AttributeValue member's wrapper message (SS, NS,
// BS, M, L): on the wire the member's value is that field (json_codec.h).
const pb::FieldDescriptor* WrapperValues(const pb::FieldDescriptor& field) {
  if (field.containing_type()->full_name() != kAttributeValueType ||
      field.message_type() == nullptr)
    return nullptr;
  const pb::Descriptor& wrapper = *field.message_type();
  if (wrapper.field_count() != 1 || wrapper.field(0)->name() != "values" ||
      !wrapper.field(0)->is_repeated()) {
    return nullptr;
  }
  return wrapper.field(0);
}

bool IsWellKnown(const pb::Descriptor& type) {
  return absl::StartsWith(type.full_name(), "google.protobuf.");
}

// A member's type as the AWS documentation names it ("list of string",
// "map of string to structure AttributeValue", "timestamp", "blob").
std::string TypeName(const pb::FieldDescriptor& field) {
  if (field.is_map())
    return absl::StrCat("map of string to ", TypeName(*field.message_type()->map_value()));
  if (const pb::FieldDescriptor* values = WrapperValues(field)) return TypeName(*values);
  std::string type;
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      type = field.type() == pb::FieldDescriptor::TYPE_BYTES ? "blob, base64" : "string";
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      type = "boolean";
      break;
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      type = "integer";
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      type = "long";
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      type = "double";
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> values;
      for (int i = 0; i < field.enum_type()->value_count(); ++i) {
        if (field.enum_type()->value(i)->number() != 0)
          values.push_back(field.enum_type()->value(i)->name());
      }
      type = absl::StrCat("one of ", absl::StrJoin(values, " | "));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      const std::string& name = field.message_type()->full_name();
      type = name == "google.protobuf.Timestamp"  ? "timestamp"
             : name == "google.protobuf.Duration" ? "duration, e.g. 90s or 15m"
             : IsWellKnown(*field.message_type())
                 ? std::string(field.message_type()->name())
                 : absl::StrCat("structure ", field.message_type()->name());
      break;
    }
  }
  return field.is_repeated() ? absl::StrCat("list of ", type) : type;
}

// The structure a member holds (through lists, maps and the AttributeValue
// wrappers), or null for scalars.
const pb::Descriptor* StructureOf(const pb::FieldDescriptor& field) {
  if (field.is_map()) return StructureOf(*field.message_type()->map_value());
  if (const pb::FieldDescriptor* values = WrapperValues(field)) return StructureOf(*values);
  if (field.message_type() == nullptr || IsWellKnown(*field.message_type())) return nullptr;
  return field.message_type();
}

int Command::OperationHelp(const ServiceEntry& service, const pb::MethodDescriptor& method) {
  out_ << "usage: awsfacade " << service.cli_name << " " << KebabCase(method.name())
       << " [parameters] [--cli-input-json JSON|file://path]\n\n";
  out_ << Wrap(CommentOf(method.full_name()), 0) << "\nParameters (" << method.input_type()->name()
       << "):\n";
  const pb::Descriptor& input = *method.input_type();
  for (int i = 0; i < input.field_count(); ++i) {
    const pb::FieldDescriptor& field = *input.field(i);
    out_ << "  --" << KebabCase(field.json_name()) << " (" << TypeName(field) << ")\n";
    out_ << Wrap(CommentOf(field.full_name()), 6);
  }
  out_ << "  --cli-input-json (JSON or file://path)\n"
       << Wrap(
              "The whole request as JSON with the AWS member names; flags given as well override "
              "its members.",
              6);
  if (Paginations().count(method.full_name())) {
    out_ << "  --max-items (integer)\n"
         << Wrap("Print at most this many items in total, then a NextToken to resume with.", 6)
         << "  --starting-token (string)\n"
         << Wrap("The NextToken printed by an earlier call with --max-items.", 6);
  }
  // Every structure the parameters hold, each once (AttributeValue nests
  // itself), with its members: what to write inside a JSON parameter.
  std::vector<const pb::Descriptor*> structures;
  std::deque<const pb::Descriptor*> pending = {&input};
  std::set<const pb::Descriptor*> seen = {&input};
  while (!pending.empty()) {
    const pb::Descriptor* type = pending.front();
    pending.pop_front();
    if (type != &input) structures.push_back(type);
    for (int i = 0; i < type->field_count(); ++i) {
      const pb::Descriptor* member = StructureOf(*type->field(i));
      if (member != nullptr && seen.insert(member).second) pending.push_back(member);
    }
  }
  if (!structures.empty()) out_ << "\nStructures (JSON objects; members by their AWS names):\n";
  for (const pb::Descriptor* type : structures) {
    out_ << "  " << type->name()
         << (type->full_name() == kAttributeValueType ? " (exactly one member)" : "") << ":\n";
    for (int i = 0; i < type->field_count(); ++i) {
      const pb::FieldDescriptor& field = *type->field(i);
      out_ << "    " << field.json_name() << " (" << TypeName(field) << ")\n";
      out_ << Wrap(FirstSentence(CommentOf(field.full_name()), 200), 8);
    }
  }
  if (method.server_streaming()) {
    out_ << "\nA server stream: each message is printed as one JSON line as it arrives.\n";
  }
  return kExitOk;
}

int Command::TailHelp() {
  out_ << "usage: awsfacade dynamodbstreams tail (--table-name NAME | --stream-arn ARN)\n"
       << "                                      [--starting-position TRIM_HORIZON|LATEST | "
          "--starting-token TOKEN]\n"
       << "                                      [--print-token]\n\n"
       << Wrap(
              "Subscribes to the stream (SubscribeToStream) and prints each record as one JSON "
              "line (the "
              "stream Record; with --output grpc-json in protobuf's JSON) until interrupted "
              "(Ctrl-C, exit 0) or "
              "the stream ends. A table name is resolved with ListStreams (its latest stream). "
              "Disconnects and "
              "server restarts are resumed from the last continuation token: no record is skipped "
              "or printed "
              "twice. On exit (Ctrl-C, the stream's end, an error) the continuation token covering "
              "every "
              "record printed is written to stderr as `ContinuationToken: TOKEN`, with the command "
              "that "
              "resumes from it.",
              0)
       << "\nParameters:\n"
       << "  --table-name (string)        the table whose latest stream to follow\n"
       << "  --stream-arn (string)        the stream to follow\n"
       << "  --starting-position (string) TRIM_HORIZON (default: every retained record) or LATEST\n"
       << "  --starting-token (string)    resume after the records a printed continuation token "
          "covers\n"
       << "                               (valid while those records are retained, 24 hours)\n"
       << "  --print-token                after each event, also print {\"ContinuationToken\": "
          "\"...\"} as a\n"
       << "                               line of its own (a checkpoint: it covers every record "
          "above it)\n";
  return kExitOk;
}

int Command::Fail(const absl::Status& status, absl::string_view operation) {
  if (auto name = AwsErrorName(status)) {
    err_ << absl::StrFormat(kErrorFormat, *name, operation, AwsErrorMessage(status)) << "\n";
    return kExitServiceError;
  }
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    err_ << "Could not connect to the endpoint " << options_.endpoint << ": " << status.message()
         << "\n";
    return kExitConnection;
  }
  err_ << absl::StrFormat(kErrorFormat, absl::StatusCodeToString(status.code()), operation,
                          status.message())
       << "\n";
  return kExitServiceError;
}

void PrintJson(const Json& json, const CliOptions& options, absl::string_view title,
               std::ostream& out) {
  if (options.output == "table") {
    RenderTable(json, std::string(title), out);
  } else if (options.output == "text") {
    RenderText(json, out);
  } else if (options.output == "json" && json.is_object() && json.empty()) {
    // Nothing, as the AWS CLI prints nothing for an empty response (PutItem).
  } else {
    out << json.dump(4) << "\n";
  }
}

int Command::Print(const pb::Message& message, absl::string_view title) {
  auto json = MessageToJson(message, output_form_);
  if (!json.ok()) return Fail(json.status(), title);
  PrintJson(*json, options_, title, out_);
  return kExitOk;
}

ConnectionOptions Command::Connection() const {
  ConnectionOptions connection{options_.endpoint};
  if (options_.tls) connection.credentials = grpc::SslCredentials(grpc::SslCredentialsOptions());
  return connection;
}

int Command::RunOperation(const pb::MethodDescriptor& method,
                          const std::vector<std::string>& words) {
  auto flags = ParseFlags(words);
  if (!flags.ok()) return Usage(flags.status().message());
  Json request = Json::object();
  std::optional<int64_t> max_items;
  std::optional<std::string> starting_token;
  std::map<const pb::FieldDescriptor*, std::vector<std::optional<std::string>>> field_values;
  std::vector<const pb::FieldDescriptor*> field_order;
  const bool paginated = Paginations().count(method.full_name()) > 0;
  for (const auto& flag : *flags) {
    if (flag.name == "cli-input-json") {
      auto json = ReadCliInputJson(flag.value.value_or(""));
      if (!json.ok()) return Usage(json.status().message());
      for (auto& [key, value] : json->items()) request[key] = value;
      continue;
    }
    if (paginated && flag.name == "max-items") {
      int64_t n;
      if (!flag.value || !absl::SimpleAtoi(*flag.value, &n) || n <= 0) {
        return Usage("--max-items needs a positive integer");
      }
      max_items = n;
      continue;
    }
    if (paginated && flag.name == "starting-token") {
      if (!flag.value) return Usage("--starting-token needs a value");
      starting_token = *flag.value;
      continue;
    }
    const pb::FieldDescriptor* field = FieldForFlag(*method.input_type(), flag.name);
    if (field == nullptr) {
      return Usage(absl::StrCat("unknown parameter --", flag.name, " (see awsfacade ... ",
                                KebabCase(method.name()), " --help)"));
    }
    std::optional<std::string> value = flag.value;
    if (value) {
      auto text = ReadFileArgument(flag.name, *value);
      if (!text.ok()) return Usage(text.status().message());
      value = *std::move(text);
    }
    if (!field_values.count(field)) field_order.push_back(field);
    field_values[field].push_back(std::move(value));
  }
  for (const pb::FieldDescriptor* field : field_order) {  // flags override --cli-input-json
    auto value = FlagValueToJson(*field, field_values[field]);
    if (!value.ok()) return Usage(value.status().message());
    request[field->json_name()] = *std::move(value);
  }

  Dispatch dispatch = MakeDispatch(Connection());
  if (method.server_streaming()) {
    auto message = JsonToRequest(*method.input_type(), request, input_form_);
    if (!message.ok()) return Usage(message.status().message());
    int code = kExitOk;
    absl::Status status =
        dispatch.streaming.at(method.full_name())(**message, [&](const pb::Message& m) {
          auto json = MessageToJson(m, output_form_);
          if (!json.ok()) {
            code = Fail(json.status(), method.name());
            return false;
          }
          out_ << json->dump() << std::endl;
          return true;
        });
    return status.ok() ? code : Fail(status, method.name());
  }
  if (paginated) {
    const Pagination& pagination = Paginations().at(method.full_name());
    // An explicit page token means "this page only", as in the AWS CLI.
    if (!request.contains(std::string(pagination.input_token))) {
      return RunPaginated(method, pagination, std::move(request), max_items, starting_token);
    }
  }
  auto message = JsonToRequest(*method.input_type(), request, input_form_);
  if (!message.ok()) return Usage(message.status().message());
  auto response = dispatch.unary.at(method.full_name())(**message);
  if (!response.ok()) return Fail(response.status(), method.name());
  return Print(**response, method.name());
}

int Command::RunPaginated(const pb::MethodDescriptor& method, const Pagination& pagination,
                          Json request, std::optional<int64_t> max_items,
                          std::optional<std::string> starting_token) {
  int64_t skip = 0;
  if (starting_token) {
    auto decoded = DecodeStartingToken(*starting_token);
    if (!decoded) return Usage("--starting-token is not a NextToken printed by awsfacade");
    if (!decoded->first.empty()) request[std::string(pagination.input_token)] = decoded->first;
    skip = decoded->second;
  }
  Dispatch dispatch = MakeDispatch(Connection());
  const UnaryInvoker& call = dispatch.unary.at(method.full_name());
  Json merged;
  Json items = Json::array();
  std::string next_token;  // printed when --max-items cut the listing short
  for (bool first = true;; first = false) {
    auto message = JsonToRequest(*method.input_type(), request, input_form_);
    if (!message.ok()) return Usage(message.status().message());
    auto response = call(**message);
    if (!response.ok()) return Fail(response.status(), method.name());
    auto page_json = MessageToJson(**response, output_form_);
    if (!page_json.ok()) return Fail(page_json.status(), method.name());
    Json& page = *page_json;
    Json* page_items = AtPath(page, pagination.items);
    Json* page_token = AtPath(page, pagination.output_token);
    const std::string token =
        page_token && page_token->is_string() ? page_token->get<std::string>() : "";
    if (first) merged = page;
    const int64_t count =
        page_items && page_items->is_array() ? static_cast<int64_t>(page_items->size()) : 0;
    int64_t index = first ? skip : 0;
    for (; index < count; ++index) {
      if (max_items && static_cast<int64_t>(items.size()) >= *max_items) break;
      items.push_back((*page_items)[index]);
    }
    const bool full = max_items && static_cast<int64_t>(items.size()) >= *max_items;
    if (full && index < count) {  // stopped inside this page: resume in it
      auto in = request.find(std::string(pagination.input_token));
      next_token = EncodeStartingToken(in == request.end() ? "" : in->get<std::string>(), index);
      break;
    }
    if (token.empty()) break;
    if (full) {
      next_token = EncodeStartingToken(token, 0);
      break;
    }
    request[std::string(pagination.input_token)] = token;
  }
  if (Json* out_items = AtPath(merged, pagination.items, /*create=*/true)) *out_items = items;
  if (size_t dot = pagination.output_token.rfind('.'); dot != absl::string_view::npos) {
    if (Json* parent = AtPath(merged, pagination.output_token.substr(0, dot))) {
      parent->erase(std::string(pagination.output_token.substr(dot + 1)));
    }
  } else {
    merged.erase(std::string(pagination.output_token));
  }
  if (!next_token.empty()) merged["NextToken"] = next_token;
  PrintJson(merged, options_, method.name(), out_);
  return kExitOk;
}

// What a running tail has printed, for ExitOnInterrupt: the continuation
// token covering every record written to stdout so far. A tail holds `mu`
// while it prints an event and moves the token past it, so an interrupt
// sees either none or all of an event.
struct TailCheckpoint {
  absl::Mutex mu;
  std::ostream* err ABSL_GUARDED_BY(mu) = nullptr;  // set while a tail runs
  std::string stream_arn ABSL_GUARDED_BY(mu);
  std::string token ABSL_GUARDED_BY(mu);
};
TailCheckpoint& Checkpoint() {
  static auto* checkpoint = new TailCheckpoint;
  return *checkpoint;
}

void PrintResumeHint(absl::string_view stream_arn, absl::string_view token, std::ostream& err) {
  if (token.empty()) {
    err << "No continuation token yet: no event arrived.\n";
    return;
  }
  err << "ContinuationToken: " << token << "\n"
      << "Resume with: awsfacade dynamodbstreams tail --stream-arn " << stream_arn
      << " --starting-token " << token << "\n";
}

// The continuation token of a subscription event (each kind carries one).
const std::string& EventToken(const ::aws::dynamodbstreams::v1::SubscribeToStreamResponse& event) {
  if (event.has_records()) return event.records().continuation_token();
  if (event.has_heartbeat()) return event.heartbeat().continuation_token();
  return event.shard_end().continuation_token();
}

int Command::Tail(const std::vector<std::string>& words) {
  namespace streams = ::aws::dynamodbstreams::v1;
  auto flags = ParseFlags(words);
  if (!flags.ok()) return Usage(flags.status().message());
  std::string table, arn, position, starting_token;
  bool print_token = false;
  for (const auto& flag : *flags) {
    if (flag.name == "print-token") {
      if (flag.value) return Usage("--print-token takes no value");
      print_token = true;
      continue;
    }
    std::string* target = flag.name == "table-name"          ? &table
                          : flag.name == "stream-arn"        ? &arn
                          : flag.name == "starting-position" ? &position
                          : flag.name == "starting-token"    ? &starting_token
                                                             : nullptr;
    if (target == nullptr)
      return Usage(absl::StrCat("unknown parameter --", flag.name, " of tail"));
    if (!flag.value) return Usage(absl::StrCat("--", flag.name, " needs a value"));
    *target = *flag.value;
  }
  if (table.empty() == arn.empty())
    return Usage("tail needs exactly one of --table-name and --stream-arn");
  if (!starting_token.empty() && !position.empty()) {
    return Usage("give --starting-position or --starting-token, not both");
  }
  if (starting_token.empty() && position.empty()) position = "TRIM_HORIZON";
  if (starting_token.empty() && position != "TRIM_HORIZON" && position != "LATEST") {
    return Usage(
        "--starting-position must be TRIM_HORIZON or LATEST (to resume, use --starting-token)");
  }
  ConnectionOptions connection_options = Connection();
  // A tail outlives restarts: keep trying for about a minute between events.
  connection_options.retry_policy.max_attempts = 20;
  connection_options.retry_policy.max_backoff = absl::Seconds(5);
  DynamoDbStreamsClient client(MakeDynamoDbStreamsConnection(connection_options));
  if (arn.empty()) {
    streams::ListStreamsRequest list;
    list.set_table_name(table);
    for (auto& stream : client.ListAllStreams(list)) {
      if (!stream.ok()) return Fail(stream.status(), "ListStreams");
      arn = stream->stream_arn();  // the last listed is the latest
    }
    if (arn.empty()) {
      err_ << "Table " << table << " has no stream.\n";
      return kExitServiceError;
    }
  }
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  if (starting_token.empty()) {
    request.mutable_starting_position()->set_type(position);
    err_ << "Following " << arn << " from " << position << " (Ctrl-C to stop)\n";
  } else {
    request.mutable_starting_position()->set_type("CONTINUATION");
    request.mutable_starting_position()->set_continuation_token(starting_token);
    err_ << "Following " << arn << " from the continuation token (Ctrl-C to stop)\n";
  }
  TailCheckpoint& checkpoint = Checkpoint();
  {
    absl::MutexLock lock(&checkpoint.mu);
    checkpoint.err = &err_;
    checkpoint.stream_arn = arn;
    checkpoint.token = starting_token;
  }
  absl::Status status;
  for (auto& event : client.SubscribeToStream(request)) {
    if (!event.ok()) {
      status = event.status();
      break;
    }
    absl::MutexLock lock(&checkpoint.mu);
    for (const auto& record : event->records().records()) {
      auto json = MessageToJson(record.record(), output_form_);
      if (!json.ok()) {
        status = json.status();
        break;
      }
      out_ << json->dump() << "\n";
    }
    if (!status.ok()) break;
    if (!EventToken(*event).empty()) checkpoint.token = EventToken(*event);
    if (print_token && !EventToken(*event).empty()) {
      out_ << Json{{"ContinuationToken", EventToken(*event)}}.dump() << "\n";
    }
    out_.flush();
  }
  std::string token;
  {
    absl::MutexLock lock(&checkpoint.mu);
    checkpoint.err = nullptr;
    token = checkpoint.token;
  }
  if (!status.ok()) {
    const int code = Fail(status, "SubscribeToStream");
    PrintResumeHint(arn, token, err_);
    return code;
  }
  err_ << "The stream ended.\n";
  PrintResumeHint(arn, token, err_);
  return kExitOk;
}

// An http(s):// URL or HOST:PORT as HOST:PORT (URLs default to port 80/443).
absl::Status SetEndpoint(absl::string_view value, CliOptions& options) {
  absl::string_view rest = value;
  options.tls = false;
  std::string default_port;
  if (absl::ConsumePrefix(&rest, "https://")) {
    options.tls = true;
    default_port = "443";
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    default_port = "80";
  } else if (rest.find("://") != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "endpoint \"", value, "\": the scheme must be http:// or https:// (or give HOST:PORT)"));
  }
  absl::ConsumeSuffix(&rest, "/");
  if (rest.empty() || rest.find('/') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "endpoint \"", value, "\" is not HOST:PORT or http(s)://HOST[:PORT] (no path)"));
  }
  const size_t colon = rest.rfind(':');
  const bool has_port = colon != absl::string_view::npos && rest.back() != ']';
  if (!has_port && default_port.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint \"", value, "\" has no port (HOST:PORT)"));
  }
  options.endpoint = has_port ? std::string(rest) : absl::StrCat(rest, ":", default_port);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& args,
                                            const CliEnvironment& env) {
  Invocation invocation;
  CliOptions& options = invocation.options;
  if (!env.endpoint.empty()) {
    if (absl::Status s = SetEndpoint(env.endpoint, options); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("AWSFACADE_ENDPOINT: ", s.message()));
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      invocation.command.push_back(args[i]);
      continue;
    }
    absl::string_view name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != absl::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    for (const UnsupportedOption& unsupported : kUnsupportedAwsOptions) {
      if (name == unsupported.name) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " is an AWS CLI option that awsfacade does not support",
                         unsupported.instead.empty() ? "" : " (", unsupported.instead,
                         unsupported.instead.empty() ? "" : ")"));
      }
    }
    if (name == "no-cli-pager") continue;
    const bool global = name == "endpoint-url" || name == "endpoint" || name == "region" ||
                        name == "output" || name == "input";
    if (!global) {
      invocation.command.push_back(args[i]);
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size() || absl::StartsWith(args[i + 1], "--")) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    if (name == "endpoint-url" || name == "endpoint") {
      if (absl::Status s = SetEndpoint(*value, options); !s.ok()) return s;
    } else if (name == "output") {
      if (*value != "json" && *value != "table" && *value != "text" && *value != "grpc-json") {
        return absl::InvalidArgumentError("--output must be json, table, text or grpc-json");
      }
      options.output = *value;
    } else if (name == "input") {
      if (*value != "json" && *value != "grpc-json") {
        return absl::InvalidArgumentError("--input must be json or grpc-json");
      }
      options.input = *value;
    }  // --region: accepted for AWS CLI habits; the server's backend decides
  }
  return invocation;
}

int RunCli(const CliOptions& options, const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  return Command(options, out, err).Run(args);
}

int Main(const std::vector<std::string>& args, const CliEnvironment& env, std::ostream& out,
         std::ostream& err) {
  auto invocation = ParseCommandLine(args, env);
  if (!invocation.ok()) {
    err << kUsage << "awsfacade: error: " << invocation.status().message() << "\n";
    return kExitUsage;
  }
  return RunCli(invocation->options, invocation->command, out, err);
}

void ExitOnInterrupt() {
  TailCheckpoint& checkpoint = Checkpoint();
  checkpoint.mu.Lock();  // held until the process ends: no event is printed after the token
  if (checkpoint.err != nullptr) {
    PrintResumeHint(checkpoint.stream_arn, checkpoint.token, *checkpoint.err);
    checkpoint.err->flush();
  }
  _exit(kExitOk);  // the tail flushed its last event under the lock
}

}  // namespace awsfacade::client::cli
