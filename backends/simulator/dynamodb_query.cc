#include "backends/simulator/dynamodb_query.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/simulator/dynamodb_expressions_evaluator.h"
#include "backends/simulator/dynamodb_expressions_internal.h"
#include "backends/simulator/dynamodb_expressions_parser.h"
#include "backends/simulator/validation.h"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::dynamodb::v1;
using expressions_internal::ConditionHolds;
using expressions_internal::Invalid;
using expressions_internal::Node;
using expressions_internal::ParseConditionExpression;
using expressions_internal::ParseProjectionExpression;

constexpr char kSelectAll[] = "ALL_ATTRIBUTES";
constexpr char kSelectProjected[] = "ALL_PROJECTED_ATTRIBUTES";
constexpr char kSelectSpecific[] = "SPECIFIC_ATTRIBUTES";
constexpr char kSelectCount[] = "COUNT";
constexpr char kIndexes[] = "INDEXES";
constexpr char kHash[] = "HASH";
constexpr char kRange[] = "RANGE";
constexpr char kKeyConditionExpression[] = "KeyConditionExpression";
constexpr char kFilterExpression[] = "FilterExpression";
constexpr char kProjectionExpression[] = "ProjectionExpression";
constexpr char kInvalidParameters[] = "One or more parameter values were invalid: ";
constexpr char kBadStartKey[] =
    "The provided starting key is invalid: The provided key element does not match the schema";
constexpr int64_t kReadUnitBytes = 4096;

const Validator& Check() {
  static const Validator kValidator(aws_errors::kValidation);
  return kValidator;
}

absl::Status Unsupported(absl::string_view operation, absl::string_view member,
                         absl::string_view instead) {
  return absl::UnimplementedError(absl::StrCat(operation, ": the legacy parameter ", member,
                                               " is not supported by the simulator; use ",
                                               instead));
}

// The key attribute names of a table or an index.
struct KeyNames {
  std::string hash;
  std::string range;  // empty: no sort key
};

KeyNames NamesOf(const std::vector<v1::KeySchemaElement>& schema) {
  KeyNames names;
  for (const auto& k : schema) {
    (k.key_type() == kHash ? names.hash : names.range) = k.attribute_name();
  }
  return names;
}

std::string TypeOf(const ReadTarget& target, absl::string_view name) {
  for (const auto& a : target.attribute_definitions) {
    if (a.attribute_name() == name) return a.attribute_type();
  }
  return "";
}

int CompareValues(const AttributeValue& a, const AttributeValue& b) {
  if (std::optional<int> c = CompareScalarValues(a, b)) return *c;
  // Types differ (or a value is unset, which sorts first): one table never
  // mixes types in one key attribute, so any fixed order will do.
  return AttributeTypeCode(a).compare(AttributeTypeCode(b));
}

// FNV-1a: a stable hash of a partition key value, so an item's Scan segment
// never changes (absl::Hash may differ between runs).
uint64_t PartitionHash(const AttributeValue& v) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](absl::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(AttributeTypeCode(v));
  mix(v.has_s() ? v.s() : v.has_n() ? v.n() : v.b());
  return h;
}

// The legacy parameters of a request, and its expression parameters, as
// DynamoDB lists them when both are used.
struct ParameterStyles {
  std::vector<std::string> legacy;
  std::vector<std::string> expressions;
  // What replaces each legacy parameter.
  std::vector<std::string> instead;
};

absl::Status CheckParameterStyles(absl::string_view op, const ParameterStyles& p) {
  if (!p.legacy.empty() && !p.expressions.empty()) {
    return Invalid(
        absl::StrCat("Can not use both expression and non-expression parameters in "
                     "the same request: Non-expression parameters: {",
                     absl::StrJoin(p.legacy, ", "), "} Expression parameters: {",
                     absl::StrJoin(p.expressions, ", "), "}"));
  }
  if (!p.legacy.empty()) return Unsupported(op, p.legacy[0], p.instead[0]);
  return absl::OkStatus();
}

