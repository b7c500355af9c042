#include "backends/aws/credentials.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "backends/aws/retry.h"
#include "backends/common/redaction.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace awsfacade::backends::aws {
namespace {

constexpr absl::string_view kDefaultContainerEndpoint = "http://169.254.170.2";
constexpr absl::string_view kDefaultImdsEndpoint = "http://169.254.169.254";
constexpr absl::string_view kDefaultImdsEndpointIpv6 = "http://[fd00:ec2::254]";
constexpr absl::string_view kImdsTokenPath = "/latest/api/token";
constexpr absl::string_view kImdsCredentialsPath = "/latest/meta-data/iam/security-credentials/";
constexpr absl::string_view kImdsTokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
constexpr absl::string_view kImdsTokenHeader = "X-aws-ec2-metadata-token";
constexpr absl::string_view kImdsTokenTtlSeconds = "21600";
constexpr absl::string_view kStsVersion = "2011-06-15";
// Remote error text quoted in a message is cut to this many bytes.
constexpr size_t kMaxQuotedRemoteText = 200;

bool IsTrue(const std::optional<std::string>& value) {
  return value.has_value() && absl::AsciiStrToLower(absl::StripAsciiWhitespace(*value)) == "true";
}

void DefaultSleep(absl::Duration d) { absl::SleepFor(d); }

std::function<void(absl::Duration)> SleepOf(const CredentialsOptions& options) {
  if (options.sleep) return options.sleep;
  return &DefaultSleep;
}

// Text a remote party sent (an STS error message), made fit for a status
// message: secrets we hold and credential-looking values redacted
// (backends/common/redaction.h), non-printable bytes dropped, length cut.
std::string SafeRemoteText(absl::string_view text, const std::vector<std::string>& secrets) {
  // Drop non-printable bytes first, then redact, then cut: in any other
  // order a secret split by control bytes or by the cut could survive.
  std::string clean;
  for (char c : text) {
    if (absl::ascii_isprint(static_cast<unsigned char>(c))) clean.push_back(c);
  }
  clean = RedactCredentials(clean, secrets);
  if (clean.size() > kMaxQuotedRemoteText) {
    clean.resize(kMaxQuotedRemoteText);
    clean += "...";
  }
  return clean;
}

// Reads a whole file. NotFound when it does not exist; PermissionDenied or
// Internal when it exists but cannot be read. Messages name the path only.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("no file ", path));
    }
    return absl::InternalError(absl::StrCat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(absl::StrCat("cannot read ", path));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat("error reading ", path));
  return contents.str();
}

std::string ExpandHome(const AwsEnvironment& env, absl::string_view path) {
  if (path == "~" || absl::StartsWith(path, "~/")) {
    if (auto home = env.Get("HOME")) return absl::StrCat(*home, path.substr(1));
  }
  return std::string(path);
}

absl::StatusOr<absl::Time> ParseExpiration(absl::string_view text, absl::string_view what) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, absl::StripAsciiWhitespace(text), &time, &error)) {
    return absl::InternalError(absl::StrCat(what, ": Expiration is not an RFC 3339 time"));
  }
  return time;
}

// Credentials from a container / IMDS JSON document. Names the missing
// field, never a value.
absl::StatusOr<TimedCredentials> ParseCredentialsJson(absl::string_view body,
                                                      absl::string_view what,
                                                      bool require_token_and_expiration) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InternalError(absl::StrCat(what, ": response is not a JSON object"));
  }
  auto field = [&json](const char* name) -> std::optional<std::string> {
    auto it = json.find(name);
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  TimedCredentials out;
  std::vector<std::string> missing;
  std::optional<std::string> key_id = field("AccessKeyId");
  std::optional<std::string> secret = field("SecretAccessKey");
  std::optional<std::string> token = field("Token");
  std::optional<std::string> expiration = field("Expiration");
  if (!key_id || key_id->empty()) missing.push_back("AccessKeyId");
  if (!secret || secret->empty()) missing.push_back("SecretAccessKey");
  if (require_token_and_expiration) {
    if (!token || token->empty()) missing.push_back("Token");
    if (!expiration) missing.push_back("Expiration");
  }
  if (!missing.empty()) {
    std::string message = absl::StrCat(what, ": response lacks ", absl::StrJoin(missing, ", "));
    // IMDS answers 200 with {"Code": ..., "Message": ...} when, e.g., EC2 is
    // not a trusted entity of the role. Those two fields hold no secret.
    std::optional<std::string> code = field("Code");
    if (code.has_value() && *code != "Success") {
      absl::StrAppend(&message, " (Code ", SafeRemoteText(*code, {}));
      if (auto text = field("Message")) absl::StrAppend(&message, ": ", SafeRemoteText(*text, {}));
      absl::StrAppend(&message, ")");
    }
    return absl::InternalError(message);
  }
  out.credentials.access_key_id = *key_id;
  out.credentials.secret_access_key = *secret;
  if (token) out.credentials.session_token = *token;
  if (expiration) {
    absl::StatusOr<absl::Time> when = ParseExpiration(*expiration, what);
    if (!when.ok()) return when.status();
    out.expiration = *when;
  }
  return out;
}

