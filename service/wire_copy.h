#ifndef AWSFACADE_SERVICE_WIRE_COPY_H_
#define AWSFACADE_SERVICE_WIRE_COPY_H_

#include "google/protobuf/message.h"

namespace awsfacade::service {

// Copies a message into another type with the same fields (same numbers and
// types), such as PaginateListRecordsRequest → ListRecordsRequest. The
// proto pairs that rely on this are checked field by field in
// tests/service/wire_copy_test.cc.
template <typename To>
To WireCopy(const google::protobuf::Message& from) {
  To to;
  to.ParseFromString(from.SerializeAsString());
  return to;
}

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_WIRE_COPY_H_
