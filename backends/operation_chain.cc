#include "backends/operation_chain.h"

#include "google/protobuf/descriptor.pb.h"

namespace awsfacade::backends {

namespace pb = ::google::protobuf;

bool IsReadOnly(const pb::MethodDescriptor& method) {
  return method.options().idempotency_level() == pb::MethodOptions::NO_SIDE_EFFECTS;
}

absl::string_view ServiceKey(const pb::MethodDescriptor& method) {
  absl::string_view package = method.service()->file()->package();
  const size_t first = package.find('.');
  if (first == absl::string_view::npos) return package;
  package.remove_prefix(first + 1);
  return package.substr(0, package.find('.'));
}

const pb::MethodDescriptor* MethodFor(const pb::Descriptor& request_type) {
  const pb::FileDescriptor& file = *request_type.file();
  for (int s = 0; s < file.service_count(); ++s) {
    const pb::ServiceDescriptor& service = *file.service(s);
    for (int m = 0; m < service.method_count(); ++m) {
      const pb::MethodDescriptor* method = service.method(m);
      if (method->input_type() == &request_type && !method->client_streaming() &&
          !method->server_streaming()) {
        return method;
      }
    }
  }
  return nullptr;
}

absl::Status NotImplementedByBackend(absl::string_view operation) {
  return absl::UnimplementedError(absl::StrCat(kNotImplementedByBackend, " ", operation));
}

}  // namespace awsfacade::backends
