#ifndef AWSFACADE_TESTS_FUZZ_SIMULATOR_OPS_H_
#define AWSFACADE_TESTS_FUZZ_SIMULATOR_OPS_H_

// The simulator fuzz targets' world: the three simulators on a fake clock
// and a fixed token key, and every RPC of their backend interfaces as a
// numbered operation that takes a serialized request, called as the server
// calls it (behind the model validation). Shared by
// simulator_requests_fuzzer.cc, simulator_tokens_fuzzer.cc and
// seed_generator.cc (which writes seeds in the same numbering).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/simulator/cognito_sync_simulator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/personalize_simulator.h"
#include "backends/simulator/simulator_options.h"
#include "tests/common/validated_over.h"
#include "tests/fuzz/fuzz_util.h"

namespace awsfacade::fuzz {

// The key of every simulator token in the fuzzers: a target can seal a
// payload of its choice and reach the parsing behind the MAC.
inline constexpr char kTokenKey[] = "awsfacade-fuzz-token-key-32bytes";

struct Simulators {
  std::shared_ptr<backends::FakeClock> clock = std::make_shared<backends::FakeClock>();
  std::shared_ptr<backends::TokenSealer> sealer =
      std::make_shared<backends::TokenSealer>(std::string(kTokenKey));
  backends::simulator::SimulatorOptions Options() const {
    backends::simulator::SimulatorOptions options;
    options.clock = clock;
    options.sealer = sealer;
    options.seed = 1;  // IDs (shard IDs among them) as the seeds recorded them
    return options;
  }
  // The simulators (SaveState, LoadState) ...
  backends::simulator::DynamoDbSimulator dynamodb{Options()};
  backends::simulator::PersonalizeSimulator personalize{Options()};
  backends::simulator::CognitoSyncSimulator cognito_sync{Options()};
  // ... and their operations as the server calls them: behind the model
  // validation (backends/request_validator.h), which the simulators leave
  // to the chain.
  backends::ValidatedDynamoDb dynamodb_api =
      ::awsfacade::testing::ValidatedOver<backends::DynamoDbBackend>(dynamodb);
  backends::ValidatedDynamoDbStreams streams_api =
      ::awsfacade::testing::ValidatedOver<backends::DynamoDbStreamsBackend>(dynamodb);
  backends::ValidatedPersonalize personalize_api =
      ::awsfacade::testing::ValidatedOver<backends::PersonalizeBackend>(personalize);
  backends::ValidatedCognitoSync cognito_sync_api =
      ::awsfacade::testing::ValidatedOver<backends::CognitoSyncBackend>(cognito_sync);
};

// What a call gave: not parsed (the bytes are no valid request), or the
// backend's status and, when OK, the serialized response.
struct CallResult {
  bool parsed = false;
  absl::Status status;
  std::string response;
};

struct Operation {
  std::string name;  // "DynamoDB.PutItem"
  std::function<CallResult(Simulators&, absl::string_view)> call;
};

namespace internal {

template <typename Backend, typename Request, typename Response>
Operation MakeOperation(std::string name, Backend& (*backend)(Simulators&),
                        absl::StatusOr<Response> (Backend::*method)(const Request&)) {
  return {std::move(name), [backend, method](Simulators& sims, absl::string_view bytes) {
            CallResult result;
            Request request;
            if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
              return result;
            result.parsed = true;
            absl::StatusOr<Response> response = (backend(sims).*method)(request);
            result.status = response.status();
            if (!response.ok()) return result;
            result.response = response->SerializeAsString();
            // Whatever the simulator answers, a gRPC client must be able to
            // read back (proto3 strings must be UTF-8, for one).
            Response parsed;
            AWSFACADE_FUZZ_CHECK(parsed.ParseFromString(result.response),
                                 absl::StrCat("unparsable response: ", response->DebugString()));
            return result;
          }};
}

inline backends::DynamoDbBackend& Dynamo(Simulators& s) { return s.dynamodb_api; }
inline backends::DynamoDbStreamsBackend& Streams(Simulators& s) { return s.streams_api; }
inline backends::PersonalizeBackend& Personalize(Simulators& s) { return s.personalize_api; }
inline backends::CognitoSyncBackend& Cognito(Simulators& s) { return s.cognito_sync_api; }

}  // namespace internal

// Every operation, in a fixed order (seeds store the index: append only).
inline const std::vector<Operation>& Operations() {
  static const auto* ops = [] {
    using backends::CognitoSyncBackend;
    using backends::DynamoDbBackend;
    using backends::DynamoDbStreamsBackend;
    using backends::PersonalizeBackend;
    using internal::Cognito;
    using internal::Dynamo;
    using internal::MakeOperation;
    using internal::Personalize;
    using internal::Streams;
    return new std::vector<Operation>{
#define AWSFACADE_FUZZ_OP(service, sim, cls, op) MakeOperation(service "." #op, &sim, &cls::op)
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, CreateTable),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, DescribeTable),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, UpdateTable),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, DeleteTable),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, PutItem),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, GetItem),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, DeleteItem),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, UpdateItem),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, UpdateTimeToLive),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, DescribeTimeToLive),
        AWSFACADE_FUZZ_OP("DynamoDB Streams", Streams, DynamoDbStreamsBackend, ListStreams),
        AWSFACADE_FUZZ_OP("DynamoDB Streams", Streams, DynamoDbStreamsBackend, DescribeStream),
        AWSFACADE_FUZZ_OP("DynamoDB Streams", Streams, DynamoDbStreamsBackend, GetShardIterator),
        AWSFACADE_FUZZ_OP("DynamoDB Streams", Streams, DynamoDbStreamsBackend, GetRecords),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, CreateDatasetGroup),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, DescribeDatasetGroup),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, ListDatasetGroups),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, DeleteDatasetGroup),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, CreateSchema),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, DescribeSchema),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, ListSchemas),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, DeleteSchema),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, CreateDataset),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, DescribeDataset),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, ListDatasets),
        AWSFACADE_FUZZ_OP("Personalize", Personalize, PersonalizeBackend, DeleteDataset),
        AWSFACADE_FUZZ_OP("Cognito Sync", Cognito, CognitoSyncBackend, ListRecords),
        AWSFACADE_FUZZ_OP("Cognito Sync", Cognito, CognitoSyncBackend, UpdateRecords),
        AWSFACADE_FUZZ_OP("Cognito Sync", Cognito, CognitoSyncBackend, ListDatasets),
        AWSFACADE_FUZZ_OP("Cognito Sync", Cognito, CognitoSyncBackend, DescribeDataset),
        AWSFACADE_FUZZ_OP("Cognito Sync", Cognito, CognitoSyncBackend, DeleteDataset),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, Query),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, Scan),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, BatchGetItem),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, BatchWriteItem),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, TransactGetItems),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, TransactWriteItems),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, DescribeLimits),
        AWSFACADE_FUZZ_OP("DynamoDB", Dynamo, DynamoDbBackend, ListTables),
