#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/dynamodb_expressions_decimal.h"
#include "backends/simulator/dynamodb_expressions_evaluator.h"
#include "backends/simulator/dynamodb_expressions_internal.h"
#include "backends/simulator/dynamodb_expressions_parser.h"
#include "backends/simulator/dynamodb_expressions_values.h"

// UpdateExpression: ApplyUpdate (dynamodb_expressions.h).

namespace awsfacade::backends::simulator {
namespace {

using expressions_internal::AddDecimal;
using expressions_internal::CanonicalizeValidated;
using expressions_internal::CanonicalNumberText;
using expressions_internal::ComparePaths;
using expressions_internal::Decimal;
using expressions_internal::DocPath;
using expressions_internal::FormatDecimal;
using expressions_internal::Invalid;
using expressions_internal::kMaxNestingLevels;
using expressions_internal::kNestingTooDeep;
using expressions_internal::Lookup;
using expressions_internal::Negated;
using expressions_internal::NestingLevels;
using expressions_internal::Node;
using expressions_internal::ParseNumber;
using expressions_internal::ParseUpdateExpression;
using expressions_internal::PathElement;
using expressions_internal::Printable;
using expressions_internal::UpdateAction;

constexpr int64_t kMaxItemBytes = 400 * 1024;

constexpr char kIncorrectDataType[] =
    "An operand in the update expression has an incorrect data type";
constexpr char kMissingAttribute[] =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr char kInvalidUpdatePath[] =
    "The document path provided in the update expression is invalid for update";
constexpr char kItemTooLarge[] = "Item size to update has exceeded the maximum allowed size";

AttributeValue CanonicalCopy(const AttributeValue& v) {
  AttributeValue copy = v;
  CanonicalizeValidated(&copy);
  return copy;
}

// Evaluates a SET value against the item as it was before the update.
absl::StatusOr<AttributeValue> EvaluateSetValue(const Node& node, const Item& item) {
  switch (node.kind) {
    case Node::Kind::kPath: {
      const AttributeValue* v = Lookup(&item, node.path);
      if (v == nullptr) return Invalid(kMissingAttribute);
      return *v;
    }
    case Node::Kind::kValue:
      return CanonicalCopy(*node.value);
    case Node::Kind::kCall: {
      if (node.op == "if_not_exists") {
        const AttributeValue* existing = Lookup(&item, node.children[0].path);
        if (existing != nullptr) return *existing;
        return EvaluateSetValue(node.children[1], item);
      }
      // list_append
      absl::StatusOr<AttributeValue> a = EvaluateSetValue(node.children[0], item);
      if (!a.ok()) return a;
      absl::StatusOr<AttributeValue> b = EvaluateSetValue(node.children[1], item);
      if (!b.ok()) return b;
      if (a->value_case() != AttributeValue::kL || b->value_case() != AttributeValue::kL) {
        return Invalid(kIncorrectDataType);
      }
      for (AttributeValue& element : *b->mutable_l()->mutable_values()) {
        *a->mutable_l()->add_values() = std::move(element);
      }
      return a;
    }
    case Node::Kind::kArith: {
      absl::StatusOr<AttributeValue> a = EvaluateSetValue(node.children[0], item);
      if (!a.ok()) return a;
      absl::StatusOr<AttributeValue> b = EvaluateSetValue(node.children[1], item);
      if (!b.ok()) return b;
      if (a->value_case() != AttributeValue::kN || b->value_case() != AttributeValue::kN) {
        return Invalid(kIncorrectDataType);
      }
      absl::StatusOr<Decimal> x = ParseNumber(a->n());
      if (!x.ok()) return x.status();
      absl::StatusOr<Decimal> y = ParseNumber(b->n());
      if (!y.ok()) return y.status();
      absl::StatusOr<Decimal> sum = AddDecimal(*x, node.op == "-" ? Negated(*y) : *y);
      if (!sum.ok()) return sum.status();
      AttributeValue result;
      result.set_n(FormatDecimal(*sum));
      return result;
    }
    default:
      return Invalid(kIncorrectDataType);
  }
}

AttributeValue* MutableChild(AttributeValue* v, const PathElement& e) {
  if (e.is_index()) {
    if (v->value_case() != AttributeValue::kL || e.index >= v->l().values_size()) return nullptr;
    return v->mutable_l()->mutable_values(static_cast<int>(e.index));
  }
  if (v->value_case() != AttributeValue::kM) return nullptr;
  auto* map = v->mutable_m()->mutable_values();
  auto it = map->find(e.name);
  return it == map->end() ? nullptr : &it->second;
}

AttributeValue* MutableLookup(Item* item, const DocPath& path, size_t length) {
  auto it = item->find(path[0].name);
  if (it == item->end()) return nullptr;
  AttributeValue* current = &it->second;
  for (size_t k = 1; k < length && current != nullptr; ++k) {
    current = MutableChild(current, path[k]);
  }
  return current;
}

// The container that holds the last element of `path`, which must exist and
// have the right type (a map for a name, a list for an index).
absl::StatusOr<AttributeValue*> Parent(Item* item, const DocPath& path) {
  AttributeValue* parent = MutableLookup(item, path, path.size() - 1);
  const AttributeValue::ValueCase wanted =
      path.back().is_index() ? AttributeValue::kL : AttributeValue::kM;
  if (parent == nullptr || parent->value_case() != wanted) return Invalid(kInvalidUpdatePath);
  return parent;
}

absl::Status SetAt(Item* item, const DocPath& path, AttributeValue value) {
  if (path.size() == 1) {
    (*item)[path[0].name] = std::move(value);
    return absl::OkStatus();
  }
  absl::StatusOr<AttributeValue*> parent = Parent(item, path);
  if (!parent.ok()) return parent.status();
  const PathElement& last = path.back();
  if (!last.is_index()) {
    (*(*parent)->mutable_m()->mutable_values())[last.name] = std::move(value);
    return absl::OkStatus();
  }
  // Past the end appends: DynamoDB never leaves holes in a list.
  auto* list = (*parent)->mutable_l()->mutable_values();
  if (last.index < list->size()) {
    *list->Mutable(static_cast<int>(last.index)) = std::move(value);
  } else {
    *list->Add() = std::move(value);
  }
  return absl::OkStatus();
}

absl::Status RemoveAt(Item* item, const DocPath& path) {
  if (path.size() == 1) {
    item->erase(path[0].name);
    return absl::OkStatus();
  }
  absl::StatusOr<AttributeValue*> parent = Parent(item, path);
  if (!parent.ok()) return parent.status();
  const PathElement& last = path.back();
  if (!last.is_index()) {
    (*parent)->mutable_m()->mutable_values()->erase(last.name);
    return absl::OkStatus();
  }
  auto* list = (*parent)->mutable_l()->mutable_values();
  if (last.index < list->size()) list->DeleteSubrange(static_cast<int>(last.index), 1);
  return absl::OkStatus();
}

// The existing value at `path` for ADD and DELETE: nullptr when absent (the
// parent of a nested path must exist).
absl::StatusOr<AttributeValue*> Existing(Item* item, const DocPath& path) {
  if (path.size() == 1) {
    auto it = item->find(path[0].name);
    return it == item->end() ? nullptr : &it->second;
  }
  absl::StatusOr<AttributeValue*> parent = Parent(item, path);
  if (!parent.ok()) return parent.status();
  return MutableChild(*parent, path.back());
}

absl::Status AddAt(Item* item, const DocPath& path, const AttributeValue& operand) {
  absl::StatusOr<AttributeValue*> existing = Existing(item, path);
  if (!existing.ok()) return existing.status();
  AttributeValue* target = *existing;
  if (target == nullptr) return SetAt(item, path, CanonicalCopy(operand));
  if (target->value_case() != operand.value_case()) return Invalid(kIncorrectDataType);
  switch (operand.value_case()) {
    case AttributeValue::kN: {
      absl::StatusOr<Decimal> x = ParseNumber(target->n());
      if (!x.ok()) return x.status();
      absl::StatusOr<Decimal> y = ParseNumber(operand.n());
      if (!y.ok()) return y.status();
      absl::StatusOr<Decimal> sum = AddDecimal(*x, *y);
      if (!sum.ok()) return sum.status();
      target->set_n(FormatDecimal(*sum));
      return absl::OkStatus();
    }
    case AttributeValue::kSs: {
      auto* values = target->mutable_ss()->mutable_values();
      std::set<std::string> present(values->begin(), values->end());
      for (const std::string& s : operand.ss().values()) {
        if (present.insert(s).second) *values->Add() = s;
      }
      return absl::OkStatus();
    }
    case AttributeValue::kBs: {
      auto* values = target->mutable_bs()->mutable_values();
      std::set<std::string> present(values->begin(), values->end());
      for (const std::string& b : operand.bs().values()) {
        if (present.insert(b).second) *values->Add() = b;
      }
      return absl::OkStatus();
    }
    case AttributeValue::kNs: {
      auto* values = target->mutable_ns()->mutable_values();
      std::set<std::string> present;
      for (const std::string& n : *values) present.insert(CanonicalNumberText(n));
      for (const std::string& n : operand.ns().values()) {
        std::string canonical = CanonicalNumberText(n);
        if (present.insert(canonical).second) *values->Add() = std::move(canonical);
      }
      return absl::OkStatus();
    }
    default:
      return Invalid(kIncorrectDataType);
  }
}

// Removes the operand's elements from the set at `path`; sets `emptied` when
// none remain (the attribute must then go: DynamoDB has no empty sets).
absl::Status DeleteAt(Item* item, const DocPath& path, const AttributeValue& operand,
                      bool* emptied) {
  *emptied = false;
  absl::StatusOr<AttributeValue*> existing = Existing(item, path);
  if (!existing.ok()) return existing.status();
  AttributeValue* target = *existing;
  if (target == nullptr) return absl::OkStatus();
  if (target->value_case() != operand.value_case()) return Invalid(kIncorrectDataType);
  google::protobuf::RepeatedPtrField<std::string>* values = nullptr;
  std::set<std::string> doomed;
  bool numbers = false;
  switch (operand.value_case()) {
    case AttributeValue::kSs:
      values = target->mutable_ss()->mutable_values();
      doomed.insert(operand.ss().values().begin(), operand.ss().values().end());
      break;
    case AttributeValue::kBs:
      values = target->mutable_bs()->mutable_values();
      doomed.insert(operand.bs().values().begin(), operand.bs().values().end());
      break;
    case AttributeValue::kNs:
      values = target->mutable_ns()->mutable_values();
      for (const std::string& n : operand.ns().values()) doomed.insert(CanonicalNumberText(n));
      numbers = true;
      break;
    default:
      return Invalid(kIncorrectDataType);
  }
  google::protobuf::RepeatedPtrField<std::string> kept;
  for (std::string& v : *values) {
    if (doomed.count(numbers ? CanonicalNumberText(v) : v) == 0) *kept.Add() = std::move(v);
  }
  values->Swap(&kept);
  *emptied = values->empty();
  return absl::OkStatus();
}

absl::Status CheckUpdatedItem(const Item& item) {
  for (const auto& [name, value] : item) {
    if (NestingLevels(value) > kMaxNestingLevels) return Invalid(kNestingTooDeep);
  }
  if (ItemSizeBytes(item) > kMaxItemBytes) return Invalid(kItemTooLarge);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Item> ApplyUpdate(absl::string_view expression, const ExpressionContext& context,
                                 const std::vector<std::string>& key_names, Item item) {
  absl::StatusOr<std::vector<UpdateAction>> actions = ParseUpdateExpression(expression, context);
  if (!actions.ok()) return actions.status();

  for (const UpdateAction& action : *actions) {
    const std::string& name = action.path[0].name;
    if (std::find(key_names.begin(), key_names.end(), name) != key_names.end()) {
      return Invalid(absl::StrCat("Cannot update attribute ", Printable(name),
                                  ". This attribute is part of the key"));
    }
  }

  // Every action reads the item as it was before the update ("SET a = b,
  // b = a" swaps), and list indexes name positions in that item: writes go
  // first in path order (so appends past the end land in index order), then
  // removals from the highest position down.
  std::vector<AttributeValue> new_values(actions->size());
  for (size_t k = 0; k < actions->size(); ++k) {
    const UpdateAction& action = (*actions)[k];
    if (action.type != UpdateAction::Type::kSet) continue;
    absl::StatusOr<AttributeValue> value = EvaluateSetValue(action.value, item);
    if (!value.ok()) return value.status();
    new_values[k] = *std::move(value);
  }
  std::vector<size_t> writes;
  std::vector<DocPath> removals;
  for (size_t k = 0; k < actions->size(); ++k) {
    if ((*actions)[k].type == UpdateAction::Type::kRemove) {
      removals.push_back((*actions)[k].path);
    } else {
      writes.push_back(k);
    }
  }
  std::sort(writes.begin(), writes.end(), [&actions](size_t a, size_t b) {
    return ComparePaths((*actions)[a].path, (*actions)[b].path) < 0;
  });
  for (size_t k : writes) {
    const UpdateAction& action = (*actions)[k];
    absl::Status status;
    switch (action.type) {
      case UpdateAction::Type::kSet:
        status = SetAt(&item, action.path, std::move(new_values[k]));
        break;
      case UpdateAction::Type::kAdd:
        status = AddAt(&item, action.path, *action.operand);
        break;
      case UpdateAction::Type::kDelete: {
        bool emptied = false;
        status = DeleteAt(&item, action.path, *action.operand, &emptied);
        if (status.ok() && emptied) removals.push_back(action.path);
        break;
      }
      case UpdateAction::Type::kRemove:
        break;
    }
    if (!status.ok()) return status;
  }
  std::sort(removals.begin(), removals.end(),
            [](const DocPath& a, const DocPath& b) { return ComparePaths(a, b) > 0; });
  for (const DocPath& path : removals) {
    absl::Status status = RemoveAt(&item, path);
    if (!status.ok()) return status;
  }
  absl::Status status = CheckUpdatedItem(item);
  if (!status.ok()) return status;
  return item;
}

}  // namespace awsfacade::backends::simulator
