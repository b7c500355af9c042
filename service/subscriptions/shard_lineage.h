#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SHARD_LINEAGE_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SHARD_LINEAGE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"

namespace awsfacade::service::subscriptions {

// The shards of a stream (DescribeStream's list) against what one
// subscription tracks. A subscription forgets a shard once it has read it
// and adopted its children (so its state and token stay small through many
// rollovers), and forgets a finished shard the stream no longer lists (it
// was trimmed away).
class ShardLineage {
 public:
  explicit ShardLineage(const std::vector<::aws::dynamodbstreams::v1::Shard>& listed);

  // Listed shards that are new to a subscription tracking `tracked`: not
  // tracked, and no tracked descendant (then it was read and forgotten).
  // In listing order (DescribeStream lists parents first).
  std::vector<const ::aws::dynamodbstreams::v1::Shard*> NewShards(
      absl::FunctionRef<bool(const std::string&)> tracked) const;

  bool Listed(const std::string& shard_id) const { return listed_.contains(shard_id); }

 private:
  const std::vector<::aws::dynamodbstreams::v1::Shard>& shards_;
  absl::flat_hash_set<std::string> listed_;
  absl::flat_hash_map<std::string, std::vector<std::string>> children_;
};

// Parents first: a shard may be read once its parent is finished, or when
// the parent is not tracked (it was trimmed away, or read and forgotten).
// `parent_done` is nullptr for an untracked parent.
inline bool ParentAllowsReading(const std::string& parent, const bool* parent_done) {
  return parent.empty() || parent_done == nullptr || *parent_done;
}

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SHARD_LINEAGE_H_
