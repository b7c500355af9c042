#ifndef AWSFACADE_CLIENT_CLI_DISPATCH_H_
#define AWSFACADE_CLIENT_CLI_DISPATCH_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/options.h"
#include "google/protobuf/message.h"

namespace awsfacade::client::cli {

// Calls one unary RPC through the client library: the request must be of
// the RPC's request type; returns the response.
using UnaryInvoker = std::function<absl::StatusOr<std::unique_ptr<google::protobuf::Message>>(
    const google::protobuf::Message&)>;
// Calls one server-streaming RPC, handing each message to `on_message`
// until it returns false or the stream ends; returns the final status.
using StreamInvoker =
    std::function<absl::Status(const google::protobuf::Message&,
                               const std::function<bool(const google::protobuf::Message&)>&)>;

// Every RPC of the four AWS services and of the simulator's control
// service, keyed by full method name
// ("aws.dynamodbstreams.v1.DynamoDbStreamsService.GetRecords"), bound to
// connections made from `options`.
struct Dispatch {
  std::map<std::string, UnaryInvoker> unary;
  std::map<std::string, StreamInvoker> streaming;
};
Dispatch MakeDispatch(const ConnectionOptions& options);

}  // namespace awsfacade::client::cli

#endif  // AWSFACADE_CLIENT_CLI_DISPATCH_H_
