#ifndef AWSFACADE_SERVICE_REFLECTION_SERVICE_H_
#define AWSFACADE_SERVICE_REFLECTION_SERVICE_H_

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"

namespace awsfacade::service {

// The files of a FileDescriptorSet, kept as they came (source info, i.e. the
// comments, included) and indexed by name and by the symbols they declare.
class DescriptorIndex {
 public:
  // InvalidArgument unless `serialized_set` is a FileDescriptorSet whose
  // files all build, each after its dependencies (protoc --include_imports
  // writes them in that order).
  static absl::StatusOr<std::unique_ptr<const DescriptorIndex>> Create(
      absl::string_view serialized_set);

  // Files, symbols (package, service, method, message, field, enum, enum
  // value, extension) and extensions, by full name.
  const google::protobuf::DescriptorPool& pool() const { return pool_; }

  // Appends `file` and each of its dependencies not yet in `sent`, as
  // serialized FileDescriptorProtos with their source info, `file` first
  // and every file before all of the files it imports (reverse post-order),
  // so a client that builds the answer from its end always has a file's
  // imports built first, however the imports share dependencies. Each file
  // appended is added to `sent`.
  void AppendWithDependencies(const google::protobuf::FileDescriptor* file,
                              absl::flat_hash_set<const google::protobuf::FileDescriptor*>* sent,
                              std::vector<const std::string*>* out) const;

 private:
  DescriptorIndex() = default;

  google::protobuf::DescriptorPool pool_;
  absl::flat_hash_map<std::string, std::string> serialized_;  // file name -> FileDescriptorProto
};

// Server reflection: grpc.reflection.v1 and grpc.reflection.v1alpha (the same
// protocol under two names; grpcurl and buf curl ask for v1 first, older
// clients know only v1alpha), answered from an index of the descriptors with
// their comments, so `grpcurl describe` shows the field reference (AWS
// member, limits, allowed values). gRPC's own reflection plugin serves the
// compiled-in descriptors, which have no comments.
//
// Each request on the stream gets one response, in order. A file answer
// holds the file and its dependencies not already in that answer. Unknown
// files, symbols, types and extensions are answered with an error_response
// (NOT_FOUND); the stream stays open.
class ReflectionService {
 public:
  // `services`: the full names list_services answers (the reflection
  // services are added). An answer larger than `max_message_bytes` (the
  // server's send limit) is replaced by a RESOURCE_EXHAUSTED error_response.
  // InvalidArgument for a bad descriptor set, NotFound when a listed service
  // is not described by it.
  static absl::StatusOr<std::unique_ptr<ReflectionService>> Create(
      absl::string_view descriptor_set, std::vector<std::string> services,
      int max_message_bytes = std::numeric_limits<int>::max());

  // Both services, to register with the server.
  std::vector<grpc::Service*> services();

 private:
  ReflectionService() = default;

  std::unique_ptr<grpc::Service> v1_;
  std::unique_ptr<grpc::Service> v1alpha_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_REFLECTION_SERVICE_H_
