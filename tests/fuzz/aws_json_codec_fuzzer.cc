// Fuzzes the AWS JSON codec (backends/aws/json_codec.h) on every message of
// proto/aws/**: responses read from AWS (GetRecords, DescribeStream,
// ListStreams, GetShardIterator, Personalize List*/Describe*, Cognito Sync
// ListRecords, ...) and every other shape the codec can meet.
//
// Input: "<full message name>\n<JSON>". An unknown first line picks a
// message by its hash. Checked: no crash or sanitizer report; the generated
// message and a DynamicMessage of the same type agree; when the message
// reads and writes back, the written JSON reads back and writes the same
// text again (the codec's own output is always readable and stable);
// TopLevelStringMembers never fails on what AwsJsonToMessage accepted.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/attribute_value.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/aws/json_codec.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace codec = awsfacade::backends::aws;
namespace pb = google::protobuf;

struct Catalog {
  std::vector<const pb::Descriptor*> messages;
  std::vector<std::string> names;
  mutable pb::DynamicMessageFactory dynamic_factory;
};

const Catalog& GetCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog;
    // One descriptor of each file: references the generated code, so the
    // files are linked and registered in the generated pool.
    const pb::FileDescriptor* files[] = {
        ::aws::dynamodbstreams::v1::GetRecordsResponse::descriptor()->file(),
        ::aws::dynamodb::v1::GetItemResponse::descriptor()->file(),
        ::aws::dynamodb::v1::AttributeValue::descriptor()->file(),
        ::aws::personalize::v1::ListDatasetsResponse::descriptor()->file(),
        ::aws::cognitosync::v1::ListRecordsResponse::descriptor()->file(),
    };
    for (const pb::FileDescriptor* file : files) {
      for (int i = 0; i < file->message_type_count(); ++i) {
        c->messages.push_back(file->message_type(i));
        c->names.push_back(file->message_type(i)->full_name());
      }
    }
    return c;
  }();
  return *catalog;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using awsfacade::fuzz::AsView;
  const Catalog& catalog = GetCatalog();
  absl::string_view input = AsView(data, size);
  absl::string_view selector = awsfacade::fuzz::TakeLine(&input);
  const pb::Descriptor* type = catalog.messages[awsfacade::fuzz::Choose(selector, catalog.names)];

  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
  absl::Status read = codec::AwsJsonToMessage(input, message.get());

  // The same read through DynamicMessage (no generated code) must agree.
  std::unique_ptr<pb::Message> dynamic(catalog.dynamic_factory.GetPrototype(type)->New());
  absl::Status dynamic_read = codec::AwsJsonToMessage(input, dynamic.get());
  AWSFACADE_FUZZ_CHECK(read.ok() == dynamic_read.ok(),
                       absl::StrCat(type->full_name(), ": ", read.ToString(), " vs dynamic ",
                                    dynamic_read.ToString()));
  if (!read.ok()) {
    AWSFACADE_FUZZ_CHECK(read.code() == absl::StatusCode::kInvalidArgument ||
                             read.code() == absl::StatusCode::kUnimplemented,
                         read.ToString());
    return 0;
  }
  AWSFACADE_FUZZ_CHECK(codec::TopLevelStringMembers(input).ok(), type->full_name());

  absl::StatusOr<std::string> written = codec::MessageToAwsJson(*message);
  absl::StatusOr<std::string> dynamic_written = codec::MessageToAwsJson(*dynamic);
  AWSFACADE_FUZZ_CHECK(
      written.ok() == dynamic_written.ok() && (!written.ok() || *written == *dynamic_written),
      absl::StrCat(type->full_name(), ":\n", written.ok() ? *written : written.status().ToString(),
                   "\nvs dynamic\n",
                   dynamic_written.ok() ? *dynamic_written : dynamic_written.status().ToString()));
  if (!written.ok()) return 0;  // e.g. a Timestamp outside 0001..9999: refused, fine

  std::unique_ptr<pb::Message> again(message->New());
  absl::Status reread = codec::AwsJsonToMessage(*written, again.get());
  AWSFACADE_FUZZ_CHECK(reread.ok(), absl::StrCat(type->full_name(), ": own output unreadable: ",
                                                 reread.ToString(), " in ", *written));
  absl::StatusOr<std::string> rewritten = codec::MessageToAwsJson(*again);
  AWSFACADE_FUZZ_CHECK(rewritten.ok() && *rewritten == *written,
                       absl::StrCat(type->full_name(), ": ", *written, " became ",
                                    rewritten.ok() ? *rewritten : rewritten.status().ToString()));
  return 0;
}