// XML entity decoding for the five predefined entities and numeric
// references (ASCII range; others are kept as written).
std::string XmlUnescape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const size_t semi = text.find(';', i);
    if (semi == absl::string_view::npos) {
      absl::StrAppend(&out, text.substr(i));
      break;
    }
    const absl::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (absl::StartsWith(entity, "#")) {
      int code = 0;
      const bool hex = absl::StartsWith(entity, "#x") || absl::StartsWith(entity, "#X");
      const bool ok = hex ? absl::SimpleHexAtoi(entity.substr(2), &code)
                          : absl::SimpleAtoi(entity.substr(1), &code);
      if (ok && code > 0 && code < 128) {
        out.push_back(static_cast<char>(code));
      } else {
        absl::StrAppend(&out, text.substr(i, semi - i + 1));
      }
    } else {
      absl::StrAppend(&out, text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

// The raw content of the first element named `tag` ("<tag>" or
// "<tag attr=...>") in `xml`, or nullopt. Enough for STS's flat responses.
std::optional<absl::string_view> XmlElement(absl::string_view xml, absl::string_view tag) {
  const std::string open = absl::StrCat("<", tag);
  const std::string close = absl::StrCat("</", tag, ">");
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != absl::string_view::npos) {
    const size_t after = pos + open.size();
    if (after < xml.size() && (xml[after] == '>' || xml[after] == ' ' || xml[after] == '\t' ||
                               xml[after] == '\n' || xml[after] == '\r')) {
      const size_t content = xml.find('>', after);
      if (content == absl::string_view::npos) return std::nullopt;
      if (xml[content - 1] == '/') return absl::string_view();  // <tag/>
      const size_t end = xml.find(close, content + 1);
      if (end == absl::string_view::npos) return std::nullopt;
      return xml.substr(content + 1, end - content - 1);
    }
    pos = after;
  }
  return std::nullopt;
}

std::optional<std::string> XmlText(absl::string_view xml, absl::string_view tag) {
  std::optional<absl::string_view> raw = XmlElement(xml, tag);
  if (!raw.has_value()) return std::nullopt;
  return XmlUnescape(absl::StripAsciiWhitespace(*raw));
}

bool IsLoopbackOrAllowedContainerHost(absl::string_view hostname) {
  const std::string host = absl::AsciiStrToLower(hostname);
  if (host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23" ||
      host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") {
    return true;
  }
  // 127.0.0.0/8, written as a dotted quad.
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (absl::string_view part : parts) {
    int octet = 0;
    if (part.empty() || part.size() > 3 || !absl::SimpleAtoi(part, &octet) || octet < 0 ||
        octet > 255) {
      return false;
    }
  }
  return true;
}

std::string EndpointDescription(const HttpRequest& request) {
  return absl::StrCat(request.scheme, "://", request.host);
}

// "HTTP 503" or the transport error's own (secret-free) message.
std::string DescribeOutcome(const absl::StatusOr<HttpResponse>& outcome) {
  if (!outcome.ok()) return std::string(outcome.status().message());
  return absl::StrCat("HTTP ", outcome->status);
}

}  // namespace

// ---------------------------------------------------------------------------
// AwsEnvironment

AwsEnvironment AwsEnvironment::FromProcessEnvironment() {
  AwsEnvironment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == absl::string_view::npos) continue;
    const absl::string_view name = text.substr(0, eq);
    if (absl::StartsWith(name, "AWS_") || name == "HOME") {
      env.variables[std::string(name)] = std::string(text.substr(eq + 1));
    }
  }
  return env;
}