// What Query and Scan share in PrepareQuery/PrepareScan.
template <typename Request>
absl::StatusOr<PreparedRead> PrepareCommon(const Request& request, ParameterStyles styles,
                                           absl::string_view op) {
  if (!request.attributes_to_get().empty()) {
    styles.legacy.push_back("AttributesToGet");
    styles.instead.push_back(kProjectionExpression);
  }
  if (!request.conditional_operator().empty()) {
    styles.legacy.push_back("ConditionalOperator");
    styles.instead.push_back(kFilterExpression);
  }
  if (!request.filter_expression().empty()) styles.expressions.push_back(kFilterExpression);
  if (!request.projection_expression().empty()) {
    styles.expressions.push_back(kProjectionExpression);
  }
  if (absl::Status s = CheckParameterStyles(op, styles); !s.ok()) return s;
  const std::string& select = request.select();
  if (!select.empty() && select != kSelectAll && select != kSelectProjected &&
      select != kSelectSpecific && select != kSelectCount) {
    return Check().Fail(
        "Select",
        absl::StrCat(
            "failed to satisfy constraint: Member must satisfy "
            "enum value set: [",
            absl::StrJoin({kSelectSpecific, kSelectCount, kSelectProjected, kSelectAll}, ", "),
            "]"));
  }
  if (request.has_limit()) {
    if (absl::Status s =
            Check().Range("Limit", request.limit(), 1, std::numeric_limits<int32_t>::max());
        !s.ok()) {
      return s;
    }
  }
  if (select == kSelectSpecific && request.projection_expression().empty()) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "Must specify the ProjectionExpression when choosing to get "
                                "SPECIFIC_ATTRIBUTES"),
                   "Select");
  }
  if (!select.empty() && select != kSelectSpecific && !request.projection_expression().empty()) {
    return Invalid(select == kSelectCount
                       ? "Cannot specify the ProjectionExpression when choosing to get only the "
                         "Count"
                       : absl::StrCat("Cannot specify the ProjectionExpression when choosing to "
                                      "get ",
                                      select),
                   "Select");
  }
  PreparedRead prepared;
  prepared.values = request.expression_attribute_values();
  if (absl::Status s = CanonicalizeItem(&prepared.values, false); !s.ok()) return s;
  prepared.exclusive_start_key = request.exclusive_start_key();
  if (absl::Status s = CanonicalizeItem(&prepared.exclusive_start_key); !s.ok()) return s;
  prepared.names = &request.expression_attribute_names();
  const ExpressionContext context = prepared.context();
  if (!request.filter_expression().empty()) {
    absl::StatusOr<Node> filter =
        ParseConditionExpression(request.filter_expression(), context, kFilterExpression);
    if (!filter.ok()) return filter.status();
  }
  if (!request.projection_expression().empty()) {
    auto paths = ParseProjectionExpression(request.projection_expression(), context);
    if (!paths.ok()) return paths.status();
  }
  return prepared;
}

// ---- Key conditions --------------------------------------------------------

// A KeyConditionExpression taken apart: the partition key value, and the
// sort-key condition (a node of the parsed tree) if there is one.
struct KeyCondition {
  const AttributeValue* partition = nullptr;
  const Node* sort = nullptr;
};

void Conjuncts(const Node& node, std::vector<const Node*>* out) {
  if (node.kind == Node::Kind::kAnd) {
    for (const Node& c : node.children) Conjuncts(c, out);
  } else {
    out->push_back(&node);
  }
}

// The single attribute name a key condition compares, or nullptr.
const std::string* KeyAttribute(const Node& n) {
  if (n.kind != Node::Kind::kPath || n.path.size() != 1 || n.path[0].is_index()) return nullptr;
  return &n.path[0].name;
}

