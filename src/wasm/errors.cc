#include "wasm/errors.h"

#include <string_view>

namespace chorus::wasm {

namespace {
constexpr std::string_view kMalformedPrefix = "malformed: ";
constexpr std::string_view kInvalidPrefix = "invalid: ";
}  // namespace

Error malformed_error(const std::string& what, size_t offset) {
  return Error(std::string(kMalformedPrefix) + what + " at offset " + std::to_string(offset));
}
Error invalid_error(const std::string& what) { return Error(std::string(kInvalidPrefix) + what); }
Error unsupported_error(const std::string& feature, const std::string& what) {
  return Error("unsupported: " + what + " needs the " + feature +
               " proposal, which the Internet Computer does not enable");
}

ErrorKind error_kind(const Error& e) {
  std::string_view m = e.message();
  if (m.starts_with(kMalformedPrefix)) return ErrorKind::kMalformed;
  if (m.starts_with(kInvalidPrefix)) return ErrorKind::kInvalid;
  return ErrorKind::kUnsupported;
}

const char* to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::kMalformed: return "malformed";
    case ErrorKind::kInvalid: return "invalid";
    case ErrorKind::kUnsupported: return "unsupported";
  }
  return "?";
}

}  // namespace chorus::wasm
