#include "service/subscriptions/shard_lineage.h"

namespace awsfacade::service::subscriptions {
namespace v1 = ::aws::dynamodbstreams::v1;

ShardLineage::ShardLineage(const std::vector<v1::Shard>& listed) : shards_(listed) {
  for (const auto& shard : listed) {
    listed_.insert(shard.shard_id());
    if (!shard.parent_shard_id().empty()) {
      children_[shard.parent_shard_id()].push_back(shard.shard_id());
    }
  }
}

std::vector<const v1::Shard*> ShardLineage::NewShards(
    absl::FunctionRef<bool(const std::string&)> tracked) const {
  auto behind_us = [&](const std::string& id) {
    std::vector<std::string> todo = {id};
    // Bounded by the listing's size: a malformed listing with a cycle ends.
    for (size_t i = 0; i < todo.size() && i < shards_.size(); ++i) {
      auto c = children_.find(todo[i]);
      if (c == children_.end()) continue;
      for (const std::string& child : c->second) {
        if (tracked(child)) return true;
        todo.push_back(child);
      }
    }
    return false;
  };
  std::vector<const v1::Shard*> out;
  for (const auto& shard : shards_) {
    if (!tracked(shard.shard_id()) && !behind_us(shard.shard_id())) out.push_back(&shard);
  }
  return out;
}

}  // namespace awsfacade::service::subscriptions
