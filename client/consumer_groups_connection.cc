#include "client/consumer_groups_connection.h"

#include "awsfacade/consumergroups/v1/consumergroups.grpc.pb.h"
#include "client/internal/connection_impl.h"

AWSFACADE_CLIENT_DEFINE_CONNECTION(ConsumerGroups, AWSFACADE_CONSUMER_GROUPS,
                                   ::awsfacade::consumergroups::v1::ConsumerGroupsService)
