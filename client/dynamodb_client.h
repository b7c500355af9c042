#ifndef AWSFACADE_CLIENT_DYNAMODB_CLIENT_H_
#define AWSFACADE_CLIENT_DYNAMODB_CLIENT_H_

#include <memory>
#include <utility>

#include "client/dynamodb_connection.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// DynamoDB (the write side: tables and items) through the facade. A cheap value type: copies share
// the connection. Every RPC is a method taking the request and optional CallOptions (deadline,
// retry policy) that override the client's defaults for that call.
class DynamoDbClient {
 public:
  explicit DynamoDbClient(std::shared_ptr<DynamoDbConnection> connection, CallOptions defaults = {})
      : connection_(std::move(connection)), defaults_(std::move(defaults)) {}

  AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_CLIENT_FORWARD_UNARY)
  AWSFACADE_DYNAMO_DB_STREAMING_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)
  AWSFACADE_DYNAMO_DB_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)

 private:
  std::shared_ptr<DynamoDbConnection> connection_;
  CallOptions defaults_;
};

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_DYNAMODB_CLIENT_H_
