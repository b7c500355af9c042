#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_QUERY_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_QUERY_H_

// Query and Scan on the simulated DynamoDB (DynamoDbSimulator's reads of many
// items). The simulator validates the request and lends its table, under its
// lock, as a ReadTarget; everything else is here: key conditions, filters,
// projections, Select, Limit and the 1 MB page, ExclusiveStartKey and
// LastEvaluatedKey, secondary indexes, parallel-scan segments, consumed
// capacity. Errors: ValidationException in DynamoDB's words, naming the
// member at fault; UNIMPLEMENTED for the legacy parameters (KeyConditions,
// QueryFilter, ScanFilter, AttributesToGet, ConditionalOperator), as for the
// single-item operations.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "backends/simulator/dynamodb_expressions.h"

namespace awsfacade::backends::simulator {

// The primary keys of one table's items in DynamoDB's key order: partitions
// in the order of their key values, and within a partition by sort key
// (numbers by value, strings and binary by unsigned bytes). A Query reads
// one partition in order from here, and a Scan (and its ExclusiveStartKey)
// walks the whole of it, without sorting anything per call; kept by the
// simulator next to its hash map of items, at the cost of one ordered insert
// or erase for each item created or deleted.
class OrderedKeys {
 public:
  struct Entry {
    AttributeValue partition;
    AttributeValue sort;  // no value set: the table has no sort key
    std::string key;      // the simulator's encoded primary key of the item
  };
  struct Less {
    bool operator()(const Entry& a, const Entry& b) const;
  };
  using Set = absl::btree_set<Entry, Less>;

  // Adds or removes the key of `item` (which holds the table's key
  // attributes `hash_key` and, unless empty, `range_key`).
  void Add(const Item& item, absl::string_view hash_key, absl::string_view range_key,
           std::string key);
  void Remove(const Item& item, absl::string_view hash_key, absl::string_view range_key);

  const Set& entries() const { return entries_; }

 private:
  Set entries_;
};

// A secondary index as the reads need it.
struct ReadIndex {
  std::string name;
  bool global = false;
  std::vector<::aws::dynamodb::v1::KeySchemaElement> key_schema;
  ::aws::dynamodb::v1::Projection projection;
};

// One stored item: the item and its size (DynamoDB's count).
struct StoredItemRef {
  const Item* item = nullptr;
  int64_t size = 0;
};

// What the simulator lends a read, valid while its lock is held.
struct ReadTarget {
  std::string table_name;
  std::vector<::aws::dynamodb::v1::KeySchemaElement> key_schema;
  std::vector<::aws::dynamodb::v1::AttributeDefinition> attribute_definitions;
  std::vector<ReadIndex> indexes;
  const OrderedKeys* order = nullptr;
  // The item with an encoded key from `order`.
  std::function<StoredItemRef(const std::string& key)> find;
};

// A request checked before the table is known (DynamoDB's order: request
// syntax and parameters first, then the table): TableName, the enums, Limit,
// Segment/TotalSegments, the legacy parameters, ExpressionAttributeValues
// (canonical), the expressions' syntax and that every placeholder is used.
// The simulator checks TableName and ReturnConsumedCapacity first and sets
// capacity_mode.
struct PreparedRead {
  std::string capacity_mode;  // TOTAL, INDEXES, or empty for none
  Item values;                // ExpressionAttributeValues, canonical
  Item exclusive_start_key;   // canonical
  // The request's ExpressionAttributeNames (the request outlives this).
  const ::google::protobuf::Map<std::string, std::string>* names = nullptr;
  ExpressionContext context() const { return ExpressionContext{names, &values}; }
};
absl::StatusOr<PreparedRead> PrepareQuery(const ::aws::dynamodb::v1::QueryRequest& request);
absl::StatusOr<PreparedRead> PrepareScan(const ::aws::dynamodb::v1::ScanRequest& request);

// Runs a prepared request on `target`; `request` is the one prepared.
absl::StatusOr<::aws::dynamodb::v1::QueryResponse> RunQuery(
    const ReadTarget& target, const PreparedRead& prepared,
    const ::aws::dynamodb::v1::QueryRequest& request);
absl::StatusOr<::aws::dynamodb::v1::ScanResponse> RunScan(
    const ReadTarget& target, const PreparedRead& prepared,
    const ::aws::dynamodb::v1::ScanRequest& request);

// The image of `item` an index holds: the table and index keys plus the
// projected attributes (the whole item for projection type ALL).
Item IndexImage(const Item& item,
                const std::vector<::aws::dynamodb::v1::KeySchemaElement>& table_keys,
                const std::vector<::aws::dynamodb::v1::KeySchemaElement>& index_keys,
                const ::aws::dynamodb::v1::Projection& projection);

// Page size limit of Query and Scan: a page ends once the items it has read
// reach 1 MB (DynamoDB quota).
inline constexpr int64_t kMaxReadPageBytes = 1024 * 1024;

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_QUERY_H_
