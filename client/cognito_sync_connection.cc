#include "client/cognito_sync_connection.h"

#include "aws/cognitosync/v1/cognitosync.grpc.pb.h"
#include "client/internal/connection_impl.h"

AWSFACADE_CLIENT_DEFINE_CONNECTION(CognitoSync, AWSFACADE_COGNITO_SYNC,
                                   ::aws::cognitosync::v1::CognitoSyncService)
