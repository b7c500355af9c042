// SigV4 signing cost for a typical DynamoDB Streams GetRecords request, with
// the per-day signing key cached (the steady state) and derived on every call
// (the first request of a day, or a signer without a cache). The same request
// is re-signed each iteration, as a retry would be: Sign replaces the previous
// Authorization and X-Amz-Date headers.
//
// botocore's figure for the same request: python3 bench/sigv4_botocore_bench.py

#include <string>

#include "absl/time/time.h"
#include "backends/aws/sigv4_signer.h"
#include "benchmark/benchmark.h"

namespace awsfacade::backends::aws {
namespace {

HttpRequest GetRecordsRequest() {
  HttpRequest request;
  request.method = "POST";
  request.host = "streams.dynamodb.us-east-1.amazonaws.com";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "DynamoDBStreams_20120810.GetRecords"}};
  request.body =
      R"({"ShardIterator": "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/)"
      R"(2026-11-23T14:31:16.123|1|AAAAAAAAAAGQaq0Zhk0vXbp4Cwq0Q2yIIRFnO8Rr/0yXnTsPvIVTCGFf7a5hRgw=",)"
      R"( "Limit": 1000})";
  return request;
}

Credentials BenchCredentials() {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
}

void SignGetRecords(benchmark::State& state, bool cache_key) {
  SignerOptions options;
  options.cache_signing_key = cache_key;
  SigV4Signer signer("us-east-1", "dynamodb", options);
  HttpRequest request = GetRecordsRequest();
  const Credentials credentials = BenchCredentials();
  const absl::Time now = absl::FromUnixSeconds(1795444276);  // 2026-11-23T14:31:16Z
  for (auto _ : state) {
    absl::Status status = signer.Sign(request, credentials, now);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(request.headers.back().second.data());
  }
}

void BM_SignGetRecordsCachedKey(benchmark::State& state) { SignGetRecords(state, true); }
void BM_SignGetRecordsUncachedKey(benchmark::State& state) { SignGetRecords(state, false); }

BENCHMARK(BM_SignGetRecordsCachedKey);
BENCHMARK(BM_SignGetRecordsUncachedKey);

}  // namespace
}  // namespace awsfacade::backends::aws

BENCHMARK_MAIN();
