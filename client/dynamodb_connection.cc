#include "client/dynamodb_connection.h"

#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "client/internal/connection_impl.h"

AWSFACADE_CLIENT_DEFINE_CONNECTION(DynamoDb, AWSFACADE_DYNAMO_DB,
                                   ::aws::dynamodb::v1::DynamoDbService)