absl::StatusOr<KeyCondition> AnalyzeKeyCondition(const Node& tree, const KeyNames& keys,
                                                 const std::string& hash_type,
                                                 const std::string& range_type) {
  std::vector<const Node*> conditions;
  Conjuncts(tree, &conditions);
  KeyCondition out;
  const Node* hash = nullptr;
  for (const Node* c : conditions) {
    const Node* path = nullptr;
    std::vector<const Node*> values;
    switch (c->kind) {
      case Node::Kind::kOr:
        return Invalid("Invalid operator used in KeyConditionExpression: OR",
                       kKeyConditionExpression);
      case Node::Kind::kNot:
        return Invalid("Invalid operator used in KeyConditionExpression: NOT",
                       kKeyConditionExpression);
      case Node::Kind::kIn:
        return Invalid("Invalid operator used in KeyConditionExpression: IN",
                       kKeyConditionExpression);
      case Node::Kind::kCompare:
        if (c->op == "<>") {
          return Invalid("Invalid operator used in KeyConditionExpression: <>",
                         kKeyConditionExpression);
        }
        path = &c->children[0];
        values.push_back(&c->children[1]);
        break;
      case Node::Kind::kBetween:
        path = &c->children[0];
        values.push_back(&c->children[1]);
        values.push_back(&c->children[2]);
        break;
      case Node::Kind::kCall:
        if (c->op != "begins_with") {
          return Invalid(absl::StrCat("Invalid operator used in KeyConditionExpression: ", c->op),
                         kKeyConditionExpression);
        }
        path = &c->children[0];
        values.push_back(&c->children[1]);
        break;
      default:
        return Invalid("Query key condition not supported", kKeyConditionExpression);
    }
    const std::string* name = KeyAttribute(*path);
    for (const Node* v : values) {
      if (name == nullptr || v->kind != Node::Kind::kValue || v->value == nullptr) {
        return Invalid("Query key condition not supported", kKeyConditionExpression);
      }
    }
    const bool is_hash = *name == keys.hash;
    const bool is_range = !keys.range.empty() && *name == keys.range;
    if (!is_hash && !is_range) {
      return Invalid(absl::StrCat("Query condition missed key schema element: ",
                                  hash == nullptr || keys.range.empty() ? keys.hash : keys.range),
                     kKeyConditionExpression);
    }
    if ((is_hash && hash != nullptr) || (is_range && out.sort != nullptr)) {
      return Invalid("KeyConditionExpressions must only contain one condition per key",
                     kKeyConditionExpression);
    }
    for (const Node* v : values) {
      if (AttributeTypeCode(*v->value) != (is_hash ? hash_type : range_type)) {
        return Invalid(
            absl::StrCat(kInvalidParameters, "Condition parameter type does not match schema type"),
            kKeyConditionExpression);
      }
    }
    if (is_hash) {
      if (c->kind != Node::Kind::kCompare || c->op != "=") {
        return Invalid("Query key condition not supported", kKeyConditionExpression);
      }
      hash = c;
      out.partition = values[0]->value;
    } else {
      out.sort = c;
    }
  }
  if (hash == nullptr) {
    return Invalid(absl::StrCat("Query condition missed key schema element: ", keys.hash),
                   kKeyConditionExpression);
  }
  return out;
}

// A key attribute of the table named in a Query's FilterExpression.
const std::string* FilteredKey(const Node& node, const KeyNames& keys) {
  if (node.kind == Node::Kind::kPath && !node.path.empty() && !node.path[0].is_index()) {
    const std::string& name = node.path[0].name;
    if (name == keys.hash || (!keys.range.empty() && name == keys.range)) return &name;
  }
  for (const Node& c : node.children) {
    if (const std::string* found = FilteredKey(c, keys)) return found;
  }
  return nullptr;
}

// ---- Reading ------------------------------------------------------------------

// One item a read may evaluate, in the order of the table or index read.
struct Candidate {
  const OrderedKeys::Entry* entry = nullptr;
  StoredItemRef stored;
  const AttributeValue* index_sort = nullptr;  // the index's sort key value
};

