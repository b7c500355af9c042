// Fuzzes the simulators' opaque tokens: DynamoDB Streams shard iterators,
// Personalize nextTokens, Cognito Sync NextTokens and SyncSessionTokens.
//
// Input: "<kind>\n<mode>\n<bytes>", kind one of TokenKinds() (token_world.h;
// an unknown line picks one by its hash) and mode
//   raw     <bytes> is the token, as a client would send it
//   sealed  <bytes> is a payload, sealed with the simulators' key for the
//           kind's purpose, so the fuzzer reaches the payload parsing behind
//           the MAC (what a key leak or a forged token would reach)
// (any other mode reads as raw). The token is used once in the call that
// takes it, in the world of token_world.h, and once more when the answer
// carries a follow-up token.
//
// Checked: no crash, hang or sanitizer report; rejections are AWS errors
// (ValidationException, InvalidNextTokenException, InvalidParameterException,
// ...); a follow-up token the simulator issued is accepted in turn.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/token_world.h"

namespace {

void CheckError(const absl::Status& status) {
  AWSFACADE_FUZZ_CHECK(status.ok() || awsfacade::backends::AwsErrorName(status).has_value(),
                       status.ToString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using awsfacade::fuzz::TakeLine;
  absl::string_view input = awsfacade::fuzz::AsView(data, size);
  const size_t kind = awsfacade::fuzz::Choose(TakeLine(&input), awsfacade::fuzz::TokenKinds());
  const bool sealed = TakeLine(&input) == "sealed";

  // Building the world costs far more than a call, so it is kept while the
  // calls leave it as it was: only a successful UpdateRecords (the session
  // token kind) changes it, and then the next input gets a fresh one.
  static std::unique_ptr<awsfacade::fuzz::TokenWorld> kept;
  if (kept == nullptr) kept = std::make_unique<awsfacade::fuzz::TokenWorld>();
  awsfacade::fuzz::TokenWorld& world = *kept;
  const std::string token =
      sealed ? world.sims.sealer->Seal(world.Purpose(kind), input) : std::string(input);
  std::string next;
  absl::Status status = world.Use(kind, token, &next);
  const bool changed = status.ok() && kind == awsfacade::fuzz::TokenKinds().size() - 1;
  CheckError(status);
  if (awsfacade::fuzz::Debug()) {
    std::fprintf(stderr, "%s %s: %s, follow-up token: %s\n",
                 awsfacade::fuzz::TokenKinds()[kind].c_str(), sealed ? "sealed" : "raw",
                 status.ToString().c_str(), next.empty() ? "no" : "yes");
  }
  if (status.ok() && !next.empty()) {
    absl::Status follow = world.Use(kind, next);
    AWSFACADE_FUZZ_CHECK(follow.ok(), absl::StrCat("issued token refused: ", follow.ToString()));
  }
  if (changed) kept.reset();
  return 0;
}
