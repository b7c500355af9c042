#ifndef AWSFACADE_CLIENT_OPTIONS_H_
#define AWSFACADE_CLIENT_OPTIONS_H_

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::client {

// When and how often a failed call is tried again. A call is retried only when
// its code is in `retryable_codes`; the wait before attempt n+1 is the server's
// google.rpc.RetryInfo delay when the error carries one, else an exponential
// backoff (initial_backoff * multiplier^(n-1), capped at max_backoff). No
// attempt starts after the call's deadline.
//
// Every RPC is retried alike: UNAVAILABLE after a connection dropped mid-call
// may repeat a write that was applied (a repeated CreateTable then fails with
// ResourceInUseException, a repeated UpdateRecords with ResourceConflict).
// Pass a policy without kUnavailable for such calls if that matters.
struct RetryPolicy {
  int max_attempts = 5;  // 1 = no retries
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  double multiplier = 2.0;
  std::set<absl::StatusCode> retryable_codes = {absl::StatusCode::kUnavailable,
                                                absl::StatusCode::kResourceExhausted};
};

// Settings of one call, or defaults of one client: every member is optional,
// and a set member overrides the level below it (call > client > connection).
struct CallOptions {
  // Total time for the call, retries and (for subscriptions) resumes included.
  std::optional<absl::Duration> timeout;
  std::optional<RetryPolicy> retry_policy;
};

// Settings of a connection, fixed when Make...Connection() builds it.
struct ConnectionOptions {
  // HOST:PORT of the awsfacade server.
  std::string endpoint = "127.0.0.1:50051";
  // Defaults to insecure credentials (loopback or a trusted proxy).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // Use this channel instead of creating one (tests, shared channels).
  std::shared_ptr<grpc::Channel> channel;
  // Deadline of a unary call (retries included).
  absl::Duration timeout = absl::Seconds(60);
  // Deadline of a server-streaming call (subscriptions run until cancelled).
  absl::Duration stream_timeout = absl::InfiniteDuration();
  RetryPolicy retry_policy;
};

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_OPTIONS_H_
