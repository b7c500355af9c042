// Helpers shared by the subscription benchmarks (subscription_bench,
// fanout_bench): a table with a stream, timestamped writes, the server
// process's RSS and CPU time from /proc, writes at a fixed rate. Benchmarks only: they exit on a
// failed set-up call rather than returning a status.
#ifndef AWSFACADE_BENCH_STREAMS_BENCH_UTIL_H_
#define AWSFACADE_BENCH_STREAMS_BENCH_UTIL_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::bench {

inline int64_t NowNanos() { return absl::GetCurrentTimeNanos(); }

// VmRSS of process `pid` in KiB, -1 when unreadable.
inline long RssKiB(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// User + system CPU seconds of process `pid` so far (/proc/PID/stat fields
// 14 and 15), -1 when unreadable.
inline double CpuSeconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A PAY_PER_REQUEST table keyed by "pk" with a NEW_IMAGE stream; returns the
// stream ARN. Exits on failure.
inline std::string CreateTable(::aws::dynamodb::v1::DynamoDbService::Stub& stub,
                               const std::string& name) {
  ::aws::dynamodb::v1::CreateTableRequest request;
  request.set_table_name(name);
  auto* key = request.add_key_schema();
  key->set_attribute_name("pk");
  key->set_key_type("HASH");
  auto* def = request.add_attribute_definitions();
  def->set_attribute_name("pk");
  def->set_attribute_type("S");
  request.set_billing_mode("PAY_PER_REQUEST");
  request.mutable_stream_specification()->set_stream_enabled(true);
  request.mutable_stream_specification()->set_stream_view_type("NEW_IMAGE");
  ::aws::dynamodb::v1::CreateTableResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub.CreateTable(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "CreateTable: %s\n", status.error_message().c_str());
    std::exit(1);
  }
  return response.table_description().latest_stream_arn();
}

// PutItem {pk: key, ts: stamp (a number), pad: pad}; logs a failure.
inline bool Put(::aws::dynamodb::v1::DynamoDbService::Stub& stub, const std::string& table,
                const std::string& key, int64_t stamp, const std::string& pad) {
  ::aws::dynamodb::v1::PutItemRequest request;
  request.set_table_name(table);
  (*request.mutable_item())["pk"].set_s(key);
  (*request.mutable_item())["ts"].set_n(std::to_string(stamp));
  (*request.mutable_item())["pad"].set_s(pad);
  ::aws::dynamodb::v1::PutItemResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub.PutItem(&context, request, &response);
  if (!status.ok()) std::fprintf(stderr, "PutItem: %s\n", status.error_message().c_str());
  return status.ok();
}

// `total` stamped writes (pad of 100 bytes, keys k0..k999) at
// `writes_per_second` in all, from 4 threads on an absolute schedule; returns
// when all are done.
inline void WriteStamped(const std::shared_ptr<grpc::Channel>& channel, const std::string& table,
                         int total, int writes_per_second) {
  constexpr int kWriters = 4;
  const std::string pad(100, 'p');
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto stub = ::aws::dynamodb::v1::DynamoDbService::NewStub(channel);
      const absl::Duration gap = absl::Seconds(1) * kWriters / writes_per_second;
      absl::Time next = absl::Now();
      for (int i = w; i < total; i += kWriters) {
        absl::SleepFor(next - absl::Now());
        next += gap;
        Put(*stub, table, "k" + std::to_string(i % 1000), NowNanos(), pad);
      }
    });
  }
  for (auto& t : writers) t.join();
}

}  // namespace awsfacade::bench

#endif  // AWSFACADE_BENCH_STREAMS_BENCH_UTIL_H_
