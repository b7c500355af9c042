#include "service/boto_paginator.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "backends/common/aws_error.h"
#include "nlohmann/json.hpp"

namespace awsfacade::service {
namespace {

constexpr char kStartingTokenField[] = "PaginationConfig.StartingToken";
constexpr char kTruncateKey[] = "boto_truncate_amount";

absl::Status BadStartingToken(absl::string_view why) {
  return backends::AwsError("InvalidNextTokenException", absl::StrCat("Bad starting token: ", why),
                            kStartingTokenField);
}

// Python's json.dumps string literal (ensure_ascii=True).
void AppendPythonJsonString(std::string& out, absl::string_view utf8) {
  out += '"';
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0x80) {  // decode one UTF-8 sequence; invalid bytes pass as U+FFFD
      if ((c & 0xE0) == 0xC0)
        len = 2, cp = c & 0x1F;
      else if ((c & 0xF0) == 0xE0)
        len = 3, cp = c & 0x0F;
      else if ((c & 0xF8) == 0xF0)
        len = 4, cp = c & 0x07;
      else
        len = 1, cp = 0xFFFD;
      if (i + len > utf8.size()) len = 1, cp = 0xFFFD;
      for (size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    }
    i += len;
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp < 0x10000)) {
      if (cp == 0x7F) {
        out += static_cast<char>(cp);
        continue;
      }  // DEL is printable for json
      absl::StrAppendFormat(&out, "\\u%04x", cp);
    } else if (cp >= 0x10000) {
      cp -= 0x10000;
      absl::StrAppendFormat(&out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char>(cp);
    }
  }
  out += '"';
}

// Python's base64.b64decode(validate=False): characters outside the
// alphabet are discarded before decoding.
bool LenientBase64Decode(absl::string_view in, std::string* out) {
  std::string clean;
  for (char c : in) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')
      clean += c;
    else if (c == '=')
      break;  // padding ends the data
  }
  if (clean.size() % 4 == 1) return false;
  while (clean.size() % 4) clean += '=';
  return absl::Base64Unescape(clean, out);
}

struct Parsed {
  std::optional<std::string> token;
  int skip = 0;
};

// TokenDecoder.decode plus the boto_truncate_amount split; nullopt when
// botocore would fall back to the legacy format.
absl::StatusOr<std::optional<Parsed>> DecodeJsonToken(absl::string_view token_name,
                                                      absl::string_view starting) {
  std::string json_text;
  if (!LenientBase64Decode(starting, &json_text)) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  if (doc.contains("boto_encoded_keys")) {
    return BadStartingToken("binary service tokens are not used by this operation");
  }
  Parsed parsed;
  for (auto& [key, value] : doc.items()) {
    if (key == kTruncateKey) {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
          value.get<int64_t>() > 1'000'000) {
        return BadStartingToken("boto_truncate_amount must be a small non-negative integer");
      }
      parsed.skip = value.get<int>();
    } else if (key == token_name) {
      if (value.is_string()) {
        std::string s = value.get<std::string>();
        if (s != "None") parsed.token = s;
      } else if (!value.is_null()) {
        return BadStartingToken(absl::StrCat(token_name, " must be a string or null"));
      }
    } else {
      return BadStartingToken(absl::StrCat("unknown key ", key));
    }
  }
  return parsed;
}

// PageIterator._parse_starting_token_deprecated for one input token.
absl::StatusOr<Parsed> DecodeLegacyToken(absl::string_view starting) {
  std::vector<std::string> parts = absl::StrSplit(starting, "___");
  Parsed parsed;
  if (parts.size() == 2) {
    int64_t skip = 0;
    if (absl::SimpleAtoi(parts[1], &skip)) {
      if (skip < 0 || skip > 1'000'000) return BadStartingToken("skip out of range");
      parsed.skip = static_cast<int>(skip);
      parts.pop_back();
    } else {
      parts = {std::string(starting)};
    }
  }
  if (parts.size() > 1) return BadStartingToken(starting);
  if (parts[0] != "None") parsed.token = parts[0];
  return parsed;
}

}  // namespace

std::string BotoPaginator::EncodeToken(absl::string_view token_name,
                                       const std::optional<std::string>& token,
                                       int truncate_amount) {
  std::string json = "{";
  AppendPythonJsonString(json, token_name);
  json += ": ";
  if (token) {
    AppendPythonJsonString(json, *token);
  } else {
    json += "null";
  }
  if (truncate_amount >= 0) absl::StrAppend(&json, ", \"", kTruncateKey, "\": ", truncate_amount);
  json += "}";
  return absl::Base64Escape(json);
}

absl::StatusOr<BotoPaginator> BotoPaginator::Create(absl::string_view token_name,
                                                    std::optional<int> max_items,
                                                    absl::string_view starting_token) {
  if (max_items && *max_items < 0) {
    return backends::AwsError("InvalidInputException", "MaxItems must not be negative",
                              "PaginationConfig.MaxItems");
  }
  if (starting_token.empty()) {
    return BotoPaginator(std::string(token_name), max_items, std::nullopt, 0, false);
  }
  auto json = DecodeJsonToken(token_name, starting_token);
  if (!json.ok()) return json.status();
  Parsed parsed;
  if (json->has_value()) {
    parsed = **json;
  } else {
    auto legacy = DecodeLegacyToken(starting_token);
    if (!legacy.ok()) return legacy.status();
    parsed = *legacy;
  }
  return BotoPaginator(std::string(token_name), max_items, parsed.token, parsed.skip, true);
}

absl::StatusOr<BotoPaginator::Slice> BotoPaginator::OnPage(int item_count,
                                                           absl::string_view service_next_token) {
  Slice slice;
  slice.end = item_count;
  if (first_) {
    if (has_starting_token_) slice.begin = std::min(skip_, item_count);
    first_ = false;
  } else {
    skip_ = 0;
  }
  const int count = slice.end - slice.begin;
  if (max_items_ && total_ + count > *max_items_) {
    const int keep = *max_items_ - total_;
    slice.end = slice.begin + keep;
    slice.resume_token = EncodeToken(token_name_, request_token_, keep + skip_);
    done_ = true;
    return slice;
  }
  total_ += count;
  std::optional<std::string> next;
  if (!service_next_token.empty()) next = std::string(service_next_token);
  if (!next) {
    done_ = true;
    return slice;
  }
  if (max_items_ && total_ == *max_items_) {
    slice.resume_token = EncodeToken(token_name_, next, -1);
    done_ = true;
    return slice;
  }
  if (previous_ && *previous_ == next) {
    return absl::InternalError(absl::StrCat("The same next token was received twice: ", *next));
  }
  previous_ = next;
  request_token_ = std::move(next);
  return slice;
}

}  // namespace awsfacade::service
