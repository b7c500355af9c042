#include "service/request_parsing.h"

#include <cstdint>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpc/byte_buffer.h"
#include "grpc/grpc.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "service/reactors.h"
#include "service/status_conversion.h"

// Why a handler wrapper, and not something smaller: in gRPC 1.51 a callback
// handler (CallbackUnaryHandler, CallbackServerStreamingHandler) parses the
// request in Deserialize through SerializationTraits, with protobuf's default
// recursion limit (100), and when that fails RunHandler ignores the status it
// was given and finishes the call UNIMPLEMENTED with an empty message. A
// SerializationTraits specialization can change how bytes are parsed, but
// never what the client is told, and it would have to be repeated per
// message type. So each method's handler is wrapped: the wrapper parses the
// bytes itself and, when they cannot be parsed, hands the call to a handler
// of its own whose only reaction is to finish with the reason.

namespace awsfacade::service {
namespace {

// A request that could not be parsed: the handler of this type finishes the
// call with `status`.
struct Unparsed {
  grpc::Status status;
};

}  // namespace
}  // namespace awsfacade::service

namespace grpc {
// Unparsed never travels: its bytes were already refused, and the call ends
// with an error, so nothing is ever written.
template <>
class SerializationTraits<awsfacade::service::Unparsed, void> {
 public:
  static Status Serialize(const awsfacade::service::Unparsed& /*msg*/, ByteBuffer* /*bb*/,
                          bool* own_buffer) {
    *own_buffer = true;  // gRPC reads it whatever the status
    return Status(StatusCode::INTERNAL, "an unparsed request has no reply");
  }
  static Status Deserialize(ByteBuffer* buffer, awsfacade::service::Unparsed* /*msg*/) {
    buffer->Clear();
    return Status::OK;
  }
};
}  // namespace grpc

namespace awsfacade::service {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;
using ::google::protobuf::internal::WireFormatLite;
using ::grpc::internal::MethodHandler;
using ::grpc::internal::RpcMethod;

using backends::aws_errors::kSerialization;

// RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinForLength[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// Why bytes do not parse as a message: the first thing protobuf's parser
// refuses, found by walking the wire format along the descriptors. Runs only
// after the parser said no, so its cost does not matter; it recurses no
// deeper than the parser may.
class Diagnosis {
 public:
  explicit Diagnosis(int max_nesting) : max_nesting_(max_nesting) {}

  // The reason, or empty when the walk finds nothing wrong.
  std::string Of(absl::string_view bytes, const Descriptor& type) {
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    in.SetRecursionLimit(max_nesting_);
    in.PushLimit(static_cast<int>(bytes.size()));
    Walk(in, type, 0);
    return problem_;
  }

 private:
  bool Fail(absl::string_view what) {
    problem_ = std::string(what);
    if (path_.empty()) return false;
    // A path hundreds of levels long is cut in the middle.
    constexpr size_t kHead = 6;
    constexpr size_t kTail = 3;
    std::string path;
    if (path_.size() <= kHead + kTail) {
      path = absl::StrJoin(path_, ".");
    } else {
      path = absl::StrCat(absl::StrJoin(path_.begin(), path_.begin() + kHead, "."), ". ... .",
                          absl::StrJoin(path_.end() - kTail, path_.end(), "."));
    }
    absl::StrAppend(&problem_, " (at ", path, ")");
    return false;
  }

  bool Walk(google::protobuf::io::CodedInputStream& in, const Descriptor& type, int depth) {
    while (in.BytesUntilLimit() > 0) {
      const uint32_t tag = in.ReadTag();
      if (tag == 0) return Fail("malformed field tag");
      const FieldDescriptor* field = type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
      path_.push_back(field != nullptr ? field->json_name()
                                       : absl::StrCat(WireFormatLite::GetTagFieldNumber(tag)));
      uint64_t u64 = 0;
      uint32_t u32 = 0;
      switch (WireFormatLite::GetTagWireType(tag)) {
        case WireFormatLite::WIRETYPE_VARINT:
          if (!in.ReadVarint64(&u64)) return Fail("truncated varint");
          break;
        case WireFormatLite::WIRETYPE_FIXED64:
          if (!in.ReadLittleEndian64(&u64)) return Fail("truncated 64-bit value");
          break;
        case WireFormatLite::WIRETYPE_FIXED32:
          if (!in.ReadLittleEndian32(&u32)) return Fail("truncated 32-bit value");
          break;
        case WireFormatLite::WIRETYPE_LENGTH_DELIMITED:
          if (!LengthDelimited(in, field, depth)) return false;
          break;
        case WireFormatLite::WIRETYPE_START_GROUP:
          if (!WireFormatLite::SkipField(&in, tag)) return Fail("malformed group");
          break;
        default:
          return Fail(absl::StrCat("invalid wire type ", WireFormatLite::GetTagWireType(tag)));
      }
      path_.pop_back();
    }
    return true;
  }

