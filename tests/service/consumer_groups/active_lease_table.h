#ifndef AWSFACADE_TESTS_SERVICE_CONSUMER_GROUPS_ACTIVE_LEASE_TABLE_H_
#define AWSFACADE_TESTS_SERVICE_CONSUMER_GROUPS_ACTIVE_LEASE_TABLE_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "backends/dynamodb_backend.h"
#include "gtest/gtest.h"
#include "service/consumer_groups/lease_table.h"

namespace awsfacade::service::consumer_groups::leasetest {

// The lease table of `group` on `stream_arn` over `ddb`, brought to ACTIVE
// by calling EnsureTable (as a member's timer would) at most `attempts`
// times; a test failure when it does not get there.
inline std::unique_ptr<LeaseTable> ActiveLeaseTable(backends::DynamoDbBackend* ddb,
                                                    absl::string_view group,
                                                    absl::string_view stream_arn,
                                                    int attempts = 10) {
  auto table = LeaseTable::Create(ddb, group, stream_arn);
  EXPECT_TRUE(table.ok()) << table.status();
  if (!table.ok()) return nullptr;
  for (int i = 0; i < attempts; ++i) {
    auto state = (*table)->EnsureTable();
    EXPECT_TRUE(state.ok()) << state.status();
    if (state.ok() && *state == LeaseTable::TableState::kActive) return *std::move(table);
  }
  ADD_FAILURE() << (*table)->table_name() << " never became ACTIVE";
  return *std::move(table);
}

}  // namespace awsfacade::service::consumer_groups::leasetest

#endif  // AWSFACADE_TESTS_SERVICE_CONSUMER_GROUPS_ACTIVE_LEASE_TABLE_H_
