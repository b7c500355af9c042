#include "service/caller_identity.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
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

namespace {

// The in-process key of SetOnBehalfOf: 32 random bytes, hex, made once.
const std::string& OnBehalfOfKey() {
  static const std::string* const kKey = [] {
    std::string bytes(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size())) != 1) {
      std::abort();  // no randomness: nothing about the process can be trusted
    }
    return new std::string(absl::BytesToHexString(bytes));
  }();
  return *kKey;
}

absl::string_view View(const grpc::string_ref& s) { return absl::string_view(s.data(), s.size()); }

// The identity an in-process caller named, when it proved to be one.
std::optional<std::string> OnBehalfOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto identity = metadata.find(kOnBehalfOfMetadata);
  auto key = metadata.find(kOnBehalfOfKeyMetadata);
  if (identity == metadata.end() || key == metadata.end()) return std::nullopt;
  const std::string& expected = OnBehalfOfKey();
  if (key->second.size() != expected.size() ||
      CRYPTO_memcmp(key->second.data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  return std::string(View(identity->second));
}

}  // namespace

void SetOnBehalfOf(grpc::ClientContext& context, const std::string& identity) {
  context.AddMetadata(kOnBehalfOfMetadata, identity);
  context.AddMetadata(kOnBehalfOfKeyMetadata, OnBehalfOfKey());
}

std::string CallerIdentity(const grpc::ServerContextBase& context) {
  if (std::optional<std::string> identity = OnBehalfOf(context)) return *std::move(identity);
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
      const std::vector<grpc::string_ref> values = auth->FindPropertyValues(property);
      if (!values.empty()) return absl::StrCat("x509:", View(values[0]));
    }
  }
  return PeerHost(context.peer());
}

}  // namespace awsfacade::service
