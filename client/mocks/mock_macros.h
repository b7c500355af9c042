#ifndef AWSFACADE_CLIENT_MOCKS_MOCK_MACROS_H_
#define AWSFACADE_CLIENT_MOCKS_MOCK_MACROS_H_

#include "gmock/gmock.h"

// One MOCK_METHOD per RPC of a service's X-macro list.
#define AWSFACADE_CLIENT_MOCK_UNARY(ns, Rpc) \
  MOCK_METHOD(absl::StatusOr<ns::Rpc##Response>, Rpc, (const ns::Rpc##Request&), (override));
#define AWSFACADE_CLIENT_MOCK_STREAMING(ns, Rpc)                                                   \
  MOCK_METHOD(::awsfacade::client::StreamRange<ns::Rpc##Response>, Rpc, (const ns::Rpc##Request&), \
              (override));

#endif  // AWSFACADE_CLIENT_MOCKS_MOCK_MACROS_H_
