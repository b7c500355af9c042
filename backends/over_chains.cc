// The <Service>OverChain classes' methods and the BackendInvoker tables of
// the four services, compiled here once (backends/operation_chain.h).
#include "backends/cognito_sync_backend.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"

namespace awsfacade::backends {

#define AWSFACADE_CURRENT_OVER_CHAIN CognitoSyncOverChain
AWSFACADE_OPERATION_CHAIN_DEFINITIONS(CognitoSyncBackend, AWSFACADE_COGNITO_SYNC_UNARY_RPCS)
#undef AWSFACADE_CURRENT_OVER_CHAIN

#define AWSFACADE_CURRENT_OVER_CHAIN DynamoDbOverChain
AWSFACADE_OPERATION_CHAIN_DEFINITIONS(DynamoDbBackend, AWSFACADE_DYNAMO_DB_UNARY_RPCS)
#undef AWSFACADE_CURRENT_OVER_CHAIN

#define AWSFACADE_CURRENT_OVER_CHAIN DynamoDbStreamsOverChain
AWSFACADE_OPERATION_CHAIN_DEFINITIONS(DynamoDbStreamsBackend,
                                      AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS)
#undef AWSFACADE_CURRENT_OVER_CHAIN

#define AWSFACADE_CURRENT_OVER_CHAIN PersonalizeOverChain
AWSFACADE_OPERATION_CHAIN_DEFINITIONS(PersonalizeBackend, AWSFACADE_PERSONALIZE_UNARY_RPCS)
#undef AWSFACADE_CURRENT_OVER_CHAIN

}  // namespace awsfacade::backends
