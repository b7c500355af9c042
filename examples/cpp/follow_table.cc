// Example consumer of the installed awsfacade client library: creates a
// table with a stream, writes three items, lists the streams page by page
// (ListAllStreams follows the tokens), then subscribes to the table's stream
// and prints the three records as they arrive.
//
// Usage: follow_table HOST:PORT
#include <iostream>
#include <string>

#include "client/dynamodb_client.h"
#include "client/dynamodb_streams_client.h"
#include "client/status.h"

namespace ac = ::awsfacade::client;
namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;

int Fail(const std::string& what, const absl::Status& status) {
  std::cerr << what << " failed: " << status
            << " (AWS error: " << ac::AwsErrorName(status).value_or("none") << ")\n";
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: follow_table HOST:PORT\n";
    return 2;
  }
  ac::ConnectionOptions options;
  options.endpoint = argv[1];
  ac::DynamoDbClient dynamodb(ac::MakeDynamoDbConnection(options));
  ac::DynamoDbStreamsClient streams_client(ac::MakeDynamoDbStreamsConnection(options));

  ddb::CreateTableRequest create;
  create.set_table_name("example");
  auto* attribute = create.add_attribute_definitions();
  attribute->set_attribute_name("id");
  attribute->set_attribute_type("S");
  auto* key = create.add_key_schema();
  key->set_attribute_name("id");
  key->set_key_type("HASH");
  create.set_billing_mode("PAY_PER_REQUEST");
  create.mutable_stream_specification()->set_stream_enabled(true);
  create.mutable_stream_specification()->set_stream_view_type("NEW_IMAGE");
  auto table = dynamodb.CreateTable(create);
  if (!table.ok()) return Fail("CreateTable", table.status());

  for (std::string id : {"a", "b", "c"}) {
    ddb::PutItemRequest put;
    put.set_table_name("example");
    (*put.mutable_item())["id"].set_s(id);
    auto done = dynamodb.PutItem(put);
    if (!done.ok()) return Fail("PutItem", done.status());
  }

  streams::ListStreamsRequest list;
  list.set_limit(1);  // one per page: the range follows LastEvaluatedStreamArn
  for (const auto& stream : streams_client.ListAllStreams(list)) {
    if (!stream.ok()) return Fail("ListStreams", stream.status());
    std::cout << "stream " << stream->stream_arn() << " of " << stream->table_name() << "\n";
  }

  streams::SubscribeToStreamRequest subscribe;
  subscribe.set_stream_arn(table->table_description().latest_stream_arn());
  subscribe.mutable_starting_position()->set_type("TRIM_HORIZON");
  int seen = 0;
  for (const auto& event : streams_client.SubscribeToStream(subscribe)) {
    if (!event.ok()) return Fail("SubscribeToStream", event.status());
    for (const auto& record : event->records().records()) {
      std::cout << "record " << record.record().event_name() << " "
                << record.record().dynamodb().new_image().at("id").s() << "\n";
      ++seen;
    }
    if (seen == 3) break;  // leaving the loop cancels the subscription
  }
  std::cout << "done\n";
  return 0;
}
