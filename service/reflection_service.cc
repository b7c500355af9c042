#include "service/reflection_service.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace awsfacade::service {

namespace pb = ::google::protobuf;

absl::StatusOr<std::unique_ptr<const DescriptorIndex>> DescriptorIndex::Create(
    absl::string_view serialized_set) {
  pb::FileDescriptorSet set;
  if (!set.ParseFromArray(serialized_set.data(), static_cast<int>(serialized_set.size()))) {
    return absl::InvalidArgumentError("the descriptor set does not parse");
  }
  std::unique_ptr<DescriptorIndex> index(new DescriptorIndex());
  for (const pb::FileDescriptorProto& file : set.file()) {
    if (index->pool_.BuildFile(file) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("the descriptor set's file ", file.name(), " does not build"));
    }
    index->serialized_[file.name()] = file.SerializeAsString();
  }
  return std::unique_ptr<const DescriptorIndex>(std::move(index));
}

void DescriptorIndex::AppendWithDependencies(const pb::FileDescriptor* file,
                                             absl::flat_hash_set<const pb::FileDescriptor*>* sent,
                                             std::vector<const std::string*>* out) const {
  // Depth first, each file after its imports (post-order); reversed at the
  // end. (Pre-order was not enough: with cognitosync.proto importing two
  // files that both import descriptor.proto, building pre-order from its end
  // met the second of them before descriptor.proto.)
  const size_t first = out->size();
  struct Walk {
    const DescriptorIndex& index;
    absl::flat_hash_set<const pb::FileDescriptor*>* sent;
    std::vector<const std::string*>* out;
    void Visit(const pb::FileDescriptor* f) {
      if (!sent->insert(f).second) return;
      for (int i = 0; i < f->dependency_count(); ++i) Visit(f->dependency(i));
      out->push_back(&index.serialized_.at(f->name()));
    }
  };
  Walk{*this, sent, out}.Visit(file);
  std::reverse(out->begin() + static_cast<std::ptrdiff_t>(first), out->end());
}

namespace {

// What every reflection call answers from.
struct ReflectionData {
  std::unique_ptr<const DescriptorIndex> index;
  std::vector<std::string> services;  // as list_services answers them
  int max_message_bytes;              // the server's send limit
};

// The two reflection packages generate distinct but identically shaped
// types; these templates answer both.

// A response to `request` that holds nothing else yet.
template <typename Request, typename Response>
void StartResponse(const Request& request, Response* response) {
  response->Clear();
  response->set_valid_host(request.host());
  *response->mutable_original_request() = request;
}

template <typename Response>
void SetError(grpc::StatusCode code, std::string message, Response* response) {
  response->mutable_error_response()->set_error_code(code);
  response->mutable_error_response()->set_error_message(std::move(message));
}

template <typename Request, typename Response>
void AnswerFromIndex(const ReflectionData& data, const Request& request, Response* response) {
  const pb::DescriptorPool& pool = data.index->pool();
  StartResponse(request, response);
  auto fail = [response](grpc::StatusCode code, std::string message) {
    SetError(code, std::move(message), response);
  };
  auto send_file = [&](const pb::FileDescriptor* file) {
    absl::flat_hash_set<const pb::FileDescriptor*> sent;
    std::vector<const std::string*> files;
    data.index->AppendWithDependencies(file, &sent, &files);
    auto* out = response->mutable_file_descriptor_response();
    for (const std::string* f : files) out->add_file_descriptor_proto(*f);
  };

  switch (request.message_request_case()) {
    case Request::kFileByFilename:
      if (const pb::FileDescriptor* file = pool.FindFileByName(request.file_by_filename())) {
        send_file(file);
      } else {
        fail(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("file_by_filename: no file named '", request.file_by_filename(), "'"));
      }
      return;
    case Request::kFileContainingSymbol:
      if (const pb::FileDescriptor* file =
              pool.FindFileContainingSymbol(request.file_containing_symbol())) {
        send_file(file);
      } else {
        fail(grpc::StatusCode::NOT_FOUND, absl::StrCat("file_containing_symbol: no symbol named '",
                                                       request.file_containing_symbol(), "'"));
      }
      return;
    case Request::kFileContainingExtension: {
      const auto& wanted = request.file_containing_extension();
      const pb::Descriptor* extended = pool.FindMessageTypeByName(wanted.containing_type());
      if (extended == nullptr) {
        fail(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("file_containing_extension: no message type named '",
                          wanted.containing_type(), "'"));
      } else if (const pb::FieldDescriptor* extension =
                     pool.FindExtensionByNumber(extended, wanted.extension_number())) {
        send_file(extension->file());
      } else {
        fail(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("file_containing_extension: ", wanted.containing_type(),
                          " has no extension number ", wanted.extension_number()));
      }
      return;
    }
    case Request::kAllExtensionNumbersOfType: {
      const pb::Descriptor* extended =
          pool.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (extended == nullptr) {
        fail(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("all_extension_numbers_of_type: no message type named '",
                          request.all_extension_numbers_of_type(), "'"));
        return;
      }
      auto* out = response->mutable_all_extension_numbers_response();
      out->set_base_type_name(extended->full_name());
      std::vector<const pb::FieldDescriptor*> extensions;
      pool.FindAllExtensions(extended, &extensions);
      for (const pb::FieldDescriptor* extension : extensions) {
        out->add_extension_number(extension->number());
      }
      return;
    }
    case Request::kListServices:
      for (const std::string& name : data.services) {
        response->mutable_list_services_response()->add_service()->set_name(name);
      }
      return;
    case Request::MESSAGE_REQUEST_NOT_SET:
      // Also what a request kind newer than this server looks like.
      fail(grpc::StatusCode::UNIMPLEMENTED,
           "ServerReflectionRequest: set one of file_by_filename, file_containing_symbol, "
           "file_containing_extension, all_extension_numbers_of_type, list_services");
      return;
  }
}

// The answer, unless it would be larger than the server may send (the
// write would fail and end the stream): then an error_response saying so.
template <typename Request, typename Response>
void Answer(const ReflectionData& data, const Request& request, Response* response) {
  AnswerFromIndex(data, request, response);
  const size_t size = response->ByteSizeLong();
  if (size <= static_cast<size_t>(data.max_message_bytes)) return;
  StartResponse(request, response);
  SetError(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      absl::StrCat("the answer takes ", size, " bytes, more than the server's largest message (",
                   data.max_message_bytes, " bytes, --max_message_bytes)"),
      response);
}

// One response per request, in order: a read, then its answer's write,
// then the next read. The client's half-close ends the call with OK.
template <typename Request, typename Response>
class ReflectionStream final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit ReflectionStream(std::shared_ptr<const ReflectionData> data) : data_(std::move(data)) {
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status::OK);
      return;
    }
    Answer(*data_, request_, &response_);
    this->StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(
          grpc::Status(grpc::StatusCode::CANCELLED, "the reflection stream was cancelled"));
      return;
    }
    this->StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const std::shared_ptr<const ReflectionData> data_;
  Request request_;
  Response response_;
};

