#ifndef AWSFACADE_SERVICE_DESCRIPTOR_SET_H_
#define AWSFACADE_SERVICE_DESCRIPTOR_SET_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace awsfacade::service {

// Defined in the source proto/CMakeLists.txt generates with
// awsfacade_descriptor_set (cmake/ProtoGen.cmake).
extern const unsigned char kDescriptorSet[];
extern const std::size_t kDescriptorSetSize;

// A serialized google.protobuf.FileDescriptorSet of every proto the server
// speaks (the AWS services, the simulator and bench services, health,
// reflection, google.rpc) with their imports, dependencies first, and with
// source info: the comments that are the field reference. The generated C++
// code carries the same descriptors without the comments.
inline absl::string_view EmbeddedDescriptorSet() {
  return absl::string_view(reinterpret_cast<const char*>(kDescriptorSet), kDescriptorSetSize);
}

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_DESCRIPTOR_SET_H_
