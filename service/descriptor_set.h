#ifndef AWSFACADE_SERVICE_DESCRIPTOR_SET_H_
#define AWSFACADE_SERVICE_DESCRIPTOR_SET_H_

#include "absl/strings/string_view.h"

namespace awsfacade::service {

// A serialized google.protobuf.FileDescriptorSet of every proto the server
// speaks (the AWS services, the simulator and bench services, health,
// reflection, google.rpc) with their imports, dependencies first, and with
// source info: the comments that are the field reference. Built from proto/
// and embedded at build time (proto/CMakeLists.txt); the generated C++ code
// carries the same descriptors without the comments.
absl::string_view EmbeddedDescriptorSet();

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_DESCRIPTOR_SET_H_