std::optional<std::string> AwsEnvironment::Get(absl::string_view name) const {
  auto it = variables.find(std::string(name));
  if (it == variables.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string AwsEnvironment::GetOr(absl::string_view name, absl::string_view fallback) const {
  std::optional<std::string> value = Get(name);
  return value.has_value() ? *value : std::string(fallback);
}

std::string RedactedCredentials(const Credentials& credentials) {
  // AWS documents access key ids as non-secret; still, show only the ends.
  const std::string& id = credentials.access_key_id;
  const std::string shown =
      id.size() > 8 ? absl::StrCat(id.substr(0, 4), "...", id.substr(id.size() - 4)) : "****";
  return absl::StrCat(
      "Credentials{access_key_id=", shown, ", secret_access_key=<redacted>",
      ", session_token=", credentials.session_token.empty() ? "<none>" : "<redacted>", "}");
}

absl::StatusOr<TimedCredentials> CredentialsProvider::GetTimedCredentials() {
  absl::StatusOr<Credentials> credentials = GetCredentials();
  if (!credentials.ok()) return credentials.status();
  return TimedCredentials{*std::move(credentials), absl::InfiniteFuture()};
}

absl::StatusOr<Credentials> TimedCredentialsProvider::GetCredentials() {
  absl::StatusOr<TimedCredentials> timed = GetTimedCredentials();
  if (!timed.ok()) return timed.status();
  return std::move(timed->credentials);
}

// ---------------------------------------------------------------------------
// Environment

absl::StatusOr<TimedCredentials> EnvironmentCredentialsProvider::GetTimedCredentials() {
  std::optional<std::string> key_id = env_.Get("AWS_ACCESS_KEY_ID");
  if (!key_id.has_value()) return absl::NotFoundError("AWS_ACCESS_KEY_ID is not set");
  std::optional<std::string> secret = env_.Get("AWS_SECRET_ACCESS_KEY");
  if (!secret.has_value()) {
    return absl::InvalidArgumentError(
        "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not (partial credentials)");
  }
  TimedCredentials out;
  out.credentials.access_key_id = *key_id;
  out.credentials.secret_access_key = *secret;
  if (auto token = env_.Get("AWS_SESSION_TOKEN")) {
    out.credentials.session_token = *token;
  } else if (auto legacy = env_.Get("AWS_SECURITY_TOKEN")) {
    out.credentials.session_token = *legacy;
  }
  if (auto expiration = env_.Get("AWS_CREDENTIAL_EXPIRATION")) {
    absl::StatusOr<absl::Time> when = ParseExpiration(*expiration, "AWS_CREDENTIAL_EXPIRATION");
    if (!when.ok()) return absl::InvalidArgumentError(when.status().message());
    out.expiration = *when;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Shared files

IniFile ParseIni(absl::string_view text) {
  IniFile file;
  std::map<std::string, std::string>* section = nullptr;
  std::string* last_value = nullptr;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::ConsumeSuffix(&line, "\r");
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty()) {
      last_value = nullptr;
      continue;
    }
    if (stripped.front() == '#' || stripped.front() == ';') continue;
    const bool indented = line.front() == ' ' || line.front() == '\t';
    if (indented && last_value != nullptr) {
      // A continuation line (botocore's nested "s3 =" blocks).
      absl::StrAppend(last_value, "\n", stripped);
      continue;
    }
    if (stripped.front() == '[') {
      const size_t close = stripped.rfind(']');
      if (close == absl::string_view::npos || close < 2) {
        section = nullptr;
        last_value = nullptr;
        continue;
      }
      section = &file[std::string(stripped.substr(1, close - 1))];
      last_value = nullptr;
      continue;
    }
    if (section == nullptr) continue;
    const size_t separator = stripped.find_first_of("=:");
    if (separator == absl::string_view::npos || separator == 0) {
      last_value = nullptr;
      continue;
    }
    const std::string key =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(stripped.substr(0, separator)));
    std::string& value = (*section)[key];
    value = std::string(absl::StripAsciiWhitespace(stripped.substr(separator + 1)));
    last_value = &value;
  }
  return file;
}

std::string SharedCredentialsFilePath(const AwsEnvironment& env) {
  if (auto path = env.Get("AWS_SHARED_CREDENTIALS_FILE")) return ExpandHome(env, *path);
  if (auto home = env.Get("HOME")) return absl::StrCat(*home, "/.aws/credentials");
  return "";
}

std::string ConfigFilePath(const AwsEnvironment& env) {
  if (auto path = env.Get("AWS_CONFIG_FILE")) return ExpandHome(env, *path);
  if (auto home = env.Get("HOME")) return absl::StrCat(*home, "/.aws/config");
  return "";
}

std::string ProfileName(const AwsEnvironment& env) { return env.GetOr("AWS_PROFILE", "default"); }

absl::StatusOr<Profile> LoadProfile(const AwsEnvironment& env) {
  Profile profile;
  profile.name = ProfileName(env);
  profile.explicitly_selected = env.Get("AWS_PROFILE").has_value();

  const std::string config_path = ConfigFilePath(env);
  if (!config_path.empty()) {
    absl::StatusOr<std::string> text = ReadFile(config_path);
    if (text.ok()) {
      IniFile config = ParseIni(*text);
      // "[profile x]" (any whitespace after "profile"); the default profile
      // is "[default]" (or "[profile default]").
      for (auto& [section, values] : config) {
        std::string name;
        if (section == "default") {
          name = "default";
        } else if (absl::StartsWith(section, "profile") && section.size() > 7 &&
                   absl::ascii_isspace(static_cast<unsigned char>(section[7]))) {
          name = std::string(absl::StripAsciiWhitespace(absl::string_view(section).substr(7)));
        } else {
          continue;
        }
        if (name == profile.name) {
          for (auto& [key, value] : values) profile.config[key] = value;
        }
      }
    } else if (!absl::IsNotFound(text.status())) {
      return text.status();
    }
  }
  const std::string credentials_path = SharedCredentialsFilePath(env);
  if (!credentials_path.empty()) {
    absl::StatusOr<std::string> text = ReadFile(credentials_path);
    if (text.ok()) {
      IniFile credentials = ParseIni(*text);
      auto it = credentials.find(profile.name);
      if (it != credentials.end()) profile.credentials = it->second;
    } else if (!absl::IsNotFound(text.status())) {
      return text.status();
    }
  }
  return profile;
}

std::optional<std::string> ResolveRegion(const AwsEnvironment& env) {
  if (auto region = env.Get("AWS_REGION")) return region;
  if (auto region = env.Get("AWS_DEFAULT_REGION")) return region;
  absl::StatusOr<Profile> profile = LoadProfile(env);
  if (profile.ok()) {
    auto it = profile->config.find("region");
    if (it != profile->config.end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

namespace {

// Static keys from one file's section, or NotFound / InvalidArgument.
absl::StatusOr<TimedCredentials> KeysFromSection(const std::map<std::string, std::string>& values,
                                                 absl::string_view where) {
  auto get = [&values](const char* key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  std::optional<std::string> key_id = get("aws_access_key_id");
  if (!key_id.has_value()) return absl::NotFoundError(absl::StrCat(where, ": no keys"));
  std::optional<std::string> secret = get("aws_secret_access_key");
  if (!secret.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where,
        ": aws_access_key_id is set but aws_secret_access_key is not (partial credentials)"));
  }
  TimedCredentials out;
  out.credentials.access_key_id = *key_id;
  out.credentials.secret_access_key = *secret;
  if (auto token = get("aws_session_token")) {
    out.credentials.session_token = *token;
  } else if (auto legacy = get("aws_security_token")) {
    out.credentials.session_token = *legacy;
  }
  return out;
}

}  // namespace

absl::StatusOr<TimedCredentials> ProfileCredentialsProvider::GetTimedCredentials() {
  absl::StatusOr<Profile> profile = LoadProfile(env_);
  if (!profile.ok()) return profile.status();
  if (!profile->found()) {
    if (profile->explicitly_selected) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile \"", profile->name, "\" (AWS_PROFILE) is in neither ",
                       SharedCredentialsFilePath(env_), " nor ", ConfigFilePath(env_)));
    }
    return absl::NotFoundError(absl::StrCat("no profile \"", profile->name, "\""));
  }
  absl::StatusOr<TimedCredentials> keys =
      KeysFromSection(profile->credentials,
                      absl::StrCat(SharedCredentialsFilePath(env_), " [", profile->name, "]"));
  if (!absl::IsNotFound(keys.status())) return keys;
  keys = KeysFromSection(profile->config,
                         absl::StrCat(ConfigFilePath(env_), " [profile ", profile->name, "]"));
  if (!absl::IsNotFound(keys.status())) return keys;

  // No static keys: say so plainly when the profile wants a mechanism this
  // client lacks.
  auto has = [&profile](const char* key) {
    return profile->config.count(key) > 0 || profile->credentials.count(key) > 0;
  };
  if (has("role_arn") && has("web_identity_token_file")) {
    return absl::NotFoundError(
        absl::StrCat("profile \"", profile->name, "\" uses web identity (handled there)"));
  }
  for (const char* key : {"role_arn", "credential_source", "credential_process", "sso_session",
                          "sso_start_url", "login_session"}) {
    if (has(key)) {
      return absl::UnimplementedError(absl::StrCat("profile \"", profile->name, "\" uses ", key,
                                                   ", which this client does not support"));
    }
  }
  return absl::NotFoundError(absl::StrCat("profile \"", profile->name, "\" has no keys"));
}

