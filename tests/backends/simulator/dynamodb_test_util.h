#ifndef AWSFACADE_TESTS_BACKENDS_SIMULATOR_DYNAMODB_TEST_UTIL_H_
#define AWSFACADE_TESTS_BACKENDS_SIMULATOR_DYNAMODB_TEST_UTIL_H_

// Helpers shared by the tests that drive the DynamoDB simulator, its stream
// store and its expressions: attribute values, and the CreateTable request
// for a test table keyed by "pk".

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"

namespace awsfacade::backends::simulator::dynamodb_test {

// {"S": s}.
inline ::aws::dynamodb::v1::AttributeValue S(absl::string_view s) {
  ::aws::dynamodb::v1::AttributeValue v;
  v.set_s(std::string(s));
  return v;
}

// {"N": n}, the number as written (not checked: tests give invalid ones too).
inline ::aws::dynamodb::v1::AttributeValue N(absl::string_view n) {
  ::aws::dynamodb::v1::AttributeValue v;
  v.set_n(std::string(n));
  return v;
}

// {"N": n} in decimal.
inline ::aws::dynamodb::v1::AttributeValue N(int64_t n) { return N(absl::StrCat(n)); }

// Table `name`, on demand (PAY_PER_REQUEST), keyed by "pk" (S, HASH), with a
// stream of `view_type` ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
// "NEW_AND_OLD_IMAGES"), or none when `view_type` is empty.
inline ::aws::dynamodb::v1::CreateTableRequest TableRequest(absl::string_view name,
                                                            absl::string_view view_type = "") {
  ::aws::dynamodb::v1::CreateTableRequest request;
  request.set_table_name(std::string(name));
  ::aws::dynamodb::v1::AttributeDefinition* a = request.add_attribute_definitions();
  a->set_attribute_name("pk");
  a->set_attribute_type("S");
  ::aws::dynamodb::v1::KeySchemaElement* k = request.add_key_schema();
  k->set_attribute_name("pk");
  k->set_key_type("HASH");
  request.set_billing_mode("PAY_PER_REQUEST");
  if (!view_type.empty()) {
    request.mutable_stream_specification()->set_stream_enabled(true);
    request.mutable_stream_specification()->set_stream_view_type(std::string(view_type));
  }
  return request;
}

}  // namespace awsfacade::backends::simulator::dynamodb_test

#endif  // AWSFACADE_TESTS_BACKENDS_SIMULATOR_DYNAMODB_TEST_UTIL_H_
