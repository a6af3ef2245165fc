// The three ways a module can be refused, as the spec test suite tells them apart: malformed (the
// bytes do not follow the binary format), invalid (well-formed but fails validation), and
// unsupported (uses a proposal outside the set the IC enables). The kind is the message's first
// word, so errors stay plain chorus::Error values.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.h"

namespace chorus::wasm {

enum class ErrorKind { kMalformed, kInvalid, kUnsupported };

Error malformed_error(const std::string& what, size_t offset);
Error invalid_error(const std::string& what);
// |feature| names the proposal, e.g. "threads", "tail calls".
Error unsupported_error(const std::string& feature, const std::string& what);

// REQUIRES: |e| came from the decoder or the validator.
ErrorKind error_kind(const Error& e);
const char* to_string(ErrorKind k);

}  // namespace chorus::wasm