#undef AWSFACADE_FUZZ_OP
    };
  }();
  return *ops;
}

// The index of the operation called `name`; aborts when there is none.
inline uint8_t OperationIndex(absl::string_view name) {
  const std::vector<Operation>& ops = Operations();
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].name == name) return static_cast<uint8_t>(i);
  }
  AWSFACADE_FUZZ_CHECK(false, absl::StrCat("no operation ", name));
  return 0;
}

// simulator_requests input: a sequence of calls, each
//   <op byte> <length: 2 bytes little-endian> <length bytes: the request>
// where op byte % (Operations().size() + 1) picks the operation, and the
// extra last value means "advance the clock by <length> seconds" (no bytes
// follow). At most kMaxCalls calls run; a truncated call gets what is left.
inline constexpr int kMaxCalls = 32;

inline std::string EncodeCall(uint8_t op, absl::string_view request) {
  std::string out;
  out.push_back(static_cast<char>(op));
  out.push_back(static_cast<char>(request.size() & 0xff));
  out.push_back(static_cast<char>((request.size() >> 8) & 0xff));
  absl::StrAppend(&out, request);
  return out;
}

inline std::string EncodeAdvance(uint16_t seconds) {
  std::string out;
  out.push_back(static_cast<char>(Operations().size()));
  out.push_back(static_cast<char>(seconds & 0xff));
  out.push_back(static_cast<char>(seconds >> 8));
  return out;
}

}  // namespace awsfacade::fuzz

#endif  // AWSFACADE_TESTS_FUZZ_SIMULATOR_OPS_H_