// The table or index a request reads, and how it answers.
struct ReadPlan {
  const ReadIndex* index = nullptr;  // null: the table
  KeyNames table_keys;
  KeyNames keys;  // of the index when there is one
  std::string select;
  std::optional<Node> filter;
  std::string projection;  // ProjectionExpression
  ExpressionContext context;
};

absl::StatusOr<ReadPlan> PlanRead(const ReadTarget& target, const PreparedRead& prepared,
                                  absl::string_view index_name, absl::string_view select,
                                  bool consistent_read, absl::string_view filter,
                                  absl::string_view projection) {
  ReadPlan plan;
  plan.context = prepared.context();
  plan.table_keys = NamesOf(target.key_schema);
  plan.keys = plan.table_keys;
  if (!index_name.empty()) {
    for (const ReadIndex& index : target.indexes) {
      if (index.name == index_name) plan.index = &index;
    }
    if (plan.index == nullptr) {
      return Invalid(absl::StrCat("The table does not have the specified index: ", index_name),
                     "IndexName");
    }
    plan.keys = NamesOf(plan.index->key_schema);
    if (plan.index->global && consistent_read) {
      return Invalid("Consistent reads are not supported on global secondary indexes",
                     "ConsistentRead");
    }
  }
  plan.select = std::string(select);
  if (plan.select.empty()) {
    plan.select = !projection.empty()     ? kSelectSpecific
                  : plan.index != nullptr ? kSelectProjected
                                          : kSelectAll;
  }
  if (plan.select == kSelectProjected && plan.index == nullptr) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using "
                                "an IndexName"),
                   "Select");
  }
  if (plan.select == kSelectAll && plan.index != nullptr && plan.index->global &&
      plan.index->projection.projection_type() != "ALL") {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "Select type ALL_ATTRIBUTES is not supported "
                                "for global secondary index ",
                                plan.index->name, " because its projection type is not ALL"),
                   "Select");
  }
  if (!filter.empty()) {
    absl::StatusOr<Node> tree = ParseConditionExpression(filter, plan.context, kFilterExpression);
    if (!tree.ok()) return tree.status();
    plan.filter = *std::move(tree);
  }
  plan.projection = std::string(projection);
  return plan;
}

// Whether the index read holds `item`: it has the index's key attributes
// with their declared types.
bool InIndex(const ReadTarget& target, const ReadPlan& plan, const Item& item) {
  for (const std::string* k : {&plan.keys.hash, &plan.keys.range}) {
    if (k->empty()) continue;
    auto a = item.find(*k);
    if (a == item.end() || AttributeTypeCode(a->second) != TypeOf(target, *k)) return false;
  }
  return true;
}

// The item as the read sees it: a global secondary index holds only its
// projection (built into `image`); a local one fetches the rest from the
// table.
const Item& Visible(const ReadTarget& target, const ReadPlan& plan, const Item& item,
                    std::optional<Item>* image) {
  if (plan.index == nullptr || !plan.index->global) return item;
  *image = IndexImage(item, target.key_schema, plan.index->key_schema, plan.index->projection);
  return **image;
}

// The start key's attributes for the table's and the read's key, in a
// Candidate-comparable form. ValidationException when it is not a key of
// the read.
struct StartPosition {
  OrderedKeys::Entry entry;
  AttributeValue index_sort;
};

