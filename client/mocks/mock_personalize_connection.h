#ifndef AWSFACADE_CLIENT_MOCKS_MOCK_PERSONALIZE_CONNECTION_H_
#define AWSFACADE_CLIENT_MOCKS_MOCK_PERSONALIZE_CONNECTION_H_

#include "client/mocks/mock_macros.h"
#include "client/personalize_connection.h"

namespace awsfacade::client::mocks {

// A GMock PersonalizeConnection for tests of code that takes a PersonalizeClient:
// `PersonalizeClient client(mock);`. Server streams return ranges: build them with
// MakeStreamRange(values, final_status).
class MockPersonalizeConnection : public PersonalizeConnection {
 public:
  AWSFACADE_PERSONALIZE_UNARY_RPCS(AWSFACADE_CLIENT_MOCK_UNARY)
  AWSFACADE_PERSONALIZE_STREAMING_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
  AWSFACADE_PERSONALIZE_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
};

}  // namespace awsfacade::client::mocks

#endif  // AWSFACADE_CLIENT_MOCKS_MOCK_PERSONALIZE_CONNECTION_H_
