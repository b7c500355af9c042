#include "client/personalize_connection.h"

#include "aws/personalize/v1/personalize.grpc.pb.h"
#include "client/internal/connection_impl.h"

AWSFACADE_CLIENT_DEFINE_CONNECTION(Personalize, AWSFACADE_PERSONALIZE,
                                   ::aws::personalize::v1::PersonalizeService)
