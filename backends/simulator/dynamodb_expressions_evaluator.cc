#include "backends/simulator/dynamodb_expressions_evaluator.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/common/aws_error.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/dynamodb_expressions_internal.h"
#include "backends/simulator/dynamodb_expressions_parser.h"
#include "backends/simulator/dynamodb_expressions_values.h"

namespace awsfacade::backends::simulator {
namespace expressions_internal {
namespace {

// The length of a string as DynamoDB's size() counts it: UTF-16 code units
// (its servers are Java), so a character outside the Basic Multilingual
// Plane counts 2. Bytes that are not valid UTF-8 count 1 each.
int64_t Utf16Length(absl::string_view utf8) {
  int64_t units = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t len = Utf8SequenceLength(utf8, i);
    units += len == 4 ? 2 : 1;
    i += len == 0 ? 1 : len;
  }
  return units;
}

const AttributeValue* Child(const AttributeValue& v, const PathElement& e) {
  if (e.is_index()) {
    if (v.value_case() != AttributeValue::kL || e.index >= v.l().values_size()) return nullptr;
    return &v.l().values(static_cast<int>(e.index));
  }
  if (v.value_case() != AttributeValue::kM) return nullptr;
  const auto& map = v.m().values();
  auto it = map.find(e.name);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

const AttributeValue* Lookup(const Item* item, const DocPath& path) {
  if (item == nullptr || path.empty() || path[0].is_index()) return nullptr;
  auto it = item->find(path[0].name);
  if (it == item->end()) return nullptr;
  const AttributeValue* current = &it->second;
  for (size_t k = 1; k < path.size() && current != nullptr; ++k) {
    current = Child(*current, path[k]);
  }
  return current;
}

namespace {

// A value during evaluation: borrowed from the item or the request, or
// computed (size()).
class Operand {
 public:
  Operand() = default;
  static Operand Of(const AttributeValue* v) {
    Operand o;
    o.borrowed_ = v;
    return o;
  }
  static Operand Owning(AttributeValue v) {
    Operand o;
    o.owned_ = std::move(v);
    return o;
  }
  const AttributeValue* get() const { return owned_ ? &*owned_ : borrowed_; }

 private:
  const AttributeValue* borrowed_ = nullptr;
  std::optional<AttributeValue> owned_;
};

class ConditionEvaluator {
 public:
  explicit ConditionEvaluator(const Item* item) : item_(item) {}

  bool Holds(const Node& node) const {
    switch (node.kind) {
      case Node::Kind::kOr:
        for (const Node& c : node.children) {
          if (Holds(c)) return true;
        }
        return false;
      case Node::Kind::kAnd:
        for (const Node& c : node.children) {
          if (!Holds(c)) return false;
        }
        return true;
      case Node::Kind::kNot:
        return !Holds(node.children[0]);
      case Node::Kind::kCompare:
        return Compare(node);
      case Node::Kind::kBetween: {
        Operand x = Evaluate(node.children[0]);
        Operand low = Evaluate(node.children[1]);
        Operand high = Evaluate(node.children[2]);
        if (!x.get() || !low.get() || !high.get()) return false;
        std::optional<int> a = CompareScalarValues(*low.get(), *x.get());
        std::optional<int> b = CompareScalarValues(*x.get(), *high.get());
        return a && b && *a <= 0 && *b <= 0;
      }
      case Node::Kind::kIn: {
        Operand x = Evaluate(node.children[0]);
        if (!x.get()) return false;
        for (size_t k = 1; k < node.children.size(); ++k) {
          Operand candidate = Evaluate(node.children[k]);
          if (candidate.get() && AttributeValuesEqual(*x.get(), *candidate.get())) return true;
        }
        return false;
      }
      case Node::Kind::kCall:
        return CallHolds(node);
      default:
        return false;
    }
  }

 private:
  Operand Evaluate(const Node& node) const {
    switch (node.kind) {
      case Node::Kind::kPath:
        return Operand::Of(Lookup(item_, node.path));
      case Node::Kind::kValue:
        return Operand::Of(node.value);
      case Node::Kind::kCall: {
        // size(), the only function that yields an operand in a condition.
        Operand arg = Evaluate(node.children[0]);
        const AttributeValue* v = arg.get();
        if (v == nullptr) return Operand();
        int64_t size;
        switch (v->value_case()) {
          case AttributeValue::kS:
            size = Utf16Length(v->s());
            break;
          case AttributeValue::kB:
            size = static_cast<int64_t>(v->b().size());
            break;
          case AttributeValue::kSs:
            size = v->ss().values_size();
            break;
          case AttributeValue::kNs:
            size = v->ns().values_size();
            break;
          case AttributeValue::kBs:
            size = v->bs().values_size();
            break;
          case AttributeValue::kM:
            size = static_cast<int64_t>(v->m().values().size());
            break;
          case AttributeValue::kL:
            size = v->l().values_size();
            break;
          default:
            return Operand();
        }
        AttributeValue n;
        n.set_n(absl::StrCat(size));
        return Operand::Owning(std::move(n));
      }
      default:
        return Operand();
    }
  }

  bool Compare(const Node& node) const {
    Operand a = Evaluate(node.children[0]);
    Operand b = Evaluate(node.children[1]);
    const AttributeValue* x = a.get();
    const AttributeValue* y = b.get();
    // A missing attribute equals nothing and differs from everything.
    if (node.op == "=") return x && y && AttributeValuesEqual(*x, *y);
    if (node.op == "<>") return !(x && y && AttributeValuesEqual(*x, *y));
    if (!x || !y) return false;
    std::optional<int> c = CompareScalarValues(*x, *y);
    if (!c) return false;
    if (node.op == "<") return *c < 0;
    if (node.op == "<=") return *c <= 0;
    if (node.op == ">") return *c > 0;
    return *c >= 0;  // ">="
  }

  bool CallHolds(const Node& node) const {
    if (node.op == "attribute_exists") return Lookup(item_, node.children[0].path) != nullptr;
    if (node.op == "attribute_not_exists") return Lookup(item_, node.children[0].path) == nullptr;
    Operand first = Evaluate(node.children[0]);
    Operand second = Evaluate(node.children[1]);
    const AttributeValue* a = first.get();
    const AttributeValue* b = second.get();
    if (!a || !b) return false;
    if (node.op == "attribute_type") {
      return b->value_case() == AttributeValue::kS && AttributeTypeCode(*a) == b->s();
    }
    if (node.op == "begins_with") {
      if (a->value_case() == AttributeValue::kS && b->value_case() == AttributeValue::kS) {
        return absl::StartsWith(a->s(), b->s());
      }
      if (a->value_case() == AttributeValue::kB && b->value_case() == AttributeValue::kB) {
        return absl::StartsWith(a->b(), b->b());
      }
      return false;
    }
    // contains: a substring of S or B, a member of a set or a list.
    switch (a->value_case()) {
      case AttributeValue::kS:
        return b->value_case() == AttributeValue::kS && absl::StrContains(a->s(), b->s());
      case AttributeValue::kB:
        return b->value_case() == AttributeValue::kB && absl::StrContains(a->b(), b->b());
      case AttributeValue::kSs:
        return b->value_case() == AttributeValue::kS &&
               std::find(a->ss().values().begin(), a->ss().values().end(), b->s()) !=
                   a->ss().values().end();
      case AttributeValue::kBs:
        return b->value_case() == AttributeValue::kB &&
               std::find(a->bs().values().begin(), a->bs().values().end(), b->b()) !=
                   a->bs().values().end();
      case AttributeValue::kNs:
        if (b->value_case() != AttributeValue::kN) return false;
        for (const std::string& n : a->ns().values()) {
          if (NumbersEqual(n, b->n())) return true;
        }
        return false;
      case AttributeValue::kL:
        for (const AttributeValue& element : a->l().values()) {
          if (AttributeValuesEqual(element, *b)) return true;
        }
        return false;
      default:
        return false;
    }
  }

  const Item* item_;
};

}  // namespace

bool ConditionHolds(const Node& condition, const Item* item) {
  return ConditionEvaluator(item).Holds(condition);
}

}  // namespace expressions_internal

absl::Status EvaluateCondition(absl::string_view expression, const ExpressionContext& context,
                               const Item* item) {
  absl::StatusOr<expressions_internal::Node> tree =
      expressions_internal::ParseConditionExpression(expression, context);
  if (!tree.ok()) return tree.status();
  if (!expressions_internal::ConditionEvaluator(item).Holds(*tree)) {
    return AwsError("ConditionalCheckFailedException", "The conditional request failed");
  }
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
