// Fuzzes the simulator's DynamoDB expression language and item model
// (backends/simulator/dynamodb_expressions.h).
//
// Input: "<function>\n<text>", function one of
//   condition   ConditionExpression: EvaluateCondition on the fixed item and
//               on no item
//   update      UpdateExpression: ApplyUpdate on the fixed item
//   projection  ProjectionExpression: Project on the fixed item
//   usage       ValidateExpressionUsage of the text as the only expression
//   number      CanonicalNumber
//   value       an AttributeValue in AWS JSON ({"N":"1.50"}): validation,
//               number canonicalisation, equality and size
// (an unknown first line picks one by its hash). The expressions see the
// fixed ExpressionAttributeNames/Values and item of kContext below.
//
// Checked: no crash, hang or sanitizer report; errors are AWS errors;
// a condition is valid or not whatever the item; an update keeps the key and
// leaves only valid values; a projection only keeps existing attributes;
// CanonicalNumber and CanonicalizeNumbers are idempotent and keep the value.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aws/dynamodb/v1/attribute_value.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "backends/aws/json_codec.h"
#include "backends/common/aws_error.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace sim = awsfacade::backends::simulator;

// The names, values and item every expression runs against: one attribute
// of each type, nested documents, and a key attribute "pk".
constexpr char kContext[] = R"json({
  "TableName": "fuzz",
  "Item": {
    "pk": {"S": "id-1"},
    "a": {"S": "hello"},
    "num": {"N": "42"},
    "neg": {"N": "-0.5E-3"},
    "bin": {"B": "AAEC"},
    "flag": {"BOOL": true},
    "nil": {"NULL": true},
    "tags": {"SS": ["a", "c"]},
    "nums": {"NS": ["1", "3.5"]},
    "blobs": {"BS": ["AA==", "AQ=="]},
    "list": {"L": [{"N": "1"}, {"S": "two"}, {"M": {"x": {"N": "3"}}}]},
    "map": {"M": {"k": {"S": "v"}, "nested": {"M": {"deep": {"L": [{"S": "x"}]}}}}},
    "a.b": {"S": "dotted"}
  },
  "ExpressionAttributeNames": {
    "#pk": "pk", "#a": "a", "#n": "num", "#l": "list", "#m": "map", "#t": "tags",
    "#dot": "a.b", "#missing": "nope"
  },
  "ExpressionAttributeValues": {
    ":s": {"S": "x"}, ":hello": {"S": "hello"}, ":n": {"N": "5"}, ":zero": {"N": "0"},
    ":big": {"N": "9.9999999999999999999999999999999999999E+125"},
    ":l": {"L": [{"S": "a"}, {"N": "1"}]}, ":m": {"M": {"k": {"S": "v"}}},
    ":ss": {"SS": ["a", "b"]}, ":ns": {"NS": ["1", "2"]}, ":bs": {"BS": ["AQ=="]},
    ":b": {"B": "AQ=="}, ":t": {"BOOL": true}, ":null": {"NULL": true}
  }
})json";

const ::aws::dynamodb::v1::PutItemRequest& Context() {
  static const auto* request = [] {
    auto* r = new ::aws::dynamodb::v1::PutItemRequest;
    absl::Status s = awsfacade::backends::aws::AwsJsonToMessage(kContext, r);
    AWSFACADE_FUZZ_CHECK(s.ok(), s.ToString());
    return r;
  }();
  return *request;
}

bool IsAwsError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnimplemented ||
         awsfacade::backends::AwsErrorName(status).has_value();
}

void CheckError(const absl::Status& status) {
  AWSFACADE_FUZZ_CHECK(status.ok() || IsAwsError(status), status.ToString());
}

void CheckValidItem(const sim::Item& item) {
  for (const auto& [name, value] : item) {
    absl::Status s = sim::ValidateAttributeValue(value);
    AWSFACADE_FUZZ_CHECK(s.ok(), absl::StrCat(name, ": ", s.ToString(), " ", value.DebugString()));
  }
}

