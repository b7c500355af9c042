#include "client/cli/cli.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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
    "usage: awsfacade [--endpoint=HOST:PORT] [--output json|table] <service> <operation> [parameters]\n";
constexpr char kErrorFormat[] = "An error occurred (%s) when calling the %s operation: %s";

struct ServiceEntry {
  absl::string_view cli_name;
  absl::string_view grpc_name;
};
constexpr ServiceEntry kServices[] = {
    {"cognito-sync", "aws.cognitosync.v1.CognitoSyncService"},
    {"personalize", "aws.personalize.v1.PersonalizeService"},
    {"dynamodb", "aws.dynamodb.v1.DynamoDbService"},
    {"dynamodbstreams", "aws.dynamodbstreams.v1.DynamoDbStreamsService"},
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
      {"aws.cognitosync.v1.CognitoSyncService.ListDatasets", {"NextToken", "NextToken", "Datasets"}},
      {"aws.personalize.v1.PersonalizeService.ListDatasetGroups", {"nextToken", "nextToken", "datasetGroups"}},
      {"aws.personalize.v1.PersonalizeService.ListSchemas", {"nextToken", "nextToken", "schemas"}},
      {"aws.personalize.v1.PersonalizeService.ListDatasets", {"nextToken", "nextToken", "datasets"}},
      {"aws.dynamodbstreams.v1.DynamoDbStreamsService.ListStreams",
       {"ExclusiveStartStreamArn", "LastEvaluatedStreamArn", "Streams"}},
      {"aws.dynamodbstreams.v1.DynamoDbStreamsService.DescribeStream",
       {"ExclusiveStartShardId", "StreamDescription.LastEvaluatedShardId", "StreamDescription.Shards"}},
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
  if (!json.is_object() || !json.contains("NextToken") || !json["NextToken"].is_string() || !json.contains("Skip") ||
      !json["Skip"].is_number_integer()) {
    return std::nullopt;
  }
  return std::make_pair(json["NextToken"].get<std::string>(), json["Skip"].get<int64_t>());
}

class Command {
 public:
  Command(const CliOptions& options, std::ostream& out, std::ostream& err) : options_(options), out_(out), err_(err) {}

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
  void Print(const Json& json, absl::string_view title);
  int RunOperation(const pb::MethodDescriptor& method, const std::vector<std::string>& flags);
  int RunPaginated(const pb::MethodDescriptor& method, const Pagination& pagination, Json request,
                   std::optional<int64_t> max_items, std::optional<std::string> starting_token);
  int Tail(const std::vector<std::string>& flags);

  const CliOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
};

bool IsHelp(absl::string_view arg) { return arg == "--help" || arg == "-h" || arg == "help"; }

// --name value / --name=value pairs; a flag without a value (next word is a
// flag, or none) has no value.
absl::StatusOr<std::vector<CliFlag>> ParseFlags(const std::vector<std::string>& words) {
  std::vector<CliFlag> flags;
  for (size_t i = 0; i < words.size(); ++i) {
    absl::string_view word = words[i];
    if (!absl::StartsWith(word, "--")) return absl::InvalidArgumentError(absl::StrCat("unexpected argument: ", word));
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
  if (service == nullptr) return Usage(absl::StrCat("unknown service \"", args[0], "\" (see awsfacade --help)"));
  const pb::ServiceDescriptor* descriptor =
      pb::DescriptorPool::generated_pool()->FindServiceByName(std::string(service->grpc_name));
  if (descriptor == nullptr) return Usage(absl::StrCat("no descriptor for ", service->grpc_name));
  if (args.size() < 2 || IsHelp(args[1])) return ServiceHelp(*service, *descriptor);

  std::vector<std::string> rest(args.begin() + 2, args.end());
  const bool help = std::any_of(rest.begin(), rest.end(), [](const std::string& a) { return IsHelp(a); });
  if (service->cli_name == "dynamodbstreams" && args[1] == "tail") return help ? TailHelp() : Tail(rest);
  const pb::MethodDescriptor* method = nullptr;
  for (int i = 0; i < descriptor->method_count(); ++i) {
    if (KebabCase(descriptor->method(i)->name()) == args[1]) method = descriptor->method(i);
  }
  if (method == nullptr) {
    return Usage(absl::StrCat("unknown operation \"", args[1], "\" of ", service->cli_name, " (see awsfacade ",
                              service->cli_name, " --help)"));
  }
  if (help) return OperationHelp(*service, *method);
  return RunOperation(*method, rest);
}

int Command::TopHelp() {
  out_ << kUsage << "\n"
       << "Calls the aws-grpc-facade server over gRPC, shaped like the AWS CLI: AWS-cased JSON in\n"
       << "(flags or --cli-input-json) and out.\n\nServices:\n";
  for (const auto& entry : kServices) {
    out_ << "  " << entry.cli_name << std::string(18 - entry.cli_name.size(), ' ') << entry.grpc_name << "\n";
  }
  out_ << "\nGlobal options:\n"
       << "  --endpoint=HOST:PORT   server address (default 127.0.0.1:50051)\n"
       << "  --output=json|table    output format (default json)\n"
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
    out_ << "  tail" << std::string(22, ' ') << "Prints a table's stream records as JSON lines until interrupted.\n";
  }
  out_ << "\nRun `awsfacade " << service.cli_name << " <operation> --help` for its parameters.\n";
  return kExitOk;
}