// The service of one reflection package: a ReflectionStream per call.
template <typename Base, typename Request, typename Response>
class ReflectionHandler final : public Base {
 public:
  explicit ReflectionHandler(std::shared_ptr<const ReflectionData> data) : data_(std::move(data)) {}

  grpc::ServerBidiReactor<Request, Response>* ServerReflectionInfo(
      grpc::CallbackServerContext* /*context*/) override {
    return new ReflectionStream<Request, Response>(data_);
  }

 private:
  const std::shared_ptr<const ReflectionData> data_;
};

using V1Handler = ReflectionHandler<grpc::reflection::v1::ServerReflection::CallbackService,
                                    grpc::reflection::v1::ServerReflectionRequest,
                                    grpc::reflection::v1::ServerReflectionResponse>;
using V1AlphaHandler =
    ReflectionHandler<grpc::reflection::v1alpha::ServerReflection::CallbackService,
                      grpc::reflection::v1alpha::ServerReflectionRequest,
                      grpc::reflection::v1alpha::ServerReflectionResponse>;

}  // namespace

absl::StatusOr<std::unique_ptr<ReflectionService>> ReflectionService::Create(
    absl::string_view descriptor_set, std::vector<std::string> services, int max_message_bytes) {
  absl::StatusOr<std::unique_ptr<const DescriptorIndex>> index =
      DescriptorIndex::Create(descriptor_set);
  if (!index.ok()) return index.status();
  services.push_back(grpc::reflection::v1::ServerReflection::service_full_name());
  services.push_back(grpc::reflection::v1alpha::ServerReflection::service_full_name());
  for (const std::string& name : services) {
    if ((*index)->pool().FindServiceByName(name) == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("reflection cannot describe the service ", name,
                       ": its proto is not in the descriptor set (proto/CMakeLists.txt)"));
    }
  }
  auto data = std::make_shared<const ReflectionData>(
      ReflectionData{*std::move(index), std::move(services), max_message_bytes});
  std::unique_ptr<ReflectionService> reflection(new ReflectionService());
  reflection->v1_ = std::make_unique<V1Handler>(data);
  reflection->v1alpha_ = std::make_unique<V1AlphaHandler>(data);
  return reflection;
}

std::vector<grpc::Service*> ReflectionService::services() { return {v1_.get(), v1alpha_.get()}; }

}  // namespace awsfacade::service
