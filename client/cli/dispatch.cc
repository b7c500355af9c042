#include "client/cli/dispatch.h"

#include <utility>

#include "client/cognito_sync_connection.h"
#include "client/consumer_groups_connection.h"
#include "client/dynamodb_connection.h"
#include "client/dynamodb_streams_connection.h"
#include "client/personalize_connection.h"
#include "client/simulator_connection.h"

namespace awsfacade::client::cli {
namespace {

// Binds each RPC of an X-macro list to `connection` under `service` + "." +
// the RPC name (the proto's full method name).
#define AWSFACADE_CLI_BIND_UNARY(ns, Rpc)                                                     \
  dispatch.unary[service + "." #Rpc] = [connection](const google::protobuf::Message& request) \
      -> absl::StatusOr<std::unique_ptr<google::protobuf::Message>> {                         \
    auto response = connection->Rpc(static_cast<const ns::Rpc##Request&>(request));           \
    if (!response.ok()) return response.status();                                             \
    return std::unique_ptr<google::protobuf::Message>(                                        \
        new ns::Rpc##Response(*std::move(response)));                                         \
  };
#define AWSFACADE_CLI_BIND_STREAMING(ns, Rpc)                                               \
  dispatch.streaming[service + "." #Rpc] =                                                  \
      [connection](const google::protobuf::Message& request,                                \
                   const std::function<bool(const google::protobuf::Message&)>& on_message) \
      -> absl::Status {                                                                     \
    auto range = connection->Rpc(static_cast<const ns::Rpc##Request&>(request));            \
    for (auto& message : range) {                                                           \
      if (!message.ok()) return message.status();                                           \
      if (!on_message(*message)) break;                                                     \
    }                                                                                       \
    return absl::OkStatus();                                                                \
  };

}  // namespace

Dispatch MakeDispatch(const ConnectionOptions& options) {
  Dispatch dispatch;
  {
    auto connection = MakeCognitoSyncConnection(options);
    const std::string service = "aws.cognitosync.v1.CognitoSyncService";
    AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_CLI_BIND_UNARY)
    AWSFACADE_COGNITO_SYNC_STREAMING_RPCS(AWSFACADE_CLI_BIND_STREAMING)
  }
  {
    auto connection = MakePersonalizeConnection(options);
    const std::string service = "aws.personalize.v1.PersonalizeService";
    AWSFACADE_PERSONALIZE_UNARY_RPCS(AWSFACADE_CLI_BIND_UNARY)
    AWSFACADE_PERSONALIZE_STREAMING_RPCS(AWSFACADE_CLI_BIND_STREAMING)
  }
  {
    auto connection = MakeDynamoDbConnection(options);
    const std::string service = "aws.dynamodb.v1.DynamoDbService";
    AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_CLI_BIND_UNARY)
  }
  {
    auto connection = MakeDynamoDbStreamsConnection(options);
    const std::string service = "aws.dynamodbstreams.v1.DynamoDbStreamsService";
    AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS(AWSFACADE_CLI_BIND_UNARY)
    AWSFACADE_DYNAMO_DB_STREAMS_SUBSCRIPTION_RPCS(AWSFACADE_CLI_BIND_STREAMING)
  }
  {
    auto connection = MakeSimulatorConnection(options);
    const std::string service = "awsfacade.simulator.v1.SimulatorService";
    AWSFACADE_SIMULATOR_UNARY_RPCS(AWSFACADE_CLI_BIND_UNARY)
  }
  {
    auto connection = MakeConsumerGroupsConnection(options);
    const std::string service = "awsfacade.consumergroups.v1.ConsumerGroupsService";
    AWSFACADE_CONSUMER_GROUPS_UNARY_RPCS(AWSFACADE_CLI_BIND_UNARY)
    AWSFACADE_CONSUMER_GROUPS_STREAMING_RPCS(AWSFACADE_CLI_BIND_STREAMING)
  }
  return dispatch;
}

}  // namespace awsfacade::client::cli