absl::StatusOr<StartPosition> StartOf(const ReadTarget& target, const ReadPlan& plan,
                                      const Item& start) {
  StartPosition pos;
  std::vector<std::string> expected = {plan.table_keys.hash};
  if (!plan.table_keys.range.empty()) expected.push_back(plan.table_keys.range);
  if (plan.index != nullptr) {
    for (const std::string* k : {&plan.keys.hash, &plan.keys.range}) {
      if (!k->empty() && std::find(expected.begin(), expected.end(), *k) == expected.end()) {
        expected.push_back(*k);
      }
    }
  }
  if (start.size() != expected.size()) return Invalid(kBadStartKey, "ExclusiveStartKey");
  for (const std::string& name : expected) {
    auto it = start.find(name);
    if (it == start.end() || AttributeTypeCode(it->second) != TypeOf(target, name)) {
      return Invalid(kBadStartKey, "ExclusiveStartKey");
    }
  }
  pos.entry.partition = start.at(plan.table_keys.hash);
  if (!plan.table_keys.range.empty()) pos.entry.sort = start.at(plan.table_keys.range);
  if (plan.index != nullptr && !plan.keys.range.empty()) {
    pos.index_sort = start.at(plan.keys.range);
  }
  return pos;
}

// Order of candidates within one Query: the index's sort key, then the
// table's key (which makes every index entry distinct).
int CompareCandidate(const AttributeValue* index_sort, const OrderedKeys::Entry& entry,
                     const AttributeValue* other_index_sort,
                     const OrderedKeys::Entry& other_entry) {
  if (index_sort != nullptr && other_index_sort != nullptr) {
    if (int c = CompareValues(*index_sort, *other_index_sort); c != 0) return c;
  }
  const OrderedKeys::Less less;
  if (less(entry, other_entry)) return -1;
  return less(other_entry, entry) ? 1 : 0;
}

// What a page of results is filled into (QueryResponse or ScanResponse).
struct Page {
  std::vector<Item> items;
  int32_t count = 0;
  int32_t scanned = 0;
  int64_t bytes = 0;
  std::optional<Item> last_evaluated_key;
};

// Evaluates candidates from `next` until Limit (0: none), 1 MB or the end.
absl::Status FillPage(const ReadTarget& target, const ReadPlan& plan, int64_t limit,
                      const std::function<bool(Candidate*)>& next, Page* page) {
  Candidate c;
  while (next(&c)) {
    const Item& item = *c.stored.item;
    std::optional<Item> image;
    const Item& visible = Visible(target, plan, item, &image);
    ++page->scanned;
    page->bytes += plan.index == nullptr ? c.stored.size : ItemSizeBytes(visible);
    if (!plan.filter || ConditionHolds(*plan.filter, &visible)) {
      ++page->count;
      if (plan.select == kSelectSpecific) {
        absl::StatusOr<Item> projected = Project(plan.projection, plan.context, visible);
        if (!projected.ok()) return projected.status();
        page->items.push_back(*std::move(projected));
      } else if (plan.select == kSelectProjected) {
        page->items.push_back(
            IndexImage(item, target.key_schema, plan.index->key_schema, plan.index->projection));
      } else if (plan.select == kSelectAll) {
        page->items.push_back(visible);
      }
    }
    if ((limit > 0 && page->scanned >= limit) || page->bytes >= kMaxReadPageBytes) {
      // DynamoDB does not look ahead: a page that stops at Limit or 1 MB has
      // a LastEvaluatedKey even when nothing follows.
      Item key;
      for (const std::string* k :
           {&plan.table_keys.hash, &plan.table_keys.range, &plan.keys.hash, &plan.keys.range}) {
        if (!k->empty()) key[*k] = item.at(*k);
      }
      page->last_evaluated_key = std::move(key);
      break;
    }
  }
  return absl::OkStatus();
}