  bool LengthDelimited(google::protobuf::io::CodedInputStream& in, const FieldDescriptor* field,
                       int depth) {
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return Fail("malformed length");
    if (length > static_cast<uint32_t>(in.BytesUntilLimit())) {
      return Fail(absl::StrCat("a length of ", length, " bytes runs past the end of its message (",
                               in.BytesUntilLimit(), " bytes left)"));
    }
    if (field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (depth + 1 > max_nesting_) {
        return Fail(absl::StrCat("messages nested more than ", max_nesting_, " levels deep"));
      }
      const auto limit = in.PushLimit(static_cast<int>(length));
      if (!Walk(in, *field->message_type(), depth + 1)) return false;
      in.PopLimit(limit);
      return true;
    }
    if (field != nullptr && field->type() == FieldDescriptor::TYPE_STRING &&
        field->file()->syntax() == FileDescriptor::SYNTAX_PROTO3) {
      std::string value;
      in.ReadString(&value, static_cast<int>(length));
      if (!IsValidUtf8(value)) {
        return Fail(absl::StrCat("invalid UTF-8 in string field ", field->full_name()));
      }
      return true;
    }
    in.Skip(static_cast<int>(length));
    return true;
  }

  const int max_nesting_;
  std::vector<std::string> path_;
  std::string problem_;
};

}  // namespace

absl::Status ParseRequest(grpc::ByteBuffer& buffer, Message& message) {
  const std::string& type = message.GetDescriptor()->full_name();
  bool parsed = false;
  {
    grpc::ProtoBufferReader reader(&buffer);
    if (reader.status().ok()) {
      google::protobuf::io::CodedInputStream input(&reader);
      input.SetRecursionLimit(kMaxRequestNesting);
      parsed = message.MergePartialFromCodedStream(&input) && input.ConsumedEntireMessage();
    }
  }
  if (parsed) return absl::OkStatus();
  grpc::Slice flat;
  std::string why;
  if (buffer.DumpToSingleSlice(&flat).ok()) {
    why = Diagnosis(kMaxRequestNesting)
              .Of(absl::string_view(reinterpret_cast<const char*>(flat.begin()), flat.size()),
                  *message.GetDescriptor());
  }
  if (why.empty()) why = "the bytes are not a serialized message of that type";
  return backends::AwsError(kSerialization,
                            absl::StrCat("request could not be parsed as ", type, ": ", why));
}

namespace {

// The call's own record of which handler serves it, on the call's arena
// (freed with the call; trivially destructible, so no destructor is owed).
struct CallState {
  MethodHandler* handler;
  void* handler_data;
};

// Serves one method: parses the request itself, then hands the call to the
// generated handler (parsed) or to `unparsed` (not).
class StrictHandler final : public MethodHandler {
 public:
  StrictHandler(MethodHandler* generated, std::unique_ptr<MethodHandler> unparsed,
                std::string domain)
      : generated_(generated), unparsed_(std::move(unparsed)), domain_(std::move(domain)) {}

  void* Deserialize(grpc_call* call, grpc_byte_buffer* req, grpc::Status* status,
                    void** handler_data) override {
    auto* state = new (grpc_call_arena_alloc(call, sizeof(CallState))) CallState{nullptr, nullptr};
    *handler_data = state;
    // The generated handler allocates the request (and, for unary methods,
    // the response) from empty bytes; the real ones are parsed below.
    void* request = generated_->Deserialize(call, grpc_raw_byte_buffer_create(nullptr, 0), status,
                                            &state->handler_data);
    grpc::ByteBuffer bytes;
    if (req != nullptr) {
      grpc_byte_buffer_reader reader;
      if (grpc_byte_buffer_reader_init(&reader, req)) {
        std::vector<grpc::Slice> slices;
        grpc_slice slice;
        while (grpc_byte_buffer_reader_next(&reader, &slice) != 0) {
          slices.emplace_back(slice, grpc::Slice::STEAL_REF);
        }
        grpc_byte_buffer_reader_destroy(&reader);
        bytes = grpc::ByteBuffer(slices.data(), slices.size());
      }
      grpc_byte_buffer_destroy(req);
    }
    if (request == nullptr) return nullptr;  // status says why
    // Every wrapped handler was made by grpc_cpp_plugin for a protobuf
    // request type, which derives from Message alone: the request is one.
    auto* message = static_cast<Message*>(request);
    absl::Status parsed =
        req == nullptr ? backends::AwsError(kSerialization, "the call carried no request message")
                       : ParseRequest(bytes, *message);
    if (parsed.ok()) {
      state->handler = generated_;
      return request;
    }
    // What was parsed leaves with `discard`: the generated handler never
    // runs for this call, so nothing else would free it.
    std::unique_ptr<Message> discard(message->New());
    message->GetReflection()->Swap(message, discard.get());
    state->handler = unparsed_.get();
    void* refused = unparsed_->Deserialize(call, nullptr, status, &state->handler_data);
    static_cast<Unparsed*>(refused)->status = ToGrpcStatus(parsed, domain_);
    return refused;
  }

