// Fuzzes request validation and handling of every simulator RPC
// (backends/simulator/*: DynamoDB, DynamoDB Streams, Personalize, Cognito
// Sync) with arbitrary request messages, in sequences, so that later calls
// meet the tables, streams, dataset groups and datasets earlier ones made.
//
// Input: calls as simulator_ops.h describes (op byte, 2-byte length, the
// request's protobuf bytes; or a clock advance), on fresh simulators with a
// fake clock. Bytes that are no valid request message are skipped.
//
// Checked: no crash, hang or sanitizer report; every error is an AWS error
// (google.rpc.ErrorInfo reason, see backends/common/aws_error.h) or
// UNIMPLEMENTED naming an unsupported feature; every response reads back as
// its proto (what the gRPC client will do).

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/simulator_ops.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using awsfacade::fuzz::Operations;
  static const bool quiet = [] {
    // Protobuf logs every string field that is not UTF-8; the fuzzer makes
    // many.
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;

  awsfacade::fuzz::Simulators sims;
  const size_t op_count = Operations().size();
  absl::string_view input = awsfacade::fuzz::AsView(data, size);
  for (int calls = 0; calls < awsfacade::fuzz::kMaxCalls && input.size() >= 3; ++calls) {
    const size_t op = static_cast<uint8_t>(input[0]) % (op_count + 1);
    const size_t length = static_cast<uint8_t>(input[1]) | (static_cast<uint8_t>(input[2]) << 8);
    input.remove_prefix(3);
    if (op == op_count) {
      sims.clock->Advance(absl::Seconds(length));
      continue;
    }
    absl::string_view request = input.substr(0, length);
    input.remove_prefix(request.size());
    awsfacade::fuzz::CallResult result = Operations()[op].call(sims, request);
    if (awsfacade::fuzz::Debug()) {
      std::fprintf(stderr, "%s: %s\n", Operations()[op].name.c_str(),
                   result.parsed ? result.status.ToString().c_str() : "not a request");
    }
    if (!result.parsed || result.status.ok()) continue;
    AWSFACADE_FUZZ_CHECK(awsfacade::backends::AwsErrorName(result.status).has_value() ||
                             result.status.code() == absl::StatusCode::kUnimplemented,
                         absl::StrCat(Operations()[op].name, ": ", result.status.ToString()));
  }
  return 0;
}