std::string TypeName(const pb::FieldDescriptor& field) {
  std::string type;
  if (field.is_map()) {
    type = "map (JSON object)";
  } else if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    type = absl::StartsWith(field.message_type()->full_name(), "google.protobuf.")
               ? std::string(field.message_type()->name())
               : absl::StrCat("structure ", field.message_type()->name(), " (JSON)");
  } else {
    type = field.cpp_type_name();
  }
  if (field.is_repeated() && !field.is_map()) type = absl::StrCat("list of ", type);
  return type;
}

int Command::OperationHelp(const ServiceEntry& service, const pb::MethodDescriptor& method) {
  out_ << "usage: awsfacade " << service.cli_name << " " << KebabCase(method.name())
       << " [parameters] [--cli-input-json JSON|file://path]\n\n";
  out_ << Wrap(CommentOf(method.full_name()), 0) << "\nParameters (" << method.input_type()->name() << "):\n";
  const pb::Descriptor& input = *method.input_type();
  for (int i = 0; i < input.field_count(); ++i) {
    const pb::FieldDescriptor& field = *input.field(i);
    out_ << "  --" << KebabCase(field.json_name()) << " (" << TypeName(field) << ")\n";
    out_ << Wrap(CommentOf(field.full_name()), 6);
  }
  out_ << "  --cli-input-json (JSON or file://path)\n"
       << Wrap(
              "The whole request as AWS-cased JSON (member names as in the AWS API); flags given as well "
              "override its members.",
              6);
  if (Paginations().count(method.full_name())) {
    out_ << "  --max-items (integer)\n"
         << Wrap("Print at most this many items in total, then a NextToken to resume with.", 6)
         << "  --starting-token (string)\n"
         << Wrap("The NextToken printed by an earlier call with --max-items.", 6);
  }
  if (method.server_streaming()) {
    out_ << "\nA server stream: each message is printed as one JSON line as it arrives.\n";
  }
  return kExitOk;
}

int Command::TailHelp() {
  out_ << "usage: awsfacade dynamodbstreams tail (--table-name NAME | --stream-arn ARN)\n"
       << "                                      [--starting-position TRIM_HORIZON|LATEST]\n\n"
       << Wrap(
              "Subscribes to the stream (SubscribeToStream) and prints each record as one JSON line (the "
              "stream Record, AWS-cased) until interrupted (Ctrl-C, exit 0). A table name is resolved with "
              "ListStreams (its latest stream). Disconnects and server restarts are resumed from the last "
              "continuation token: no record is skipped or printed twice.",
              0)
       << "\nParameters:\n"
       << "  --table-name (string)        the table whose latest stream to follow\n"
       << "  --stream-arn (string)        the stream to follow\n"
       << "  --starting-position (string) TRIM_HORIZON (default: every retained record) or LATEST\n";
  return kExitOk;
}

int Command::Fail(const absl::Status& status, absl::string_view operation) {
  if (auto name = AwsErrorName(status)) {
    err_ << absl::StrFormat(kErrorFormat, *name, operation, AwsErrorMessage(status)) << "\n";
    return kExitServiceError;
  }
  if (status.code() == absl::StatusCode::kUnavailable || status.code() == absl::StatusCode::kDeadlineExceeded) {
    err_ << "Could not connect to the endpoint " << options_.endpoint << ": " << status.message() << "\n";
    return kExitConnection;
  }
  err_ << absl::StrFormat(kErrorFormat, absl::StatusCodeToString(status.code()), operation, status.message()) << "\n";
  return kExitServiceError;
}

void Command::Print(const Json& json, absl::string_view title) {
  if (options_.output == "table") {
    RenderTable(json, std::string(title), out_);
  } else {
    out_ << json.dump(4) << "\n";
  }
}