// ---------------------------------------------------------------------------
// Web identity

absl::StatusOr<TimedCredentials> ParseStsCredentialsXml(absl::string_view xml) {
  std::optional<absl::string_view> block = XmlElement(xml, "Credentials");
  if (!block.has_value()) {
    return absl::InternalError("STS response has no <Credentials> element");
  }
  TimedCredentials out;
  std::vector<std::string> missing;
  auto take = [&](absl::string_view tag, std::string* into) {
    std::optional<std::string> text = XmlText(*block, tag);
    if (!text.has_value() || text->empty()) {
      missing.push_back(std::string(tag));
    } else {
      *into = *std::move(text);
    }
  };
  std::string expiration;
  take("AccessKeyId", &out.credentials.access_key_id);
  take("SecretAccessKey", &out.credentials.secret_access_key);
  take("SessionToken", &out.credentials.session_token);
  take("Expiration", &expiration);
  if (!missing.empty()) {
    return absl::InternalError(absl::StrCat("STS response lacks ", absl::StrJoin(missing, ", ")));
  }
  absl::StatusOr<absl::Time> when = ParseExpiration(expiration, "STS response");
  if (!when.ok()) return when.status();
  out.expiration = *when;
  return out;
}

absl::StatusOr<TimedCredentials> WebIdentityCredentialsProvider::GetTimedCredentials() {
  std::optional<std::string> token_file = env_.Get("AWS_WEB_IDENTITY_TOKEN_FILE");
  std::optional<std::string> role_arn = env_.Get("AWS_ROLE_ARN");
  std::optional<std::string> session_name = env_.Get("AWS_ROLE_SESSION_NAME");
  absl::string_view source = "AWS_WEB_IDENTITY_TOKEN_FILE";
  if (!token_file.has_value()) {
    // botocore also reads the three settings from the profile.
    absl::StatusOr<Profile> profile = LoadProfile(env_);
    if (!profile.ok()) return absl::NotFoundError("no web identity configuration");
    auto get = [&profile](const char* key) -> std::optional<std::string> {
      for (const auto* values : {&profile->config, &profile->credentials}) {
        auto it = values->find(key);
        if (it != values->end() && !it->second.empty()) return it->second;
      }
      return std::nullopt;
    };
    token_file = get("web_identity_token_file");
    if (!token_file.has_value()) {
      return absl::NotFoundError("AWS_WEB_IDENTITY_TOKEN_FILE is not set");
    }
    role_arn = get("role_arn");
    session_name = get("role_session_name");
    source = "web_identity_token_file (profile)";
  }
  if (!role_arn.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, " is set but no role ARN (AWS_ROLE_ARN / role_arn) is"));
  }
  if (options_.http == nullptr || options_.clock == nullptr) {
    return absl::FailedPreconditionError("web identity provider has no HTTP client or clock");
  }
  const std::string token_path = ExpandHome(env_, *token_file);
  absl::StatusOr<std::string> token = ReadFile(token_path);
  if (!token.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("web identity token file: ", token.status().message()));
  }
  const std::string web_token(absl::StripAsciiWhitespace(*token));
  if (web_token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("web identity token file ", token_path, " is empty"));
  }
  const Clock& clock = *options_.clock;
  if (!session_name.has_value()) {
    session_name = absl::StrCat("aws-grpc-facade-", absl::ToUnixSeconds(clock.Now()));
  }

  // Where STS is.
  std::string endpoint = options_.sts_endpoint;
  if (endpoint.empty()) endpoint = env_.GetOr("AWS_ENDPOINT_URL_STS", "");
  if (endpoint.empty()) endpoint = env_.GetOr("AWS_ENDPOINT_URL", "");
  if (endpoint.empty()) {
    std::optional<std::string> region = ResolveRegion(env_);
    if (region.has_value()) {
      endpoint = absl::StrCat("https://sts.", *region, ".amazonaws.com",
                              absl::StartsWith(*region, "cn-") ? ".cn" : "");
    } else {
      endpoint = "https://sts.amazonaws.com";
    }
  }
  absl::StatusOr<HttpRequest> request = RequestForUrl("POST", endpoint);
  if (!request.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("STS endpoint: ", request.status().message()));
  }
  request->headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  request->body = absl::StrCat("Action=AssumeRoleWithWebIdentity&Version=", kStsVersion,
                               "&RoleArn=", UriEncode(*role_arn, false),
                               "&RoleSessionName=", UriEncode(*session_name, false),
                               "&WebIdentityToken=", UriEncode(web_token, false));

  RetryOptions retry_options;
  retry_options.traits = RetryTraitsFor("sts");
  RetryPolicy policy(retry_options, clock);
  const ServiceRetryTraits traits = retry_options.traits;
  std::function<absl::StatusOr<HttpResponse>(absl::Duration)> attempt =
      [&](absl::Duration timeout) { return SendAndWait(*options_.http, *request, timeout); };
  std::function<std::optional<RetryDecision>(const absl::StatusOr<HttpResponse>&)> classify =
      [&traits](const absl::StatusOr<HttpResponse>& outcome) -> std::optional<RetryDecision> {
    if (!outcome.ok()) return Classify(0, "", TransportErrorOf(outcome.status()), traits);
    if (outcome->status >= 200 && outcome->status < 300) return std::nullopt;
    return Classify(outcome->status, XmlText(outcome->body, "Code").value_or(""),
                    TransportError::kNone, traits);
  };
  const absl::StatusOr<HttpResponse> outcome =
      RunWithRetries(policy, clock.Now() + options_.sts_deadline, options_.sts_timeout, attempt,
                     classify, SleepOf(options_));

  const std::string where =
      absl::StrCat("STS AssumeRoleWithWebIdentity at ", EndpointDescription(*request));
  if (!outcome.ok()) {
    return absl::UnavailableError(absl::StrCat(where, ": ", outcome.status().message()));
  }
  if (outcome->status < 200 || outcome->status >= 300) {
    const std::vector<std::string> secrets = {web_token};
    std::string message = absl::StrCat(where, ": HTTP ", outcome->status);
    if (auto code = XmlText(outcome->body, "Code")) {
      absl::StrAppend(&message, " ", SafeRemoteText(*code, secrets));
    }
    if (auto text = XmlText(outcome->body, "Message")) {
      absl::StrAppend(&message, ": ", SafeRemoteText(*text, secrets));
    }
    return outcome->status >= 500 ? absl::UnavailableError(message)
                                  : absl::UnauthenticatedError(message);
  }
  absl::StatusOr<TimedCredentials> credentials = ParseStsCredentialsXml(outcome->body);
  if (!credentials.ok()) {
    return absl::InternalError(absl::StrCat(where, ": ", credentials.status().message()));
  }
  return credentials;
}