template <typename Response>
void FillResponse(const ReadTarget& target, const ReadPlan& plan, const PreparedRead& prepared,
                  bool consistent, Page page, Response* response) {
  for (Item& item : page.items) *response->add_items()->mutable_values() = std::move(item);
  response->set_count(page.count);
  response->set_scanned_count(page.scanned);
  if (page.last_evaluated_key) {
    *response->mutable_last_evaluated_key() = *std::move(page.last_evaluated_key);
  }
  if (prepared.capacity_mode.empty()) return;
  // Read capacity: the bytes read, rounded up to 4 KB once per request,
  // halved for an eventually consistent read.
  double units =
      static_cast<double>(std::max<int64_t>(1, (page.bytes + kReadUnitBytes - 1) / kReadUnitBytes));
  if (!consistent) units /= 2;
  v1::ConsumedCapacity* out = response->mutable_consumed_capacity();
  out->set_table_name(target.table_name);
  out->set_capacity_units(units);
  if (prepared.capacity_mode != kIndexes) return;
  if (plan.index == nullptr) {
    out->mutable_table()->set_capacity_units(units);
    return;
  }
  out->mutable_table()->set_capacity_units(0);
  auto* indexes = plan.index->global ? out->mutable_global_secondary_indexes()
                                     : out->mutable_local_secondary_indexes();
  (*indexes)[plan.index->name].set_capacity_units(units);
}

}  // namespace

// ---- OrderedKeys ---------------------------------------------------------------

bool OrderedKeys::Less::operator()(const Entry& a, const Entry& b) const {
  if (int c = CompareValues(a.partition, b.partition); c != 0) return c < 0;
  return CompareValues(a.sort, b.sort) < 0;
}

void OrderedKeys::Add(const Item& item, absl::string_view hash_key, absl::string_view range_key,
                      std::string key) {
  Entry e;
  e.partition = item.at(std::string(hash_key));
  if (!range_key.empty()) e.sort = item.at(std::string(range_key));
  e.key = std::move(key);
  entries_.insert(std::move(e));
}

void OrderedKeys::Remove(const Item& item, absl::string_view hash_key,
                         absl::string_view range_key) {
  Entry e;
  e.partition = item.at(std::string(hash_key));
  if (!range_key.empty()) e.sort = item.at(std::string(range_key));
  entries_.erase(e);
}

Item IndexImage(const Item& item, const std::vector<v1::KeySchemaElement>& table_keys,
                const std::vector<v1::KeySchemaElement>& index_keys,
                const v1::Projection& projection) {
  if (projection.projection_type() == "ALL") return item;
  Item out;
  auto copy = [&](const std::string& name) {
    auto it = item.find(name);
    if (it != item.end()) out[name] = it->second;
  };
  for (const auto& k : table_keys) copy(k.attribute_name());
  for (const auto& k : index_keys) copy(k.attribute_name());
  if (projection.projection_type() == "INCLUDE") {
    for (const auto& name : projection.non_key_attributes()) copy(name);
  }
  return out;
}

// ---- Query ---------------------------------------------------------------------

absl::StatusOr<PreparedRead> PrepareQuery(const v1::QueryRequest& request) {
  ParameterStyles styles;
  if (!request.key_conditions().empty()) {
    styles.legacy.push_back("KeyConditions");
    styles.instead.push_back(kKeyConditionExpression);
  }
  if (!request.query_filter().empty()) {
    styles.legacy.push_back("QueryFilter");
    styles.instead.push_back(kFilterExpression);
  }
  if (!request.key_condition_expression().empty()) {
    styles.expressions.push_back(kKeyConditionExpression);
  }
  absl::StatusOr<PreparedRead> prepared = PrepareCommon(request, std::move(styles), "Query");
  if (!prepared.ok()) return prepared.status();
  if (request.key_condition_expression().empty()) {
    return Invalid(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request.",
        kKeyConditionExpression);
  }
  absl::StatusOr<Node> key = ParseConditionExpression(request.key_condition_expression(),
                                                      prepared->context(), kKeyConditionExpression);
  if (!key.ok()) return key.status();
  if (absl::Status s =
          ValidateExpressionUsage({request.key_condition_expression(), request.filter_expression(),
                                   request.projection_expression()},
                                  prepared->context());
      !s.ok()) {
    return s;
  }
  return prepared;
}