int Command::RunOperation(const pb::MethodDescriptor& method, const std::vector<std::string>& words) {
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
      return Usage(absl::StrCat("unknown parameter --", flag.name, " (see awsfacade ... ", KebabCase(method.name()),
                                " --help)"));
    }
    if (!field_values.count(field)) field_order.push_back(field);
    field_values[field].push_back(flag.value);
  }
  for (const pb::FieldDescriptor* field : field_order) {  // flags override --cli-input-json
    auto value = FlagValueToJson(*field, field_values[field]);
    if (!value.ok()) return Usage(value.status().message());
    request[field->json_name()] = *std::move(value);
  }

  Dispatch dispatch = MakeDispatch(ConnectionOptions{options_.endpoint});
  if (method.server_streaming()) {
    auto message = JsonToRequest(*method.input_type(), request);
    if (!message.ok()) return Usage(message.status().message());
    absl::Status status = dispatch.streaming.at(method.full_name())(**message, [&](const pb::Message& m) {
      out_ << MessageToAwsJson(m).dump() << std::endl;
      return true;
    });
    return status.ok() ? kExitOk : Fail(status, method.name());
  }
  if (paginated) {
    const Pagination& pagination = Paginations().at(method.full_name());
    // An explicit page token means "this page only", as in the AWS CLI.
    if (!request.contains(std::string(pagination.input_token))) {
      return RunPaginated(method, pagination, std::move(request), max_items, starting_token);
    }
  }
  auto message = JsonToRequest(*method.input_type(), request);
  if (!message.ok()) return Usage(message.status().message());
  auto response = dispatch.unary.at(method.full_name())(**message);
  if (!response.ok()) return Fail(response.status(), method.name());
  Print(MessageToAwsJson(**response), method.name());
  return kExitOk;
}

int Command::RunPaginated(const pb::MethodDescriptor& method, const Pagination& pagination, Json request,
                          std::optional<int64_t> max_items, std::optional<std::string> starting_token) {
  int64_t skip = 0;
  if (starting_token) {
    auto decoded = DecodeStartingToken(*starting_token);
    if (!decoded) return Usage("--starting-token is not a NextToken printed by awsfacade");
    if (!decoded->first.empty()) request[std::string(pagination.input_token)] = decoded->first;
    skip = decoded->second;
  }
  Dispatch dispatch = MakeDispatch(ConnectionOptions{options_.endpoint});
  const UnaryInvoker& call = dispatch.unary.at(method.full_name());
  Json merged;
  Json items = Json::array();
  std::string next_token;  // printed when --max-items cut the listing short
  for (bool first = true;; first = false) {
    auto message = JsonToRequest(*method.input_type(), request);
    if (!message.ok()) return Usage(message.status().message());
    auto response = call(**message);
    if (!response.ok()) return Fail(response.status(), method.name());
    Json page = MessageToAwsJson(**response);
    Json* page_items = AtPath(page, pagination.items);
    Json* page_token = AtPath(page, pagination.output_token);
    const std::string token = page_token && page_token->is_string() ? page_token->get<std::string>() : "";
    if (first) merged = page;
    const int64_t count = page_items && page_items->is_array() ? static_cast<int64_t>(page_items->size()) : 0;
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
  Print(merged, method.name());
  return kExitOk;
}

int Command::Tail(const std::vector<std::string>& words) {
  namespace streams = ::aws::dynamodbstreams::v1;
  auto flags = ParseFlags(words);
  if (!flags.ok()) return Usage(flags.status().message());
  std::string table, arn, position = "TRIM_HORIZON";
  for (const auto& flag : *flags) {
    std::string* target = flag.name == "table-name"          ? &table
                          : flag.name == "stream-arn"        ? &arn
                          : flag.name == "starting-position" ? &position
                                                             : nullptr;
    if (target == nullptr) return Usage(absl::StrCat("unknown parameter --", flag.name, " of tail"));
    if (!flag.value) return Usage(absl::StrCat("--", flag.name, " needs a value"));
    *target = *flag.value;
  }
  if (table.empty() == arn.empty()) return Usage("tail needs exactly one of --table-name and --stream-arn");
  if (position != "TRIM_HORIZON" && position != "LATEST") {
    return Usage("--starting-position must be TRIM_HORIZON or LATEST");
  }
  ConnectionOptions connection_options{options_.endpoint};
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
  err_ << "Following " << arn << " from " << position << " (Ctrl-C to stop)\n";
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_starting_position()->set_type(position);
  for (auto& event : client.SubscribeToStream(request)) {
    if (!event.ok()) return Fail(event.status(), "SubscribeToStream");
    for (const auto& record : event->records().records()) {
      out_ << MessageToAwsJson(record.record()).dump() << std::endl;
    }
  }
  err_ << "The stream ended.\n";
  return kExitOk;
}

}  // namespace

int RunCli(const CliOptions& options, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (options.output != "json" && options.output != "table") {
    err << kUsage << "awsfacade: error: --output must be json or table\n";
    return kExitUsage;
  }
  return Command(options, out, err).Run(args);
}

}  // namespace awsfacade::client::cli