// ---------------------------------------------------------------------------
// Container

absl::StatusOr<TimedCredentials> ContainerCredentialsProvider::GetTimedCredentials() {
  std::optional<std::string> relative = env_.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::optional<std::string> full = env_.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative.has_value() && !full.has_value()) {
    return absl::NotFoundError("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI are not set");
  }
  if (options_.http == nullptr) {
    return absl::FailedPreconditionError("container provider has no HTTP client");
  }
  absl::StatusOr<HttpRequest> request;
  if (relative.has_value()) {
    const std::string base = options_.container_endpoint.empty()
                                 ? std::string(kDefaultContainerEndpoint)
                                 : options_.container_endpoint;
    request =
        RequestForUrl("GET", absl::StrCat(absl::StripSuffix(base, "/"),
                                          absl::StartsWith(*relative, "/") ? "" : "/", *relative));
    if (!request.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: ", request.status().message()));
    }
  } else {
    request = RequestForUrl("GET", *full);
    if (!request.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("AWS_CONTAINER_CREDENTIALS_FULL_URI: ", request.status().message()));
    }
    if (request->scheme != "https" &&
        !IsLoopbackOrAllowedContainerHost(HostnameOf(request->host))) {
      return absl::InvalidArgumentError(
          absl::StrCat("AWS_CONTAINER_CREDENTIALS_FULL_URI: host ", HostnameOf(request->host),
                       " is not allowed over http (use https, a loopback address, 169.254.170.2, "
                       "169.254.170.23, fd00:ec2::23 or localhost)"));
    }
  }

  std::optional<std::string> auth_token;
  if (auto token_file = env_.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    absl::StatusOr<std::string> text = ReadFile(ExpandHome(env_, *token_file));
    if (!text.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ", text.status().message()));
    }
    auth_token = *std::move(text);
  } else {
    auth_token = env_.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (auth_token.has_value()) {
    if (absl::StrContains(*auth_token, '\r') || absl::StrContains(*auth_token, '\n')) {
      return absl::InvalidArgumentError(
          "container authorization token contains CR or LF: not a legal header value");
    }
    request->headers.emplace_back("Authorization", *auth_token);
  }
  request->headers.emplace_back("Accept", "application/json");

  const std::string where =
      absl::StrCat("container credentials endpoint ", EndpointDescription(*request));
  const auto sleep = SleepOf(options_);
  const int attempts = std::max(1, options_.container_attempts);
  std::string last_failure;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) sleep(options_.container_retry_sleep);
    absl::StatusOr<HttpResponse> outcome =
        SendAndWait(*options_.http, *request, options_.container_timeout);
    if (outcome.ok() && outcome->status == 200) {
      absl::StatusOr<TimedCredentials> credentials =
          ParseCredentialsJson(outcome->body, where, /*require_token_and_expiration=*/false);
      if (credentials.ok()) return credentials;
      last_failure = std::string(credentials.status().message());
      continue;
    }
    last_failure = absl::StrCat(where, ": ", DescribeOutcome(outcome));
  }
  return absl::UnavailableError(absl::StrCat(last_failure, " (after ", attempts, " attempts)"));
}

