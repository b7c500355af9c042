#include "service/caller_identity.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace awsfacade::service {

std::string PeerHost(const std::string& peer) {
  const absl::string_view p(peer);
  if (!absl::StartsWith(p, "ipv4:") && !absl::StartsWith(p, "ipv6:")) return peer;
  const size_t colon = p.rfind(':');
  if (colon <= 4) return peer;
  return std::string(p.substr(0, colon));
}

std::string CallerIdentity(const grpc::ServerContextBase& context) {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
      const std::vector<grpc::string_ref> values = auth->FindPropertyValues(property);
      if (!values.empty())
        return absl::StrCat("x509:", absl::string_view(values[0].data(), values[0].size()));
    }
  }
  return PeerHost(context.peer());
}

}  // namespace awsfacade::service