absl::StatusOr<v1::QueryResponse> RunQuery(const ReadTarget& target, const PreparedRead& prepared,
                                           const v1::QueryRequest& request) {
  absl::StatusOr<ReadPlan> plan =
      PlanRead(target, prepared, request.index_name(), request.select(), request.consistent_read(),
               request.filter_expression(), request.projection_expression());
  if (!plan.ok()) return plan.status();
  // Parsed again here, against this call's context: the tree points into it.
  absl::StatusOr<Node> tree = ParseConditionExpression(request.key_condition_expression(),
                                                       plan->context, kKeyConditionExpression);
  if (!tree.ok()) return tree.status();
  absl::StatusOr<KeyCondition> key = AnalyzeKeyCondition(
      *tree, plan->keys, TypeOf(target, plan->keys.hash), TypeOf(target, plan->keys.range));
  if (!key.ok()) return key.status();
  if (plan->filter) {
    if (const std::string* k = FilteredKey(*plan->filter, plan->keys)) {
      return Invalid(absl::StrCat("Filter Expression can only contain non-primary key "
                                  "attributes: Primary key attribute: ",
                                  *k),
                     kFilterExpression);
    }
  }

  // The partition, in the read's order. The table and a local index read
  // one partition of `order`; a local index re-sorts that partition by its
  // own sort key. A global index is keyed by other attributes, so its
  // partition is gathered from the whole table and sorted: the simulator
  // keeps no ordered view per global index (every write would maintain one
  // per index) and its tables are small.
  std::vector<Candidate> candidates;
  const bool global = plan->index != nullptr && plan->index->global;
  const OrderedKeys::Set& entries = target.order->entries();
  auto add = [&](const OrderedKeys::Entry& e) {
    Candidate c;
    c.entry = &e;
    c.stored = target.find(e.key);
    const Item& item = *c.stored.item;
    if (plan->index != nullptr) {
      if (!InIndex(target, *plan, item) ||
          CompareValues(item.at(plan->keys.hash), *key->partition) != 0) {
        return;
      }
      if (!plan->keys.range.empty()) c.index_sort = &item.at(plan->keys.range);
    }
    if (key->sort != nullptr && !ConditionHolds(*key->sort, &item)) return;
    candidates.push_back(c);
  };
  if (global) {
    for (const OrderedKeys::Entry& e : entries) add(e);
  } else {
    OrderedKeys::Entry first;
    first.partition = *key->partition;
    for (auto it = entries.lower_bound(first);
         it != entries.end() && CompareValues(it->partition, *key->partition) == 0; ++it) {
      add(*it);
    }
  }
  if (plan->index != nullptr) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                       return CompareCandidate(a.index_sort, *a.entry, b.index_sort, *b.entry) < 0;
                     });
  }
  const bool forward = !request.has_scan_index_forward() || request.scan_index_forward();
  if (!forward) std::reverse(candidates.begin(), candidates.end());

  size_t next = 0;
  if (!prepared.exclusive_start_key.empty()) {
    absl::StatusOr<StartPosition> start = StartOf(target, *plan, prepared.exclusive_start_key);
    if (!start.ok()) return start.status();
    const Item& start_key = prepared.exclusive_start_key;
    if (CompareValues(start_key.at(plan->keys.hash), *key->partition) != 0 ||
        (key->sort != nullptr && !ConditionHolds(*key->sort, &start_key))) {
      return Invalid(
          "The provided starting key is outside query boundaries based on provided conditions",
          "ExclusiveStartKey");
    }
    const AttributeValue* start_sort =
        plan->index != nullptr && !plan->keys.range.empty() ? &start->index_sort : nullptr;
    // Candidates are in read order: skip those at or before the start key.
    auto it = std::partition_point(candidates.begin(), candidates.end(), [&](const Candidate& c) {
      const int cmp = CompareCandidate(c.index_sort, *c.entry, start_sort, start->entry);
      return forward ? cmp <= 0 : cmp >= 0;
    });
    next = static_cast<size_t>(it - candidates.begin());
  }
  Page page;
  const int64_t limit = request.has_limit() ? request.limit() : 0;
  absl::Status status = FillPage(
      target, *plan, limit,
      [&](Candidate* c) {
        if (next >= candidates.size()) return false;
        *c = candidates[next++];
        return true;
      },
      &page);
  if (!status.ok()) return status;
  v1::QueryResponse response;
  FillResponse(target, *plan, prepared, request.consistent_read(), std::move(page), &response);
  return response;
}

