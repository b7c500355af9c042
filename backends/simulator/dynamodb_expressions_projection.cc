#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/dynamodb_expressions_parser.h"

// ProjectionExpression: Project (dynamodb_expressions.h).

namespace awsfacade::backends::simulator {
namespace {

using expressions_internal::DocPath;
using expressions_internal::PathElement;

// The requested paths as a tree. Overlapping and conflicting paths were
// rejected, so a node is a whole value, or map keys, or list indexes.
struct ProjectionNode {
  bool whole = false;
  std::vector<PathElement> keys;  // keys[k] selects nodes[k]
  std::vector<ProjectionNode> nodes;
};

void AddProjectionPath(ProjectionNode* root, const DocPath& path) {
  ProjectionNode* node = root;
  for (const PathElement& e : path) {
    auto it = std::find(node->keys.begin(), node->keys.end(), e);
    if (it == node->keys.end()) {
      node->keys.push_back(e);
      node->nodes.emplace_back();
      node = &node->nodes.back();
    } else {
      node = &node->nodes[static_cast<size_t>(it - node->keys.begin())];
    }
  }
  node->whole = true;
}

std::optional<AttributeValue> ProjectValue(const AttributeValue& value,
                                           const ProjectionNode& node) {
  if (node.whole) return value;
  if (node.keys.empty()) return std::nullopt;
  AttributeValue out;
  if (node.keys[0].is_index()) {
    if (value.value_case() != AttributeValue::kL) return std::nullopt;
    // Selected list elements keep their order and close up.
    std::vector<size_t> order(node.keys.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&node](size_t a, size_t b) { return node.keys[a].index < node.keys[b].index; });
    auto* list = out.mutable_l()->mutable_values();
    for (size_t k : order) {
      const int64_t index = node.keys[k].index;
      if (index >= value.l().values_size()) continue;
      std::optional<AttributeValue> projected =
          ProjectValue(value.l().values(static_cast<int>(index)), node.nodes[k]);
      if (projected) *list->Add() = *std::move(projected);
    }
    if (list->empty()) return std::nullopt;
    return out;
  }
  if (value.value_case() != AttributeValue::kM) return std::nullopt;
  auto* map = out.mutable_m()->mutable_values();
  for (size_t k = 0; k < node.keys.size(); ++k) {
    const std::string& name = node.keys[k].name;
    auto it = value.m().values().find(name);
    if (it == value.m().values().end()) continue;
    std::optional<AttributeValue> projected = ProjectValue(it->second, node.nodes[k]);
    if (projected) (*map)[name] = *std::move(projected);
  }
  if (map->empty()) return std::nullopt;
  return out;
}

}  // namespace

absl::StatusOr<Item> Project(absl::string_view expression, const ExpressionContext& context,
                             const Item& item) {
  absl::StatusOr<std::vector<DocPath>> paths =
      expressions_internal::ParseProjectionExpression(expression, context);
  if (!paths.ok()) return paths.status();

  ProjectionNode root;
  for (const DocPath& path : *paths) AddProjectionPath(&root, path);
  Item result;
  for (size_t k = 0; k < root.keys.size(); ++k) {
    const std::string& name = root.keys[k].name;
    auto it = item.find(name);
    if (it == item.end()) continue;
    std::optional<AttributeValue> projected = ProjectValue(it->second, root.nodes[k]);
    if (projected) result[name] = *std::move(projected);
  }
  return result;
}

}  // namespace awsfacade::backends::simulator
