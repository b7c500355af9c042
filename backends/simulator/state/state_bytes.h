#ifndef AWSFACADE_BACKENDS_SIMULATOR_STATE_STATE_BYTES_H_
#define AWSFACADE_BACKENDS_SIMULATOR_STATE_STATE_BYTES_H_

#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message_lite.h"

namespace awsfacade::backends::simulator {

// A state message's bytes, with proto maps (items, images) in key order, so
// equal states give equal bytes: snapshots of the same state are the same
// file, and tests compare saves byte for byte.
inline std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_STATE_STATE_BYTES_H_