void Condition(absl::string_view text, const sim::ExpressionContext& ctx, const sim::Item& item) {
  // Validity is the expression's: the item only decides true or false.
  absl::Status on_item = sim::EvaluateCondition(text, ctx, &item);
  CheckError(on_item);
  absl::Status on_nothing = sim::EvaluateCondition(text, ctx, nullptr);
  CheckError(on_nothing);
  const auto invalid = [](const absl::Status& status) {
    return awsfacade::backends::AwsErrorName(status) == "ValidationException";
  };
  AWSFACADE_FUZZ_CHECK(invalid(on_item) == invalid(on_nothing),
                       absl::StrCat(on_item.ToString(), " vs ", on_nothing.ToString()));
}

void Update(absl::string_view text, const sim::ExpressionContext& ctx, const sim::Item& item) {
  absl::StatusOr<sim::Item> updated = sim::ApplyUpdate(text, ctx, {"pk"}, item);
  CheckError(updated.status());
  if (!updated.ok()) return;
  auto pk = updated->find("pk");
  AWSFACADE_FUZZ_CHECK(pk != updated->end() && sim::AttributeValuesEqual(pk->second, item.at("pk")),
                       "the key attribute changed");
  CheckValidItem(*updated);
  sim::ItemSizeBytes(*updated);
}

void Projection(absl::string_view text, const sim::ExpressionContext& ctx, const sim::Item& item) {
  absl::StatusOr<sim::Item> projected = sim::Project(text, ctx, item);
  CheckError(projected.status());
  if (!projected.ok()) return;
  for (const auto& [name, value] : *projected) {
    AWSFACADE_FUZZ_CHECK(item.contains(name), absl::StrCat("projected unknown attribute ", name));
  }
  CheckValidItem(*projected);
}

void Number(absl::string_view text) {
  absl::StatusOr<std::string> canonical = sim::CanonicalNumber(text);
  CheckError(canonical.status());
  if (!canonical.ok()) return;
  absl::StatusOr<std::string> again = sim::CanonicalNumber(*canonical);
  AWSFACADE_FUZZ_CHECK(again.ok() && *again == *canonical,
                       absl::StrCat(text, " -> ", *canonical, " -> ",
                                    again.ok() ? *again : again.status().ToString()));
  sim::AttributeValue a, b;
  a.set_n(std::string(text));
  b.set_n(*canonical);
  AWSFACADE_FUZZ_CHECK(sim::AttributeValuesEqual(a, b), absl::StrCat(text, " != ", *canonical));
}

void Value(absl::string_view json) {
  sim::AttributeValue value;
  if (!awsfacade::backends::aws::AwsJsonToMessage(json, &value).ok()) return;
  absl::Status valid = sim::ValidateAttributeValue(value);
  CheckError(valid);
  sim::AttributeValueSizeBytes(value);
  sim::AttributeValue canonical = value;
  absl::Status canonicalized = sim::CanonicalizeNumbers(&canonical);
  AWSFACADE_FUZZ_CHECK(canonicalized.ok() == valid.ok(),
                       absl::StrCat(valid.ToString(), " vs ", canonicalized.ToString()));
  if (!valid.ok()) return;
  AWSFACADE_FUZZ_CHECK(sim::ValidateAttributeValue(canonical).ok(), canonical.DebugString());
  AWSFACADE_FUZZ_CHECK(sim::AttributeValuesEqual(value, canonical), canonical.DebugString());
  sim::AttributeValue twice = canonical;
  AWSFACADE_FUZZ_CHECK(sim::CanonicalizeNumbers(&twice).ok() &&
                           google::protobuf::util::MessageDifferencer::Equals(twice, canonical),
                       twice.DebugString());
  sim::CompareScalarValues(value, canonical);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kFunctions = {"condition", "update", "projection",
                                                      "usage",     "number", "value"};
  const ::aws::dynamodb::v1::PutItemRequest& context = Context();
  sim::ExpressionContext ctx;
  ctx.names = &context.expression_attribute_names();
  ctx.values = &context.expression_attribute_values();
  const sim::Item& item = context.item();

  absl::string_view text = awsfacade::fuzz::AsView(data, size);
  switch (awsfacade::fuzz::Choose(awsfacade::fuzz::TakeLine(&text), kFunctions)) {
    case 0:
      Condition(text, ctx, item);
      break;
    case 1:
      Update(text, ctx, item);
      break;
    case 2:
      Projection(text, ctx, item);
      break;
    case 3:
      CheckError(sim::ValidateExpressionUsage({text}, ctx));
      break;
    case 4:
      Number(text);
      break;
    case 5:
      Value(text);
      break;
  }
  return 0;
}
