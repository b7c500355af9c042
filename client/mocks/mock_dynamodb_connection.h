#ifndef AWSFACADE_CLIENT_MOCKS_MOCK_DYNAMODB_CONNECTION_H_
#define AWSFACADE_CLIENT_MOCKS_MOCK_DYNAMODB_CONNECTION_H_

#include "client/dynamodb_connection.h"
#include "client/mocks/mock_macros.h"

namespace awsfacade::client::mocks {

// A GMock DynamoDbConnection for tests of code that takes a DynamoDbClient:
// `DynamoDbClient client(mock);`. Server streams return ranges: build them with
// MakeStreamRange(values, final_status).
class MockDynamoDbConnection : public DynamoDbConnection {
 public:
  AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_CLIENT_MOCK_UNARY)
  AWSFACADE_DYNAMO_DB_STREAMING_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
  AWSFACADE_DYNAMO_DB_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
};

}  // namespace awsfacade::client::mocks

#endif  // AWSFACADE_CLIENT_MOCKS_MOCK_DYNAMODB_CONNECTION_H_
