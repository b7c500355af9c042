// Fuzzes the AWS wire protocols (backends/aws/protocols.h): ParseResponse of
// every operation with an arbitrary HTTP status, headers and body, the error
// parsing behind it (x-amzn-ErrorType, `code`, `__type`, `message`), and
// BuildRequest from whatever request the body describes.
//
// Input, HTTP-like so seeds are readable:
//   <Service>.<Operation>            e.g. "DynamoDB Streams.GetRecords"
//   <status code>                    e.g. "400"
//   <header name>: <value>           zero or more
//   <empty line>
//   <body>
// An unknown operation line picks one by its hash; a status that is not a
// number is read as 200.
//
// Checked: no crash or sanitizer report; a non-2xx status always gives a
// non-OK status with a non-empty AWS error code; a 2xx answer is OK or
// Internal (never the caller's fault); SanitizeErrorCode leaves no ':';
// a request read from the body either builds or fails with InvalidArgument,
// and an awsJson request's body reads back into the same request.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/aws/json_codec.h"
#include "backends/aws/protocols.h"
#include "backends/common/aws_error.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace codec = awsfacade::backends::aws;
namespace pb = google::protobuf;

struct Operation {
  const codec::ServiceSpec* service;
  const codec::OperationSpec* spec;
  const pb::Message* request_prototype;
  const pb::Message* response_prototype;
};

struct Catalog {
  std::vector<Operation> operations;
  std::vector<std::string> names;
};

const Catalog& GetCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog;
    struct {
      const codec::ServiceSpec& service;
      const pb::FileDescriptor* file;
    } services[] = {
        {codec::DynamoDbStreamsService(),
         ::aws::dynamodbstreams::v1::GetRecordsResponse::descriptor()->file()},
        {codec::DynamoDbService(), ::aws::dynamodb::v1::GetItemResponse::descriptor()->file()},
        {codec::PersonalizeService(),
         ::aws::personalize::v1::ListDatasetsResponse::descriptor()->file()},
        {codec::CognitoSyncService(),
         ::aws::cognitosync::v1::ListRecordsResponse::descriptor()->file()},
    };
    for (const auto& s : services) {
      for (const codec::OperationSpec& op : s.service.operations) {
        auto find = [&](absl::string_view suffix) -> const pb::Message* {
          const pb::Descriptor* d = s.file->pool()->FindMessageTypeByName(
              absl::StrCat(s.file->package(), ".", op.name, suffix));
          AWSFACADE_FUZZ_CHECK(d != nullptr, absl::StrCat(op.name, suffix, " has no proto"));
          return pb::MessageFactory::generated_factory()->GetPrototype(d);
        };
        c->operations.push_back({&s.service, &op, find("Request"), find("Response")});
        c->names.push_back(absl::StrCat(s.service.name, ".", op.name));
      }
    }
    return c;
  }();
  return *catalog;
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using awsfacade::fuzz::TakeLine;
  const Catalog& catalog = GetCatalog();
  absl::string_view input = awsfacade::fuzz::AsView(data, size);
  const Operation& op =
      catalog.operations[awsfacade::fuzz::Choose(TakeLine(&input), catalog.names)];
  int status_code = 200;
  if (!absl::SimpleAtoi(TakeLine(&input), &status_code)) status_code = 200;
  codec::HttpHeaders headers;
  while (!input.empty()) {
    absl::string_view line = TakeLine(&input);
    if (line.empty()) break;
    size_t colon = line.find(':');
    absl::string_view name = line.substr(0, colon);
    absl::string_view value =
        colon == absl::string_view::npos ? absl::string_view() : line.substr(colon + 1);
    headers.emplace_back(std::string(name), std::string(absl::StripLeadingAsciiWhitespace(value)));
  }
  const absl::string_view body = input;

  std::unique_ptr<pb::Message> response(op.response_prototype->New());
  std::string request_id;
  absl::Status status = codec::ParseResponse(*op.service, *op.spec, status_code, headers, body,
                                             response.get(), &request_id);
  AWSFACADE_FUZZ_CHECK(request_id == codec::FindHeaderValue(headers, "x-amzn-RequestId"),
                       request_id);
  if (Is2xx(status_code)) {
    AWSFACADE_FUZZ_CHECK(status.ok() || status.code() == absl::StatusCode::kInternal,
                         status.ToString());
  } else {
    AWSFACADE_FUZZ_CHECK(!status.ok(), absl::StrCat("HTTP ", status_code, " parsed as success"));
    codec::AwsErrorDetails details = codec::ParseErrorDetails(status_code, headers, body);
    AWSFACADE_FUZZ_CHECK(!details.code.empty(), absl::StrCat("HTTP ", status_code, ": no code"));
    std::optional<std::string> name = awsfacade::backends::AwsErrorName(status);
    AWSFACADE_FUZZ_CHECK(name.has_value() && *name == details.code,
                         absl::StrCat(status.ToString(), " vs ", details.code));
  }
  for (absl::string_view raw : {codec::FindHeaderValue(headers, "x-amzn-ErrorType"), body}) {
    std::string code = codec::SanitizeErrorCode(raw);
    AWSFACADE_FUZZ_CHECK(code.find(':') == std::string::npos, code);
  }

  // The request side: the body read as the operation's input.
  std::unique_ptr<pb::Message> request(op.request_prototype->New());
  if (!codec::AwsJsonToMessage(body, request.get()).ok()) return 0;
  absl::StatusOr<codec::HttpRequest> built = codec::BuildRequest(*op.service, *op.spec, *request);
  if (!built.ok()) {
    AWSFACADE_FUZZ_CHECK(built.status().code() == absl::StatusCode::kInvalidArgument,
                         built.status().ToString());
    return 0;
  }
  if (op.service->protocol != codec::Protocol::kRestJson1) {
    std::unique_ptr<pb::Message> sent(op.request_prototype->New());
    absl::Status reread = codec::AwsJsonToMessage(built->body, sent.get());
    AWSFACADE_FUZZ_CHECK(reread.ok(), reread.ToString());
    absl::StatusOr<std::string> a = codec::MessageToAwsJson(*request);
    absl::StatusOr<std::string> b = codec::MessageToAwsJson(*sent);
    AWSFACADE_FUZZ_CHECK(a.ok() && b.ok() && *a == *b, built->body);
  }
  return 0;
}
