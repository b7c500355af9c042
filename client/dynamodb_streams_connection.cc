#include "client/dynamodb_streams_connection.h"

#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "client/internal/connection_impl.h"

AWSFACADE_CLIENT_DEFINE_CONNECTION(DynamoDbStreams, AWSFACADE_DYNAMO_DB_STREAMS,
                                   ::aws::dynamodbstreams::v1::DynamoDbStreamsService)