// ---- Scan ----------------------------------------------------------------------

absl::StatusOr<PreparedRead> PrepareScan(const v1::ScanRequest& request) {
  ParameterStyles styles;
  if (!request.scan_filter().empty()) {
    styles.legacy.push_back("ScanFilter");
    styles.instead.push_back(kFilterExpression);
  }
  absl::StatusOr<PreparedRead> prepared = PrepareCommon(request, std::move(styles), "Scan");
  if (!prepared.ok()) return prepared.status();
  if (request.has_total_segments() != request.has_segment()) {
    return Invalid(request.has_segment()
                       ? "The TotalSegments parameter is required but was not present in the "
                         "request when Segment parameter is present"
                       : "The Segment parameter is required but was not present in the request "
                         "when parameter TotalSegments is present",
                   request.has_segment() ? "TotalSegments" : "Segment");
  }
  if (request.has_total_segments()) {
    if (absl::Status s = Check().Range("TotalSegments", request.total_segments(), 1, 1000000);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = Check().Range("Segment", request.segment(), 0, 999999); !s.ok()) {
      return s;
    }
    if (request.segment() >= request.total_segments()) {
      return Invalid(absl::StrCat("The Segment parameter is zero-based and must be less than "
                                  "parameter TotalSegments: Segment: ",
                                  request.segment(),
                                  " is not less than TotalSegments: ", request.total_segments()),
                     "Segment");
    }
  }
  if (absl::Status s = ValidateExpressionUsage(
          {request.filter_expression(), request.projection_expression()}, prepared->context());
      !s.ok()) {
    return s;
  }
  return prepared;
}

absl::StatusOr<v1::ScanResponse> RunScan(const ReadTarget& target, const PreparedRead& prepared,
                                         const v1::ScanRequest& request) {
  absl::StatusOr<ReadPlan> plan =
      PlanRead(target, prepared, request.index_name(), request.select(), request.consistent_read(),
               request.filter_expression(), request.projection_expression());
  if (!plan.ok()) return plan.status();
  // A Scan walks the table in key order whatever it reads (DynamoDB leaves
  // Scan's order unspecified), so a page resumes from the table key of its
  // ExclusiveStartKey without sorting anything; an index contributes the
  // items that carry its keys.
  const OrderedKeys::Set& entries = target.order->entries();
  auto it = entries.begin();
  if (!prepared.exclusive_start_key.empty()) {
    absl::StatusOr<StartPosition> start = StartOf(target, *plan, prepared.exclusive_start_key);
    if (!start.ok()) return start.status();
    it = entries.upper_bound(start->entry);
  }
  const bool segmented = request.has_total_segments();
  Page page;
  const int64_t limit = request.has_limit() ? request.limit() : 0;
  absl::Status status = FillPage(
      target, *plan, limit,
      [&](Candidate* c) {
        for (; it != entries.end(); ++it) {
          if (segmented && PartitionHash(it->partition) % request.total_segments() !=
                               static_cast<uint64_t>(request.segment())) {
            continue;
          }
          const StoredItemRef stored = target.find(it->key);
          if (plan->index != nullptr && !InIndex(target, *plan, *stored.item)) continue;
          c->entry = &*it;
          c->stored = stored;
          ++it;
          return true;
        }
        return false;
      },
      &page);
  if (!status.ok()) return status;
  v1::ScanResponse response;
  FillResponse(target, *plan, prepared, request.consistent_read(), std::move(page), &response);
  return response;
}

}  // namespace awsfacade::backends::simulator
