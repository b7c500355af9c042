#ifndef AWSFACADE_BACKENDS_COMMON_TOKEN_SEALER_H_
#define AWSFACADE_BACKENDS_COMMON_TOKEN_SEALER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/common/crypto.h"

namespace awsfacade::backends {

// Makes opaque, tamper-evident tokens (page tokens, shard iterators, sync
// session tokens): web-safe base64 of `payload || HMAC-SHA256(key, purpose ||
// payload)[0..16)`. The purpose binds a token to what issued it (an
// operation and its scope, e.g. "personalize.ListDatasets|<groupArn>"), so a
// token from another request or a forged one fails to open.
class TokenSealer {
 public:
  // A sealer with a random key (tokens die with the process).
  TokenSealer();
  // A sealer with a fixed key (tests, or a persisted simulator).
  explicit TokenSealer(std::string key);

  std::string Seal(absl::string_view purpose, absl::string_view payload) const;

  // The payload, or InvalidArgument when the token is malformed, altered, or
  // was sealed for another purpose. The caller maps this to its AWS error.
  absl::StatusOr<std::string> Open(absl::string_view purpose, absl::string_view token) const;

 private:
  std::string Mac(absl::string_view purpose, absl::string_view payload) const;

  HmacSha256Key key_;
};

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_TOKEN_SEALER_H_