  void RunHandler(const HandlerParameter& param) override {
    const auto* state = static_cast<const CallState*>(param.internal_data);
    MethodHandler* handler =
        state != nullptr && state->handler != nullptr ? state->handler : generated_;
    handler->RunHandler(
        HandlerParameter(param.call, param.server_context, param.request, param.status,
                         state != nullptr ? state->handler_data : nullptr, param.call_requester));
  }

 private:
  MethodHandler* generated_;  // owned by the wrapped service
  std::unique_ptr<MethodHandler> unparsed_;
  std::string domain_;
};

// A method served as generated (client or bidirectional streams read their
// messages later, through the reactor).
class ForwardingHandler final : public MethodHandler {
 public:
  explicit ForwardingHandler(MethodHandler* generated) : generated_(generated) {}
  void* Deserialize(grpc_call* call, grpc_byte_buffer* req, grpc::Status* status,
                    void** handler_data) override {
    return generated_->Deserialize(call, req, status, handler_data);
  }
  void RunHandler(const HandlerParameter& param) override { generated_->RunHandler(param); }

 private:
  MethodHandler* generated_;
};

// grpc::Service::GetHandler is protected; named through a class derived from
// grpc::Service, the member pointer applies to any service.
struct HandlerAccess : grpc::Service {
  static MethodHandler* Get(grpc::Service& service, int index) {
    return (service.*&HandlerAccess::GetHandler)(index);
  }
};

class StrictService final : public grpc::Service {
 public:
  StrictService(std::unique_ptr<grpc::Service> inner, const ServiceDescriptor& descriptor)
      : inner_(std::move(inner)) {
    names_.reserve(descriptor.method_count());  // c_str() pointers stay valid
    for (int i = 0; i < descriptor.method_count(); ++i) {
      const MethodDescriptor& method = *descriptor.method(i);
      names_.push_back(absl::StrCat("/", descriptor.full_name(), "/", method.name()));
      AddMethod(
          new grpc::internal::RpcServiceMethod(names_.back().c_str(), TypeOf(method), nullptr));
      MethodHandler* generated = HandlerAccess::Get(*inner_, i);
      if (IsRaw(generated)) {
        MarkMethodRawCallback(i, new ForwardingHandler(generated));
      } else {
        MarkMethodCallback(i, HandlerFor(method, generated, descriptor.full_name()));
      }
    }
  }

 private:
  static RpcMethod::RpcType TypeOf(const MethodDescriptor& method) {
    if (method.client_streaming()) {
      return method.server_streaming() ? RpcMethod::BIDI_STREAMING : RpcMethod::CLIENT_STREAMING;
    }
    return method.server_streaming() ? RpcMethod::SERVER_STREAMING : RpcMethod::NORMAL_RPC;
  }

  // Raw methods take their request as bytes and parse it themselves
  // (ParseRequest): served as they are.
  static bool IsRaw(MethodHandler* generated) {
    using grpc::ByteBuffer;
    return dynamic_cast<grpc::internal::CallbackServerStreamingHandler<ByteBuffer, ByteBuffer>*>(
               generated) != nullptr ||
           dynamic_cast<grpc::internal::CallbackUnaryHandler<ByteBuffer, ByteBuffer>*>(generated) !=
               nullptr;
  }

  static MethodHandler* HandlerFor(const MethodDescriptor& method, MethodHandler* generated,
                                   const std::string& domain) {
    if (method.client_streaming()) return new ForwardingHandler(generated);
    std::unique_ptr<MethodHandler> unparsed;
    if (method.server_streaming()) {
      unparsed =
          std::make_unique<grpc::internal::CallbackServerStreamingHandler<Unparsed, Unparsed>>(
              [](grpc::CallbackServerContext* /*context*/, const Unparsed* request) {
                return new RefusedStream<Unparsed>(request->status);
              });
    } else {
      unparsed = std::make_unique<grpc::internal::CallbackUnaryHandler<Unparsed, Unparsed>>(
          [](grpc::CallbackServerContext* context, const Unparsed* request,
             Unparsed* /*response*/) {
            grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
            reactor->Finish(request->status);
            return reactor;
          });
    }
    return new StrictHandler(generated, std::move(unparsed), domain);
  }

  std::unique_ptr<grpc::Service> inner_;
  std::vector<std::string> names_;
};

bool AllCallback(const grpc::Service& service) {
  return service.has_callback_methods() && !service.has_synchronous_methods() &&
         !service.has_async_methods() && !service.has_generic_methods();
}

}  // namespace

std::unique_ptr<grpc::Service> WithStrictParsing(std::unique_ptr<grpc::Service> service,
                                                 absl::string_view service_name) {
  const ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_name));
  if (descriptor == nullptr || !AllCallback(*service)) return service;
  return std::make_unique<StrictService>(std::move(service), *descriptor);
}

}  // namespace awsfacade::service