// ---------------------------------------------------------------------------
// Instance metadata

absl::StatusOr<TimedCredentials> InstanceMetadataCredentialsProvider::GetTimedCredentials() {
  if (IsTrue(env_.Get("AWS_EC2_METADATA_DISABLED"))) {
    return absl::NotFoundError("instance metadata disabled (AWS_EC2_METADATA_DISABLED)");
  }
  if (options_.http == nullptr) {
    return absl::FailedPreconditionError("instance metadata provider has no HTTP client");
  }
  std::string base = options_.imds_endpoint;
  if (base.empty()) base = env_.GetOr("AWS_EC2_METADATA_SERVICE_ENDPOINT", "");
  if (base.empty()) {
    base = absl::AsciiStrToLower(env_.GetOr("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "")) == "ipv6"
               ? std::string(kDefaultImdsEndpointIpv6)
               : std::string(kDefaultImdsEndpoint);
  }
  absl::Duration timeout = options_.imds_timeout;
  int attempts = options_.imds_attempts;
  if (auto text = env_.Get("AWS_METADATA_SERVICE_TIMEOUT")) {
    double seconds = 0;
    if (absl::SimpleAtod(*text, &seconds) && seconds > 0) timeout = absl::Seconds(seconds);
  }
  if (auto text = env_.Get("AWS_METADATA_SERVICE_NUM_ATTEMPTS")) {
    int n = 0;
    if (absl::SimpleAtoi(*text, &n) && n > 0) attempts = n;
  }
  const bool v1_disabled = IsTrue(env_.Get("AWS_EC2_METADATA_V1_DISABLED"));
  auto url = [&base](absl::string_view path) {
    return absl::StrCat(absl::StripSuffix(base, "/"), path);
  };
  absl::StatusOr<HttpRequest> probe = RequestForUrl("PUT", url(kImdsTokenPath));
  if (!probe.ok()) {
    return absl::NotFoundError(
        absl::StrCat("instance metadata endpoint: ", probe.status().message()));
  }
  const std::string where = absl::StrCat("instance metadata service ", EndpointDescription(*probe));

  // 1. The session token (IMDSv2).
  std::optional<std::string> token;
  {
    HttpRequest request = *probe;
    request.headers.emplace_back(kImdsTokenTtlHeader, kImdsTokenTtlSeconds);
    bool fall_back_to_v1 = false;
    std::string failure;
    for (int i = 0; i < attempts && !token.has_value() && !fall_back_to_v1; ++i) {
      absl::StatusOr<HttpResponse> outcome = SendAndWait(*options_.http, request, timeout);
      if (outcome.ok()) {
        if (outcome->status == 200 && !outcome->body.empty()) {
          token = outcome->body;
        } else if (outcome->status == 403 || outcome->status == 404 || outcome->status == 405) {
          fall_back_to_v1 = true;
        } else if (outcome->status == 400) {
          return absl::NotFoundError(absl::StrCat(where, ": token request refused (HTTP 400)"));
        } else {
          failure = DescribeOutcome(outcome);
        }
      } else if (TransportErrorOf(outcome.status()) == TransportError::kReadTimeout) {
        fall_back_to_v1 = true;  // e.g. a PUT response dropped at hop limit 1
      } else {
        failure = DescribeOutcome(outcome);
      }
    }
    if (!token.has_value() && !fall_back_to_v1) {
      return absl::NotFoundError(absl::StrCat(where, ": no token: ", failure));
    }
    if (!token.has_value() && v1_disabled) {
      return absl::NotFoundError(absl::StrCat(
          where, ": no IMDSv2 token and IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)"));
    }
  }

  // 2. and 3.: GETs with the token, retried on non-200 / empty answers.
  auto get = [&](absl::string_view path) -> absl::StatusOr<std::string> {
    absl::StatusOr<HttpRequest> request = RequestForUrl("GET", url(path));
    if (!request.ok()) return request.status();
    if (token.has_value()) request->headers.emplace_back(kImdsTokenHeader, *token);
    std::string failure;
    for (int i = 0; i < attempts; ++i) {
      absl::StatusOr<HttpResponse> outcome = SendAndWait(*options_.http, *request, timeout);
      if (outcome.ok() && outcome->status == 200 && !outcome->body.empty()) {
        return std::move(outcome->body);
      }
      failure =
          outcome.ok() && outcome->status == 200 ? "empty response" : DescribeOutcome(outcome);
    }
    return absl::NotFoundError(failure);
  };
  absl::StatusOr<std::string> roles = get(kImdsCredentialsPath);
  if (!roles.ok()) {
    return absl::NotFoundError(absl::StrCat(where, ": no IAM role: ", roles.status().message()));
  }
  const std::string role(
      absl::StripAsciiWhitespace(absl::string_view(*roles).substr(0, roles->find('\n'))));
  if (role.empty()) return absl::NotFoundError(absl::StrCat(where, ": no IAM role"));
  absl::StatusOr<std::string> body = get(absl::StrCat(kImdsCredentialsPath, role));
  if (!body.ok()) {
    return absl::NotFoundError(
        absl::StrCat(where, ": no credentials for the role: ", body.status().message()));
  }
  absl::StatusOr<TimedCredentials> credentials =
      ParseCredentialsJson(*body, where, /*require_token_and_expiration=*/true);
  if (!credentials.ok()) return absl::NotFoundError(credentials.status().message());
  return credentials;
}

// ---------------------------------------------------------------------------
// Chain

absl::StatusOr<TimedCredentials> ChainCredentialsProvider::GetTimedCredentials() {
  int active;
  {
    absl::MutexLock lock(&mu_);
    active = active_;
  }
  if (active >= 0) {
    absl::StatusOr<TimedCredentials> result = providers_[active]->GetTimedCredentials();
    if (!result.ok()) {
      return absl::Status(result.status().code(), absl::StrCat(providers_[active]->Name(), ": ",
                                                               result.status().message()));
    }
    return result;
  }
  std::vector<std::string> tried;
  for (size_t i = 0; i < providers_.size(); ++i) {
    absl::StatusOr<TimedCredentials> result = providers_[i]->GetTimedCredentials();
    if (result.ok()) {
      absl::MutexLock lock(&mu_);
      active_ = static_cast<int>(i);
      return result;
    }
    if (!absl::IsNotFound(result.status())) {
      return absl::Status(result.status().code(),
                          absl::StrCat(providers_[i]->Name(), ": ", result.status().message()));
    }
    tried.push_back(absl::StrCat(providers_[i]->Name(), " (", result.status().message(), ")"));
  }
  return absl::NotFoundError(
      absl::StrCat("no AWS credentials found; tried: ", absl::StrJoin(tried, "; ")));
}

std::string ChainCredentialsProvider::ActiveProviderName() const {
  absl::MutexLock lock(&mu_);
  return active_ >= 0 ? std::string(providers_[active_]->Name()) : std::string();
}

// ---------------------------------------------------------------------------
// Caching

CachingCredentialsProvider::CachingCredentialsProvider(std::unique_ptr<CredentialsProvider> child,
                                                       const Clock& clock, CachingOptions options)
    : child_(std::move(child)), clock_(clock), options_(options) {}

CachingCredentialsProvider::~CachingCredentialsProvider() {
  std::thread worker;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

void CachingCredentialsProvider::StoreLocked(const absl::StatusOr<TimedCredentials>& result,
                                             bool background) {
  fetching_ = false;
  ++generation_;
  if (result.ok()) {
    cached_ = *result;
    last_error_ = absl::OkStatus();
    next_background_attempt_ = absl::InfinitePast();
  } else {
    last_error_ = result.status();
    if (background) next_background_attempt_ = clock_.Now() + options_.retry_failed_refresh_after;
  }
}

void CachingCredentialsProvider::StartBackgroundRefreshLocked() {
  fetching_ = true;
  refresh_requested_ = true;
  if (!worker_.joinable()) worker_ = std::thread([this] { WorkerLoop(); });
}

void CachingCredentialsProvider::WorkerLoop() {
  mu_.Lock();
  while (true) {
    auto wake = [this]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return refresh_requested_ || shutdown_; };
    mu_.Await(absl::Condition(&wake));
    if (shutdown_) break;
    refresh_requested_ = false;
    ++fetches_;
    mu_.Unlock();
    absl::StatusOr<TimedCredentials> result = child_->GetTimedCredentials();
    mu_.Lock();
    StoreLocked(result, /*background=*/true);
  }
  // A refresh requested but never run must not leave waiters stuck.
  if (fetching_ && refresh_requested_) {
    refresh_requested_ = false;
    StoreLocked(absl::CancelledError("credentials provider is shutting down"), true);
  }
  mu_.Unlock();
}

std::optional<TimedCredentials> CachingCredentialsProvider::UsableLocked(absl::Time now) {
  if (!cached_.has_value() || now >= cached_->expiration - options_.min_remaining) {
    return std::nullopt;
  }
  if (cached_->expiration != absl::InfiniteFuture() &&
      now >= cached_->expiration - options_.refresh_before_expiry && !fetching_ && !shutdown_ &&
      now >= next_background_attempt_) {
    StartBackgroundRefreshLocked();
  }
  return *cached_;
}

std::optional<absl::StatusOr<Credentials>> CachingCredentialsProvider::GetCredentialsIfReady() {
  absl::MutexLock lock(&mu_);
  std::optional<TimedCredentials> usable = UsableLocked(clock_.Now());
  if (!usable.has_value()) return std::nullopt;
  return usable->credentials;
}

absl::StatusOr<TimedCredentials> CachingCredentialsProvider::GetTimedCredentials() {
  mu_.Lock();
  while (true) {
    if (std::optional<TimedCredentials> usable = UsableLocked(clock_.Now())) {
      mu_.Unlock();
      return *std::move(usable);
    }
    if (!fetching_) break;
    // Nothing usable and a fetch is running: wait for it, then use its
    // result, or share its error.
    const int64_t generation = generation_;
    auto finished = [this, generation]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return generation_ != generation; };
    ++waiters_;
    mu_.Await(absl::Condition(&finished));
    --waiters_;
    const bool usable =
        cached_.has_value() && clock_.Now() < cached_->expiration - options_.min_remaining;
    if (!usable && !last_error_.ok()) {
      absl::Status error = last_error_;
      mu_.Unlock();
      return error;
    }
  }
  fetching_ = true;
  ++fetches_;
  mu_.Unlock();
  absl::StatusOr<TimedCredentials> result = child_->GetTimedCredentials();
  mu_.Lock();
  StoreLocked(result, /*background=*/false);
  mu_.Unlock();
  if (result.ok() && clock_.Now() >= result->expiration - options_.min_remaining) {
    return absl::UnavailableError(
        absl::StrCat(child_->Name(), ": fetched credentials are already (nearly) expired"));
  }
  return result;
}

int64_t CachingCredentialsProvider::fetches() const {
  absl::MutexLock lock(&mu_);
  return fetches_;
}

int CachingCredentialsProvider::waiters() const {
  absl::MutexLock lock(&mu_);
  return waiters_;
}

void CachingCredentialsProvider::WaitUntilIdle() const {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !fetching_; };
  mu_.Await(absl::Condition(&idle));
}

// ---------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<CachingCredentialsProvider>> MakeDefaultCredentialsProvider(
    const AwsEnvironment& env, CredentialsOptions options, CachingOptions caching) {
  if (options.http == nullptr) return absl::InvalidArgumentError("CredentialsOptions.http is null");
  if (options.clock == nullptr) {
    return absl::InvalidArgumentError("CredentialsOptions.clock is null");
  }
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<EnvironmentCredentialsProvider>(env));
  providers.push_back(std::make_unique<WebIdentityCredentialsProvider>(env, options));
  providers.push_back(std::make_unique<ProfileCredentialsProvider>(env));
  providers.push_back(std::make_unique<ContainerCredentialsProvider>(env, options));
  providers.push_back(std::make_unique<InstanceMetadataCredentialsProvider>(env, options));
  const Clock& clock = *options.clock;
  return std::make_unique<CachingCredentialsProvider>(
      std::make_unique<ChainCredentialsProvider>(std::move(providers)), clock, caching);
}

}  // namespace awsfacade::backends::aws
